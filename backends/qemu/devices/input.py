"""<input> (compiler/devices/input.py) as libvirt's qemuBuildInputCommandLine writes it:

    <input type='tablet' bus='usb'/>          -device usb-tablet,id=input0,bus=usb.0,port=1
    <input type='keyboard' bus='virtio'/>     -device virtio-keyboard-pci,id=input1,bus=…,addr=…
    <input type='passthrough' bus='virtio'>   -device virtio-input-host-pci,id=…,evdev=PATH
    <input type='evdev'>                      -object input-linux,id=…,evdev=PATH,repeat=on,
                                                      grab_all=on,grab-toggle=alt-alt

The PS/2 mouse and keyboard are part of every PC machine: nothing to add. argv.py places the
inputs after -usb and the character devices (build_all), where libvirt puts them. A
DeviceInfo part the builder doesn't carry is QEMU320 on its line (an <alias> QEMU321).
"""
from __future__ import annotations

from typing import Dict, List, Optional, assert_never

from ....compiler.devices.input import GrabToggle, Input, InputBus, InputModel, InputType
from ....compiler.ir import Domain
from ....compiler.rules.codes import QEMU306, QEMU320
from ..context import QemuContext
from ..dialects import Cap
from ..opts import Option, Opts, Raw
from . import device_id, not_compiled, placement, usb_address, virtio_driver_props

USB_INPUT_DEVICE: Dict[InputType, Optional[str]] = {
    InputType.MOUSE: "usb-mouse",
    InputType.TABLET: "usb-tablet",
    InputType.KEYBOARD: "usb-kbd",
    InputType.PASSTHROUGH: None,        # a virtio-input device only (SEM305)
    InputType.EVDEV: None,              # on no guest bus (SEM305)
}
VIRTIO_INPUT_DEVICE: Dict[InputType, Optional[str]] = {
    InputType.MOUSE: "virtio-mouse-pci",
    InputType.TABLET: "virtio-tablet-pci",
    InputType.KEYBOARD: "virtio-keyboard-pci",
    InputType.PASSTHROUGH: "virtio-input-host-pci",
    InputType.EVDEV: None,
}
USBDEVICE_NAME: Dict[InputType, Optional[str]] = {   # the legacy -usbdevice spelling
    InputType.MOUSE: "mouse",
    InputType.TABLET: "tablet",
    InputType.KEYBOARD: None,           # not in the -usbdevice dialects virtc knows
    InputType.PASSTHROUGH: None,
    InputType.EVDEV: None,
}
# virtio-input is a virtio 1.0 device: QEMU has modern devices only, so a non-transitional
# model is the plain device and a transitional one doesn't exist (None: QEMU320).
MODEL_DEVICE_OK: Dict[InputModel, Optional[bool]] = {
    InputModel.VIRTIO: True,
    InputModel.VIRTIO_NON_TRANSITIONAL: True,
    InputModel.VIRTIO_TRANSITIONAL: None,
}
# input-linux's grab-toggle takes libvirt's names as they are.
GRAB_TOGGLE: Dict[GrabToggle, str] = {g: g.value for g in GrabToggle}
ENUM_TABLES = (
    (InputModel, MODEL_DEVICE_OK),
    (GrabToggle, GRAB_TOGGLE),
    (InputType, USB_INPUT_DEVICE),
    (InputType, VIRTIO_INPUT_DEVICE),
    (InputType, USBDEVICE_NAME),
)


def build_all(inputs, domain: Domain, ctx: QemuContext) -> List[Option]:
    out: List[Option] = []
    for inp in inputs:
        match inp.bus:
            case InputBus.USB:
                out.extend(build_usb_input(inp, ctx))
            case InputBus.VIRTIO:
                out.extend(build_virtio_input(inp, domain, ctx))
            case InputBus.PS2:
                not_compiled(inp, ctx)
                if inp.type is InputType.TABLET:
                    _input_ignored(inp, ctx, "a PS/2 tablet does not exist; use bus='usb'")
                # a PS/2 mouse and keyboard are part of every PC machine: nothing to add
            case InputBus.XEN:
                not_compiled(inp, ctx)
                _input_ignored(inp, ctx, "the Xen PV input bus only exists under Xen")
            case None:
                out.extend(build_evdev(inp, ctx))
            case _:
                assert_never(inp.bus)
    return out


