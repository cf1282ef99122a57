"""<input> on Xen (compiler/devices/input.py): a USB mouse or tablet is xm/xl's usb and
usbdevice keys on HVM guests (xl: a list of them); the PS/2 mouse of HVM guests and the
Xen mouse of PV guests are implicit. xm.py and xl.py place the keys in their key order (build_inputs), so this
module has no generic `build`. usb_inputs() reads the keys back.
"""
from __future__ import annotations

from typing import Dict, List, Optional

from ....compiler.devices.input import Input, InputBus, InputType
from ....compiler.rules.codes import XEN415, XEN428
from ..common import Builder, Config
from ..import_values import ConfigReader

USB_DEVICES: Dict[InputType, Optional[str]] = {
    InputType.MOUSE: "mouse",
    InputType.TABLET: "tablet",
    InputType.KEYBOARD: None,       # virtc writes no usbdevice for these: XEN415
    InputType.PASSTHROUGH: None,
    InputType.EVDEV: None,
}

# Which guests get an input bus implicitly (libvirt's xenDomainDefAddImplicitInputDevice):
# "hvm" / "pv" need no key; None (USB) is written as usb/usbdevice on HVM.
INPUT_BUS_IMPLICIT: Dict[InputBus, Optional[str]] = {
    InputBus.PS2: "hvm",
    InputBus.XEN: "pv",
    InputBus.USB: None,
    InputBus.VIRTIO: "never",       # no virtio input in xm/xl: XEN415
}

ENUM_TABLES = (
    (InputType, USB_DEVICES),
    (InputBus, INPUT_BUS_IMPLICIT),
)


def build_inputs(b: Builder, config: Config) -> None:
    """xm has one usbdevice; xl takes a list (libvirt's xenFormatXLInputDevs writes the
    single-string form for one device, for Xen <= 4.2, and a list for several)."""
    usb: List[str] = []
    for dev in b.domain.devices.inputs:
        implicit = INPUT_BUS_IMPLICIT[dev.bus] if dev.bus is not None else "never"
        if implicit == ("hvm" if b.hvm else "pv"):
            continue
        name = USB_DEVICES[dev.type]
        if (dev.bus is InputBus.USB and b.hvm and name is not None
                and (not usb or b.target == "xen-xl")):
            usb.append(name)
            continue
        why = (f"{b.target} has one usbdevice key"
               if dev.bus is InputBus.USB and b.hvm and name is not None
               else f"a {'HVM' if b.hvm else 'paravirtualized'} guest has no such input")
        bus = f" bus='{dev.bus.value}'" if dev.bus is not None else ""
        b.report(XEN415, f"<input type='{dev.type.value}'{bus}>: {why}; ignored", dev.span)
    if usb:
        config.set("usb", 1)
        config.set("usbdevice", usb[0] if len(usb) == 1 else usb)


# ------------------------------------------------------------------ import

def usb_inputs(r: ConfigReader) -> List[Input]:
    r.flag("usb")
    inputs = []
    for _, name, span in r.strings("usbdevice"):
        if name in ("mouse", "tablet"):
            inputs.append(Input(InputType(name), InputBus.USB, span=span))
        else:
            r.report(XEN428, f"usbdevice {name!r} has no domain XML equivalent; ignored", span)
    return inputs
