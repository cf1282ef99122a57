"""The xm dialect: OS keys, the disk list, floppies and USB input, and the key order.

Mirrors libvirt's xenFormatXM (src/libxl/xen_xm.c) on top of the shared builders in
common.py. Keys come out in the order of libvirt's tests/xmconfigdata/*.cfg, so configs
diff cleanly against what libvirt wrote.
"""
from __future__ import annotations

from typing import Optional

from ...compiler.ir import Disk, DiskDevice, nearest
from ...compiler.rules.codes import (XEN407, XEN408, XEN409, XEN410, XEN411, XEN412,
                                     XEN418, XEN419, XEN423, XEN433)
from . import tables
from .chardev import build_chardevs
from .dialects import CDROM_KEY, IOEMU_DISK_PREFIX, VIF_TYPE_IOEMU
from .common import (
    Builder, Config, build_clock, build_emulator, build_features, build_hvm_boot, build_inputs, build_lifecycle,
    build_meta, check_encodable,
)
from .graphics import build_graphics
from .net import build_vifs

TARGET = "xen-xm"
TEMPLATE = "xm.j2"
# xend (<= 3.0.4 config versions) wants emulated HVM nics marked as ioemu.
HVM_VIF_TYPE = "ioemu"
FLOPPY_KEYS = ("fda", "fdb")
# xend <= 3.0.2 takes the HVM CD-ROM at this target from the top-level cdrom key.
OLD_CDROM_TARGET = "hdc"
IOEMU_PREFIX = "ioemu:"


def build_os(b: Builder, config: Config) -> None:
    os = b.domain.os
    if b.hvm:
        config.set("builder", tables.BUILDERS[os.type])
        if os.loader is None:
            b.report(XEN419, "HVM guest has no <os><loader>; xm needs the firmware in its "
                     "kernel key", os.span, hint="add <loader>/usr/lib/xen/boot/hvmloader</loader>")
        config.set("kernel", os.loader)
        build_hvm_boot(b, config)
        return
    if os.loader is not None:
        b.report(XEN418, "<os><loader> is HVM firmware; ignored for this paravirtualized "
                 "guest", nearest(os.loader_span, os.span))
    if os.boot:
        b.report(XEN418, "<os><boot> orders emulated devices of HVM guests; ignored for "
                 "this paravirtualized guest", os.boot[0].span)
    if os.kernel is None and b.domain.bootloader is None:
        b.report(XEN423, "paravirtualized guest has neither <os><kernel> nor <bootloader>",
                 os.span, hint="add <kernel> or <bootloader>/usr/bin/pygrub</bootloader>")
    config.set("bootloader", b.domain.bootloader)
    config.set("bootargs", b.domain.bootloader_args)
    config.set("kernel", os.kernel)
    config.set("ramdisk", os.initrd)
    config.set("root", os.root)
    config.set("extra", os.cmdline)


def build_floppies(b: Builder, config: Config) -> None:
    for disk in b.domain.devices.disks:
        if disk.device is not DiskDevice.FLOPPY:
            continue
        if not b.hvm:
            b.report(XEN411, f"floppy {disk.target_dev!r}: paravirtualized guests have no "
                     "floppy controller", disk.span, hint="remove the floppy disk")
        elif disk.target_dev not in FLOPPY_KEYS:
            b.report(XEN411, f"floppy target dev {disk.target_dev!r}: xm has keys for fda "
                     "and fdb only", nearest(disk.target_span, disk.span),
                     hint="use target dev='fda' or 'fdb'")
        elif disk.source is None:
            b.report(XEN411, f"floppy {disk.target_dev!r} has no <source>; xm can't "
                     "describe an empty floppy drive", disk.span)
        else:
            if disk.readonly:
                b.report(XEN412, f"floppy {disk.target_dev!r}: <readonly/> can't be "
                         "expressed in the fda/fdb keys; ignored",
                         nearest(disk.readonly_span, disk.span))
            config.set(disk.target_dev, disk.source)


