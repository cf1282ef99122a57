"""The xl dialect (Xen 4.x `xl.cfg(5)`): guest type, key=value disk specs, vfb specs, key order.

Shares meta, features, clock, lifecycle, inputs, vifs and serial strings with xm through
common.py, as libvirt's xen_xl.c shares xen_common.c with xen_xm.c. What differs:

- the guest type is `type="hvm"|"pv"` (Xen >= 4.10) or `builder="hvm"|"generic"` before;
- disks are "format=…,vdev=…,access=ro|rw[,backendtype=…][,devtype=cdrom],target=PATH"
  (xl-disk-configuration(5)); `target=` comes last because it takes the rest of the spec,
  which is how xl carries a path with commas (written by devices/disk.py);
- HVM firmware is `firmware_override`, the device model `device_model_override` with its
  `device_model_version`;
- xl-only keys: `usbctrl`, `max_grant_frames`, `max_event_channels` (devices/controller.py);
- PV graphics are a vfb spec "vnc=1,…" / "sdl=1"; xl has no parallel or floppy keys;
- strings are xl strings (literal.xl_literal), which can't carry some control characters.
"""
from __future__ import annotations

from ...compiler.rules.codes import XEN430
from .devices.chardev import build_chardevs
from .devices.input import build_inputs
from .common import (
    Builder, Config, build_clock, build_features, build_lifecycle, build_meta, check_encodable,
)
from .devices.disk import build_xl_disks
from .guest_os import build_xl_emulator, build_xl_os, build_xl_type
from .platform.cpu import build_xl_cpu
from .devices.graphics import build_xl_graphics
from .literal import xl_unrepresentable
from .devices.interface import build_vifs
from .devices.hostdev import build_pci, build_usbdev
from .devices.sound import build_sound
from .devices.channel import build_channels
from .devices.controller import build_usbctrl, build_xenbus

TARGET = "xen-xl"
TEMPLATE = "xl.j2"
# xl-network-configuration(5): type=vif is a PV-only nic, the xm 'netfront' model.
NETFRONT_TYPE = "vif"


def check_xl_strings(b: Builder, config: Config) -> None:
    for key, value in config.items():
        for item in value if isinstance(value, list) else (value,):
            bad = xl_unrepresentable(item) if isinstance(item, str) else None
            if bad is not None:
                b.report(XEN430, f"the value of xl key {key} holds U+{ord(bad):04X}, which "
                         "an xl string can't carry", b.domain.span,
                         hint="remove the control character, or compile for xen-xm")


def build_config(b: Builder) -> Config:
    config = Config()
    build_meta(b, config)
    build_xl_type(b, config)
    build_xl_os(b, config)
    build_xl_cpu(b, config)
    build_xenbus(b, config)
    if b.hvm:
        build_features(b, config)
    build_clock(b, config)
    build_lifecycle(b, config)
    build_xl_emulator(b, config)
    build_inputs(b, config)
    build_xl_graphics(b, config)
    build_xl_disks(b, config)
    build_vifs(b, config, None, NETFRONT_TYPE)
    build_pci(b, config)
    build_chardevs(b, config, parallel=False)
    build_sound(b, config)
    build_usbdev(b, config)
    build_usbctrl(b, config)
    build_channels(b, config)
    if not b.hvm:
        build_features(b, config)
    check_encodable(b, config)
    check_xl_strings(b, config)
    return config
