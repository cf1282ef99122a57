"""The xm dialect: OS keys, USB input and the key order; the disk list, floppies and the old
cdrom key come from devices/disk.py.

Mirrors libvirt's xenFormatXM (src/libxl/xen_xm.c) on top of the shared builders in
common.py. Keys come out in the order of libvirt's tests/xmconfigdata/*.cfg, so configs
diff cleanly against what libvirt wrote.
"""
from __future__ import annotations

from .devices.chardev import build_chardevs
from .devices.input import build_inputs
from .devices.disk import build_xm_disks, build_xm_floppies, build_xm_old_cdrom
from .dialects import VIF_TYPE_IOEMU
from .platform.cpu import check_xm_cpu
from .common import (
    Builder, Config, build_clock, build_emulator, build_features, build_lifecycle, build_meta,
    check_encodable,
)
from .devices.graphics import build_xm_graphics
from .devices.interface import build_vifs
from .devices.hostdev import build_pci, build_usbdev
from .devices.sound import build_sound
from .devices.channel import build_channels
from .devices.controller import build_usbctrl, build_xenbus
from .guest_os import build_xm_os

TARGET = "xen-xm"
TEMPLATE = "xm.j2"
# xend (<= 3.0.4 config versions) wants emulated HVM nics marked as ioemu.
HVM_VIF_TYPE = "ioemu"


def build_config(b: Builder) -> Config:
    config = Config()
    build_meta(b, config)
    build_xm_os(b, config)
    check_xm_cpu(b)
    build_xm_floppies(b, config)
    build_xm_old_cdrom(b, config)
    if b.hvm:
        build_features(b, config)
    build_clock(b, config)
    build_lifecycle(b, config)
    build_emulator(b, config)
    build_inputs(b, config)
    build_xm_graphics(b, config)
    build_xm_disks(b, config)
    build_vifs(b, config, HVM_VIF_TYPE if b.has(VIF_TYPE_IOEMU) else None)
    build_pci(b, config)
    build_chardevs(b, config)
    build_sound(b, config)
    build_usbdev(b, config)         # xm has none: reported
    build_channels(b, config)       # xm has none: reported
    build_xenbus(b, config)         # xl's limits: reported; other controllers checked
    build_usbctrl(b, config)        # xl's usbctrl: reported
    if not b.hvm:
        build_features(b, config)
    check_encodable(b, config)
    return config