def _disk_prefix(b: Builder, disk: Disk) -> Optional[str]:
    name, fmt = disk.driver_name, disk.driver_type
    if name is None:
        if fmt is not None:
            b.report(XEN409, f"<driver type={fmt!r}> without a driver name can't be "
                     f"expressed; {tables.DISK_PREFIX[disk.type]}: is used",
                     nearest(disk.driver_span, disk.span),
                     hint=f"use <driver name='tap' type={fmt!r}/>")
        return tables.DISK_PREFIX[disk.type] + ":"
    if name not in tables.DISK_DRIVERS:
        b.report(XEN408, f"<driver name={name!r}> is not a Xen block backend",
                 nearest(disk.driver_span, disk.span),
                 hint="use name='file', 'phy', 'tap' or 'tap2'")
        return None
    if name in tables.TAP_DRIVERS:
        # blktap spells a raw image "aio", the asynchronous-I/O raw driver.
        sub = "aio" if fmt in (None, "raw", "aio") else fmt
        return f"{name}:{sub}:"
    if fmt not in (None, "raw"):
        b.report(XEN409, f"<driver name={name!r} type={fmt!r}>: only the tap drivers carry "
                 "an image format in xm; the type is ignored", nearest(disk.driver_span, disk.span),
                 hint=f"use <driver name='tap' type={fmt!r}/>")
    return name + ":"


def _is_old_cdrom(b: Builder, disk: Disk) -> bool:
    return (b.hvm and b.has(CDROM_KEY) and disk.device is DiskDevice.CDROM
            and disk.target_dev == OLD_CDROM_TARGET)


def build_old_cdrom(b: Builder, config: Config) -> None:
    """xend <= 3.0.2: the first hdc CD-ROM with media becomes `cdrom = "path"`."""
    for disk in b.domain.devices.disks:
        if not _is_old_cdrom(b, disk):
            continue
        if disk.source is None or "cdrom" in config:
            b.report(XEN433, f"CD-ROM {disk.target_dev!r}: xend {b.dialect.version} carries "
                     "one HVM CD-ROM, with media, in its cdrom key; this one is dropped",
                     disk.span, hint="use --xen-version 3.0.3 or later for empty or extra "
                     "CD-ROM drives")
            continue
        config.set("cdrom", disk.source)


def disk_entry(b: Builder, disk: Disk) -> Optional[str]:
    suffix = tables.DISK_DEVICE_SUFFIX[disk.device]
    if suffix is None or _is_old_cdrom(b, disk):
        return None
    prefixes = tables.DISK_BUS_PREFIXES[disk.target_bus]
    if not prefixes:
        b.report(XEN410, f"<target dev={disk.target_dev!r} bus='{disk.target_bus.value}'>: "
                 "xm has no bus field and Xen has no such bus; the bus is ignored",
                 nearest(disk.target_span, disk.span),
                 hint="name the target hdX (IDE), sdX (SCSI) or xvdX (Xen)")
    if not (b.no_separator("disk source", disk.source,
                           nearest(disk.source_span, disk.span), "disk")
            and b.no_separator("target dev", disk.target_dev,
                               nearest(disk.target_span, disk.span), "disk")):
        return None
    if disk.source is None:
        if disk.device is not DiskDevice.CDROM:
            b.report(XEN407, f"disk {disk.target_dev!r} has no <source>; only cdroms can "
                     "be empty", disk.span)
            return None
        source = ""
    else:
        prefix = _disk_prefix(b, disk)
        if prefix is None:
            return None
        source = prefix + disk.source
    mode = "r" if disk.readonly else "w"
    ioemu = IOEMU_PREFIX if b.hvm and b.has(IOEMU_DISK_PREFIX) else ""
    return f"{source},{ioemu}{disk.target_dev}{suffix},{mode}"


def build_disks(b: Builder, config: Config) -> None:
    entries = [disk_entry(b, disk) for disk in b.domain.devices.disks]
    kept = [e for e in entries if e is not None]
    if kept:
        config.set("disk", kept)


def build_config(b: Builder) -> Config:
    config = Config()
    build_meta(b, config)
    build_os(b, config)
    build_floppies(b, config)
    build_old_cdrom(b, config)
    if b.hvm:
        build_features(b, config)
    build_clock(b, config)
    build_lifecycle(b, config)
    build_emulator(b, config)
    build_inputs(b, config)
    build_graphics(b, config)
    build_disks(b, config)
    build_vifs(b, config, HVM_VIF_TYPE if b.has(VIF_TYPE_IOEMU) else None)
    build_chardevs(b, config)
    if not b.hvm:
        build_features(b, config)
    check_encodable(b, config)
    return config
