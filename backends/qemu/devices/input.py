"""<input> (compiler/devices/input.py): a USB mouse or tablet as -device (or -usbdevice);
the PS/2 mouse is part of every PC machine. argv.py places the inputs after -usb
(build_all). DeviceInfo parts are QEMU320 on their line, an <alias> QEMU321.
"""
from __future__ import annotations

from typing import Dict, List, assert_never

from ....compiler.devices.input import Input, InputBus, InputType
from ....compiler.ir import Domain
from ....compiler.rules.codes import QEMU306
from ..context import QemuContext
from ..dialects import Cap
from ..opts import Option, Opts, Raw
from . import not_compiled

USB_INPUT_DEVICE: Dict[InputType, str] = {
    InputType.MOUSE: "usb-mouse",
    InputType.TABLET: "usb-tablet",
}
USBDEVICE_NAME: Dict[InputType, str] = {   # the legacy -usbdevice spelling
    InputType.MOUSE: "mouse",
    InputType.TABLET: "tablet",
}


def build_all(inputs, domain: Domain, ctx: QemuContext) -> List[Option]:
    out: List[Option] = []
    for inp in inputs:
        usb_address = (inp.bus is InputBus.USB and inp.info.address is not None
                       and inp.info.address.type == "usb" and ctx.has(Cap.DEVICE))
        not_compiled(inp, ctx, honoured=("address",) if usb_address else ())
        match inp.bus:
            case InputBus.USB:
                out.extend(build_usb_input(inp, ctx))
            case InputBus.PS2:
                if inp.type is InputType.TABLET:
                    _input_ignored(inp, ctx, "a PS/2 tablet does not exist; use bus='usb'")
                # a PS/2 mouse is part of every PC machine: nothing to add
            case InputBus.XEN:
                _input_ignored(inp, ctx, "the Xen PV input bus only exists under Xen")
            case _:
                assert_never(inp.bus)
    return out


def build_usb_input(inp: Input, ctx: QemuContext) -> List[Option]:
    if ctx.has(Cap.DEVICE):
        return [Option("-device", Opts.of(USB_INPUT_DEVICE[inp.type], *_usb_port(inp)),
                       inp.span)]
    return [Option("-usbdevice", Raw(USBDEVICE_NAME[inp.type]), inp.span)]


def _usb_port(inp: Input) -> tuple:
    """bus=usb.0,port=N for a <address type='usb' bus port> (written, or given by post-parse
    as libvirt gives USB ports); the USB controller with index N has id usb (0) or usbN."""
    address = inp.info.address
    if address is None or address.type != "usb":
        return ()
    index = int(address.get("bus") or 0)
    return (("bus", "usb.0" if index == 0 else f"usb{index}.0"), ("port", address.get("port")))


def _input_ignored(inp: Input, ctx: QemuContext, why: str) -> None:
    ctx.diags.add(QEMU306, f"<input type='{inp.type.value}' bus='{inp.bus.value}'> has no"
                  f" QEMU equivalent and is ignored: {why}", inp.span,
                  "use <input type='tablet' bus='usb'/> or the default PS/2 mouse")
