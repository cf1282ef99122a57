"""Rules for <disk>: sources, target names and duplicates."""
from __future__ import annotations

import re

from ..diagnostics import Diagnostics
from ..ir import Disk, DiskBus, DiskDevice, DiskType, Domain, DomainType
from ..rules.codes import SEM206, SEM210, SEM211
from .repeats import second_uses

# Target dev names each bus accepts in a fully virtualized guest.
_NAMES = {
    DiskBus.IDE: (re.compile(r"^hd[a-d]$"), "hda to hdd"),
    DiskBus.SCSI: (re.compile(r"^sd[a-z]{1,2}$"), "sda, sdb, …"),
    DiskBus.USB: (re.compile(r"^sd[a-z]{1,2}$"), "sda, sdb, …"),
    DiskBus.VIRTIO: (re.compile(r"^vd[a-z]{1,2}$"), "vda, vdb, …"),
    DiskBus.XEN: (re.compile(r"^xvd[a-z]{1,2}$"), "xvda, xvdb, …"),
    DiskBus.FDC: (re.compile(r"^fd[ab]$"), "fda or fdb"),
}
# A Xen paravirtualized guest sees every disk through blkfront, partitions included.
_XEN_PV_NAME = re.compile(r"^(hd|sd|xvd)[a-z]{1,2}[0-9]*$")


def check(dom: Domain, diags: Diagnostics) -> None:
    xen_pv = dom.type is DomainType.XEN and not dom.os.is_hvm
    for disk in dom.devices.disks:
        _check_source(disk, diags)
        _check_target(disk, xen_pv, diags)
    targets = ((d.target_dev, d.target_span) for d in dom.devices.disks)
    for dev, span, first in second_uses(targets):
        diags.add(SEM206, f"<target dev='{dev}'> is used by two disks", span,
                  hint=f"the first use is at line {first.line}; give each disk its own target dev")


def _check_source(disk: Disk, diags: Diagnostics) -> None:
    if disk.source is not None:
        return
    removable = disk.device in (DiskDevice.CDROM, DiskDevice.FLOPPY)
    if removable:
        return  # an empty drive: libvirt allows a CD-ROM or floppy with no medium
    attr = "file" if disk.type is DiskType.FILE else "dev"
    diags.add(SEM211,
              f"<disk type='{disk.type.value}'> needs <source {attr}='…'>",
              disk.source_span,
              hint=f"a {disk.type.value} disk names its image with <source {attr}='…'/>"
                   + (" (dev= is for block disks)" if attr == "file" else " (file= is for file disks)"))


def _check_target(disk: Disk, xen_pv: bool, diags: Diagnostics) -> None:
    dev = disk.target_dev
    if xen_pv:
        if not _XEN_PV_NAME.match(dev):
            diags.add(SEM210, f"<target dev='{dev}'> is not a disk name a Xen guest knows",
                      disk.target_span, hint="use xvda, hda or sda, with an optional partition number")
        return
    if disk.device is DiskDevice.FLOPPY and disk.target_bus is not DiskBus.FDC:
        diags.add(SEM210, f"a floppy drive cannot be <target dev='{dev}'>", disk.target_span,
                  hint="floppy drives are fda or fdb")
        return
    if disk.target_bus is DiskBus.FDC and disk.device is not DiskDevice.FLOPPY:
        diags.add(SEM210, f"<target dev='{dev}'> is a floppy drive but the disk is a "
                            f"{disk.device.value}", disk.target_span,
                  hint="add device='floppy' to the <disk>, or use hda–hdd")
        return
    if disk.device is DiskDevice.CDROM and disk.target_bus is DiskBus.VIRTIO:
        diags.add(SEM210, f"a CD-ROM cannot be the virtio disk '{dev}'", disk.target_span,
                  hint="put the CD-ROM on IDE (hdc) or SCSI (sda)")
        return
    pattern, names = _NAMES[disk.target_bus]
    if not pattern.match(dev):
        diags.add(SEM210, f"<target dev='{dev}'> does not fit the {disk.target_bus.value} bus",
                  disk.target_span, hint=f"{disk.target_bus.value} disks are named {names}")
