"""<pm>: which ACPI sleep states the guest may enter.

    <pm>
      <suspend-to-mem enabled='no'/>
      <suspend-to-disk enabled='no'/>
    </pm>

`enabled` absent leaves the hypervisor's default. Schema: schemas/domain/lifecycle.xsd.
Builders: backends/qemu/platform/clock.py (build_pm: the S3/S4 globals of the PIIX4 or
ICH9 power management device); xm and xl have no setting for it (XEN440).

The <on_poweroff>, <on_reboot> and <on_crash> actions stay plain Domain fields (ir.py).
"""
from __future__ import annotations

from typing import ClassVar, Optional

from ..devices.xmlmap import Attr, Child, lower, write, yes_no
from ..diagnostics import Span
from ..node import Node
from ..reader import Reader
from .switches import NOWHERE


class SuspendToMem(Node):
    TAG: ClassVar[str] = "suspend-to-mem"
    XML: ClassVar[tuple] = (Attr("enabled", "enabled", yes_no),)
    enabled: Optional[bool] = None
    span: Span = NOWHERE


class SuspendToDisk(Node):
    TAG: ClassVar[str] = "suspend-to-disk"
    XML: ClassVar[tuple] = (Attr("enabled", "enabled", yes_no),)
    enabled: Optional[bool] = None
    span: Span = NOWHERE


class Pm(Node):
    TAG: ClassVar[str] = "pm"
    XML: ClassVar[tuple] = (Child("suspend_to_mem", SuspendToMem),
                            Child("suspend_to_disk", SuspendToDisk))
    suspend_to_mem: Optional[SuspendToMem] = None     # S3
    suspend_to_disk: Optional[SuspendToDisk] = None   # S4
    span: Span = NOWHERE


def lower_pm(r: Reader, el) -> Optional[Pm]:
    return lower(Pm, r, el) if el is not None else None


def write_pm(pm: Pm):
    return write(pm)