def build_usb_input(inp: Input, ctx: QemuContext) -> List[Option]:
    on_usb = inp.info.address is not None and inp.info.address.type == "usb"
    not_compiled(inp, ctx, honoured=(("alias", "address") if on_usb else ("alias",))
                 if ctx.has(Cap.DEVICE) else ())
    driver = USB_INPUT_DEVICE[inp.type]
    if driver is None:
        return []                       # SEM305 said why
    if ctx.has(Cap.DEVICE):
        dev_id = device_id(inp.info, inp.span, ctx)
        return [Option("-device", Opts.of(driver, ("id", dev_id), *usb_address(inp.info)),
                       inp.span)]
    name = USBDEVICE_NAME[inp.type]
    if name is None:
        ctx.unsupported(inp.span, f"<input type='{inp.type.value}' bus='usb'>",
                        "choose a newer --qemu-version")
        return []
    return [Option("-usbdevice", Raw(name), inp.span)]


def build_virtio_input(inp: Input, domain: Domain, ctx: QemuContext) -> List[Option]:
    not_compiled(inp, ctx, honoured=("alias", "address"))
    driver = VIRTIO_INPUT_DEVICE[inp.type]
    if driver is None:
        return []                       # SEM305 said why
    if not ctx.has(Cap.VIRTIO_INPUT):
        ctx.unsupported(inp.span, f"<input type='{inp.type.value}' bus='virtio'>",
                        "use bus='usb', or choose a newer --qemu-version")
        return []
    if inp.model is not None and MODEL_DEVICE_OK[inp.model] is None:
        ctx.diags.add(QEMU320, "<input model='virtio-transitional'> is valid libvirt XML, but"
                      " QEMU's virtio input devices are modern-only: there is no transitional"
                      " one", inp.span, hint="use model='virtio' (or leave model= out)")
        return []
    dev_id = device_id(inp.info, inp.span, ctx)
    where = placement(inp.info, domain, ctx, "<input>")
    if where is None:
        return []
    evdev = inp.source.evdev if inp.type is InputType.PASSTHROUGH and inp.source else None
    opts = Opts.of(driver, ("id", dev_id), ("evdev", evdev), *virtio_driver_props(inp.driver),
                   *where)
    return [Option("-device", opts, inp.span)]


def build_evdev(inp: Input, ctx: QemuContext) -> List[Option]:
    """A host evdev device read by QEMU (libvirt's qemuBuildInputEvdevProps): an
    input-linux object named by the alias, with repeat, grab_all and grab-toggle."""
    not_compiled(inp, ctx, honoured=("alias",))
    source = inp.source
    if source is None or not source.dev:
        return []                       # SEM305 said why
    if not ctx.has(Cap.INPUT_LINUX):
        ctx.unsupported(inp.span, "<input type='evdev'>", "choose a newer --qemu-version")
        return []
    obj_id = device_id(inp.info, inp.span, ctx) or "input-evdev"
    toggle = GRAB_TOGGLE[source.grab_toggle] if source.grab_toggle is not None else None
    opts = Opts.of("input-linux", ("id", obj_id), ("evdev", source.dev),
                   ("repeat", source.repeat), ("grab_all", True if source.grab == "all" else None),
                   ("grab-toggle", toggle))
    return [Option("-object", opts, inp.span)]


def _input_ignored(inp: Input, ctx: QemuContext, why: str) -> None:
    ctx.diags.add(QEMU306, f"<input type='{inp.type.value}' bus='{inp.bus.value}'> has no"
                  f" QEMU equivalent and is ignored: {why}", inp.span,
                  "use <input type='tablet' bus='usb'/> or the default PS/2 mouse")
