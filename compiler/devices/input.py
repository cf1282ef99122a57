"""<input>: a mouse or tablet and the bus it sits on.

    <input type='tablet' bus='usb'/>
    <input type='mouse' bus='ps2'/>

Schema: schemas/domain/input.xsd. Builders: backends/qemu/devices/input.py (USB -device or
-usbdevice, placed by backends/qemu/argv.py after the character devices),
backends/xen/devices/input.py (xm/xl's usb/usbdevice keys, and reading them back).

Its rules (SEM222) are documented with the seed rules (compiler/rules/).
"""
from __future__ import annotations

import enum
from typing import ClassVar, Optional

from ..diagnostics import Diagnostics, Span
from ..ir import NOWHERE, Domain, DomainType
from ..rules.codes import SEM222
from .info import EMPTY, DeviceInfo
from .xmlmap import Attr, Info
from ..node import Node, replace


class InputType(str, enum.Enum):
    MOUSE = "mouse"
    TABLET = "tablet"


class InputBus(str, enum.Enum):
    PS2 = "ps2"
    USB = "usb"
    XEN = "xen"


class Input(Node):
    """One <input> device (mouse or tablet) and its bus (post-parse: never None)."""

    TAG: ClassVar[str] = "input"
    XML: ClassVar[tuple] = (
        Attr("type", "type", InputType),
        Attr("bus", "bus", InputBus),
        Info(),
    )
    type: InputType = InputType.MOUSE
    bus: Optional[InputBus] = None
    info: DeviceInfo = EMPTY
    span: Span = NOWHERE


NODE = Input


def postparse(node: Input, index: int, domain: Domain) -> Input:
    """Defaults, as libvirt applies them:

    - bus, when not written: USB for a tablet; for a mouse, Xen's own paravirtual bus in
      a Xen PV guest, PS/2 otherwise (libvirt's virDomainInputDefParseXML).
    """
    if node.bus is not None:
        return node
    xen_pv = domain.type is DomainType.XEN and not domain.os.is_hvm
    bus = InputBus.USB if node.type is InputType.TABLET else (
        InputBus.XEN if xen_pv else InputBus.PS2)
    return replace(node, bus=bus)


def check(inp: Input, diags: Diagnostics) -> None:
    if inp.type is InputType.TABLET and inp.bus is not InputBus.USB:
        diags.add(SEM222, f"an input tablet cannot sit on the {inp.bus.value} bus", inp.span,
                  hint="use <input type='tablet' bus='usb'/>")

