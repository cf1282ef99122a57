"""<redirdev> and <redirfilter>: USB devices a client redirects into the guest, and the
rules for which ones it may.

    <redirdev bus='usb' type='spicevmc'>
      <address type='usb' bus='0' port='3'/>
    </redirdev>
    <redirdev bus='usb' type='tcp'>
      <source mode='connect' host='localhost' service='4000'/>
      <protocol type='raw'/>
      <boot order='1'/>
    </redirdev>
    <redirfilter>
      <usbdev class='0x08' vendor='0x15E1' product='0x2007' version='1.10' allow='yes'/>
      <usbdev allow='no'/>
    </redirfilter>

Schema: schemas/domain/redirdev.xsd. Builder: backends/qemu/devices/redirdev.py (a
character device and a usb-redir device on the USB bus, with the filter). Xen has no USB
redirection: its backend reports both elements as not compiled (no builder there).

The host side is read as for <serial> (compiler/devices/chardev.py: the same types,
sources and <protocol>); <boot order>, <alias> and the USB <address> through DeviceInfo.
A <usbdev> keeps its values as written (hex, or -1 for any); the builder spells them.
"""
from __future__ import annotations

from typing import ClassVar, Optional, Tuple

from ..diagnostics import Diagnostics, Severity, Span
from ..ir import NOWHERE
from ..rules.codes import Code
from .info import EMPTY, DeviceInfo
from .chardev import CharDevice, CharProtocolSpec, CharSource, CharType, read_host_side
from .xmlmap import Attr, Child, Children, Info, lower as lower_node, yes_no
from ..node import Choice, Node, replace

TAGS = ("redirdev", "redirfilter")


class RedirBus(Choice):
    USB = "usb"


class Redirdev(CharDevice, Node):
    """One <redirdev>: a USB device redirected over a character device."""

    TAG: ClassVar[str] = "redirdev"
    XML: ClassVar[tuple] = (
        Attr("bus", "bus", RedirBus),
        Attr("type", "type", CharType),
        Children("sources", CharSource),
        Child("protocol", CharProtocolSpec),
        Info(),
    )
    bus: RedirBus = RedirBus.USB


class UsbDev(Node):
    """<usbdev class vendor product version allow>: one filter rule; -1 (or no value)
    matches any."""

    TAG: ClassVar[str] = "usbdev"
    XML: ClassVar[tuple] = (
        Attr("class", "usb_class"),
        Attr("vendor", "vendor"),
        Attr("product", "product"),
        Attr("version", "version"),
        Attr("allow", "allow", yes_no),
    )
    usb_class: Optional[str] = None
    vendor: Optional[str] = None
    product: Optional[str] = None
    version: Optional[str] = None
    allow: bool = False
    span: Span = NOWHERE


class Redirfilter(Node):
    """<redirfilter>: the rules every USB redirection of the guest applies, in order."""

    TAG: ClassVar[str] = "redirfilter"
    XML: ClassVar[tuple] = (Children("usbdevs", UsbDev),)
    usbdevs: Tuple[UsbDev, ...] = ()
    info: DeviceInfo = EMPTY        # none in the XML; every device node has one
    span: Span = NOWHERE


NODE = Redirdev

# This family's place in libvirt's order of USB ports (compiler/postparse/qemu.py, 5).
USB_ORDER = 70


def wants_usb_port(node) -> bool:
    """A <redirdev> (usb-redir) takes a USB port; a <redirfilter> is no device."""
    return node.TAG == "redirdev"


SEM300 = Code("SEM300", Severity.ERROR)


def rules():
    """The rules this family declares (built on demand: the text is only for the registry)."""
    from ..rules import Rule

    return (
        Rule(SEM300, "redirfilter-twice",
             "More than one <redirfilter>.",
             "libvirt keeps one redirection filter per guest and refuses a second one"
             " (\"Only one set of redirdev filter rules is supported\").",
             "<redirfilter>…</redirfilter><redirfilter>…</redirfilter>",
             "Merge the <usbdev> rules into one <redirfilter>, in the order they apply."),
    )


def lower(r, el, index: int):
    if el.tag == "redirfilter":
        return lower_node(Redirfilter, r, el)
    return lower_node(Redirdev, r, el, **read_host_side(r, el))


def postparse(node, index: int, domain):
    """Defaults, as libvirt applies them: a <redirdev>'s alias is `redir<N>`, N counting
    the <redirdev> elements (qemuAssignDeviceAliases). Its USB port comes with the other
    USB devices' (compiler/postparse/qemu.py)."""
    if isinstance(node, Redirdev):
        return replace(node, info=replace(node.info, alias=node.info.alias or f"redir{index}"))
    return node


def usb_version(text: Optional[str]) -> Optional[int]:
    """bcdDevice for version='M.m' (libvirt reads each part as hex digits: 1.10 is
    0x0110; the schema allows two decimal digits each); None for -1 or no version."""
    if text is None or text == "-1":
        return None
    major, _, minor = text.partition(".")
    return int(major, 16) << 8 | int(minor or "0", 16)


def check_all(nodes, domain, diags: Diagnostics) -> None:
    """`nodes` are the family's nodes of one class; both classes are read from `domain`."""
    for extra in domain.devices.of(Redirfilter)[1:]:
        diags.add(SEM300, "a second <redirfilter>: a guest has one redirection filter",
                  extra.span, hint="merge its <usbdev> rules into the first <redirfilter>")
