"""<panic>: a device through which the guest tells the host it has crashed.

    <panic model='isa'><address type='isa' iobase='0x505'/></panic>     pvpanic on ISA
    <panic model='pvpanic'/>                                            pvpanic-pci (libvirt 9.1)
    <panic model='hyperv'/>                                             Hyper-V crash MSRs

Schema: schemas/domain/panic.xsd. Builder: backends/qemu/devices/panic.py.

Read: model= and the DeviceInfo (an ISA address's iobase is the pvpanic's I/O port). What
happens on a crash is <on_crash> (compiler/lower.py, backends/qemu/boot.py).
"""
from __future__ import annotations

from typing import ClassVar, Optional

from ..diagnostics import Span
from ..ir import NOWHERE
from .info import EMPTY, DeviceInfo
from .xmlmap import Attr, Info
from ..node import Choice, Node, replace


class PanicModel(Choice):
    ISA = "isa"             # QEMU's pvpanic on the ISA bus (x86)
    PSERIES = "pseries"     # PAPR's ibm,os-term (ppc64)
    HYPERV = "hyperv"       # Hyper-V's crash MSRs, a CPU property
    S390 = "s390"           # s390's diagnose 9c
    PVPANIC = "pvpanic"     # pvpanic-pci


class Panic(Node):
    """One <panic>."""

    TAG: ClassVar[str] = "panic"
    XML: ClassVar[tuple] = (
        Attr("model", "model", PanicModel),
        Info(),
    )
    model: Optional[PanicModel] = None
    info: DeviceInfo = EMPTY
    span: Span = NOWHERE


NODE = Panic


def postparse(node: Panic, index: int, domain) -> Panic:
    """Defaults, as libvirt's post-parse applies them on x86: model isa (ppc64 would get
    pseries, s390 s390); alias `panic<N>`."""
    return replace(node, model=node.model or PanicModel.ISA,
                   info=replace(node.info, alias=node.info.alias or f"panic{index}"))
