"""<redirdev> (compiler/devices/redirdev.py) → a character device and a usb-redir device;
<redirfilter> → the filter= of every usb-redir.

    <redirdev bus='usb' type='spicevmc'>
      <address type='usb' bus='0' port='3'/>
    </redirdev>
    -chardev spicevmc,id=charredir0,name=usbredir
    -device usb-redir,chardev=charredir0,id=redir0,bus=usb.0,port=3

As libvirt's qemuBuildRedirdevCommandLine writes them: the character device is
`charredir<N>` (N counts the <redirdev>s), a spicevmc one carries SPICE's usbredir channel
(another type is built as a <serial> of that type would be); the device's id is its alias,
then filter=, bootindex= and its USB address. Each <usbdev> rule is
`class:vendor:product:version:allow`, -1 for any, the class as 0x%02X and the rest as
0x%04X (version M.m is the BCD 0xMMmm), rules joined by '|'.
"""
from __future__ import annotations

from typing import List, Optional

from ....compiler.devices.chardev import CharType
from ....compiler.devices.redirdev import Redirdev, Redirfilter, UsbDev, usb_version
from ....compiler.ir import Domain
from ....compiler.rules.codes import QEMU320
from ..context import QemuContext
from ..dialects import Cap
from ..opts import Option, Opts
from . import bootindex, device_id, not_compiled, usb_address
from .chardev import CHARDEV_BACKEND, chardev_props, spice_chardev_ok


def build(node, domain: Domain, ctx: QemuContext) -> List[Option]:
    if isinstance(node, Redirfilter):
        return []                   # every usb-redir carries it (filter=)
    return build_redirdev(node, domain, ctx)


def build_redirdev(node: Redirdev, domain: Domain, ctx: QemuContext) -> List[Option]:
    if not ctx.has(Cap.SPICE) or not ctx.has(Cap.CHARDEV):
        ctx.unsupported(node.span, "<redirdev>", "remove it")
        return []
    not_compiled(node, ctx, honoured=("alias", "address", "boot"))
    if node.info.address is not None and node.info.address.type != "usb":
        ctx.diags.add(QEMU320, f"<redirdev> with <address type='{node.info.address.type}'> is"
                      " valid libvirt XML, but a usb-redir device sits on a USB bus",
                      node.info.address.span, hint="use <address type='usb' bus='0' port='N'/>")
        return []
    if not spice_chardev_ok(node, domain, ctx, "<redirdev>"):
        return []
    dev_id = device_id(node.info, node.span, ctx)
    if dev_id is None:
        return []
    index = domain.devices.of(Redirdev).index(node)
    char_id = f"charredir{index}"
    backend = "serial" if node.type is CharType.DEV else CHARDEV_BACKEND[node.type]
    props = [("chardev", char_id), ("id", dev_id), ("filter", _filter(domain, ctx, node)),
             *bootindex(node.info), *usb_address(node.info)]
    return [Option("-chardev", Opts.of(backend, ("id", char_id),
                                       *chardev_props(node, spicevmc="usbredir")), node.span),
            Option("-device", Opts.of("usb-redir", *props), node.span)]


def _filter(domain: Domain, ctx: QemuContext, node: Redirdev) -> Optional[str]:
    filters = domain.devices.of(Redirfilter)
    rules = filters[0].usbdevs if filters else ()
    if not rules:
        return None
    if not ctx.has(Cap.USB_REDIR_FILTER):
        ctx.unsupported(filters[0].span, "<redirfilter>", "remove it")
        return None
    return "|".join(_rule(rule) for rule in rules)


def _hex(text: Optional[str], width: int) -> str:
    if text is None or text == "-1":
        return "-1"
    return f"0x{int(text, 16):0{width}X}"


def _rule(rule: UsbDev) -> str:
    version = usb_version(rule.version)
    return ":".join((_hex(rule.usb_class, 2), _hex(rule.vendor, 4), _hex(rule.product, 4),
                     "-1" if version is None else f"0x{version:04X}",
                     "1" if rule.allow else "0"))
