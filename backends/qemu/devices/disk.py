"""<disk> (compiler/devices/disk.py) → -drive (with -device for SCSI and USB), or the
-hda/-cdrom/-fda era switches.

backends/qemu/argv.py places the disks in QEMU's option order (build_all), since drive
indexes and the SCSI HBA are shared by all of them. A disk's <address>, <boot order> and
<acpi index> have no place on these options: each is QEMU320 on its own line, and an
<alias> QEMU321 (it only names the device for libvirt).
"""
from __future__ import annotations

import re
from typing import Dict, List, Optional, Set, Tuple

from ....compiler.devices.disk import Disk, DiskBus, DiskDevice, DiskType
from ....compiler.diagnostics import Span
from ....compiler.ir import Domain
from ....compiler.rules.codes import QEMU306, QEMU310, QEMU315, QEMU316, QEMU323
from ..context import QemuContext
from ..dialects import Cap
from ..opts import Option, Opts, Raw
from . import bootindex, not_compiled, placement, usb_address, virtio_driver_props
from ....compiler.node import Node

# -drive if= per bus. None: the bus needs a -device (USB) or has no QEMU form (Xen PV).
DRIVE_IF: Dict[DiskBus, Optional[str]] = {
    DiskBus.IDE: "ide",
    DiskBus.SCSI: "scsi",
    DiskBus.VIRTIO: "virtio",
    DiskBus.FDC: "floppy",
    DiskBus.USB: None,
    DiskBus.XEN: None,
    DiskBus.SATA: None,     # AHCI has no -drive if=; built with -device (libvirt's form)
}
# Slots per bus: IDE has 2 channels × 2 units, the PC floppy controller 2 drives, and the
# LSI SCSI HBA ids 0-6 (7 is the HBA itself).
BUS_SLOTS: Dict[DiskBus, Optional[int]] = {
    DiskBus.IDE: 4, DiskBus.FDC: 2, DiskBus.SCSI: 7,
    DiskBus.VIRTIO: None, DiskBus.USB: None, DiskBus.XEN: None, DiskBus.SATA: 6,
}
MEDIA: Dict[DiskDevice, Optional[str]] = {
    DiskDevice.DISK: None,          # QEMU's default, media=disk
    DiskDevice.CDROM: "cdrom",
    DiskDevice.FLOPPY: None,        # implied by if=floppy
}
SCSI_DEVICE: Dict[DiskDevice, str] = {
    DiskDevice.DISK: "scsi-hd",
    DiskDevice.CDROM: "scsi-cd",
    DiskDevice.FLOPPY: "scsi-hd",   # QEMU has no SCSI floppy; a disk is the closest
}
# Legacy switches by (bus, index).
LEGACY_SWITCH: Dict[Tuple[DiskBus, int], str] = {
    (DiskBus.IDE, 0): "-hda", (DiskBus.IDE, 1): "-hdb",
    (DiskBus.IDE, 2): "-hdc", (DiskBus.IDE, 3): "-hdd",
    (DiskBus.FDC, 0): "-fda", (DiskBus.FDC, 1): "-fdb",
}
# Where a bare source name lives: the page allows <source dev='hda5'> for block disks.
BARE_SOURCE_DIR: Dict[DiskType, Optional[str]] = {
    DiskType.FILE: None,          # a relative file path is QEMU's to resolve
    DiskType.BLOCK: "/dev/",
    DiskType.NETWORK: None,       # not built here (_xen_era_parts)
}
# Xen blktap driver types that mean "raw image through a Xen I/O path".
XEN_RAW_TYPES = {"aio", "sync"}
SCSI_HBA = "scsi0"


class DriveSlot(Node):
    bus: DiskBus
    index: int


def target_index(target_dev: str) -> Optional[int]:
    """hda → 0, sdb → 1, vdaa → 26: the letters after the prefix, in base 26."""
    match = re.fullmatch(r"(?:hd|sd|vd|xvd|fd|ub)([a-z]+)", target_dev)
    if not match:
        return None
    index = 0
    for char in match.group(1):
        index = index * 26 + (ord(char) - ord("a") + 1)
    return index - 1


def disk_source(disk: Disk) -> Optional[str]:
    prefix = BARE_SOURCE_DIR[disk.type]
    path = disk.path
    if path and prefix and not path.startswith("/"):
        return prefix + path
    return path


# libvirt's storage formats whose QEMU block driver has another name (libvirt's
# qemuBlockStorageSourceGetBlockdevFormatProps), and those QEMU can't open as an image,
# which libvirt refuses (QEMU323).
QEMU_FORMAT_NAMES = {"vhd": "vhdx", "ploop": "parallels"}
NOT_QEMU_FORMATS = frozenset({"cow", "iso", "dir"})


def disk_format(disk: Disk) -> str:
    if disk.driver_type and disk.driver_type not in XEN_RAW_TYPES:
        return QEMU_FORMAT_NAMES.get(disk.driver_type, disk.driver_type)
    return "raw"


def _slot(disk: Disk, ctx: QemuContext, taken: Set[DriveSlot]) -> Optional[DriveSlot]:
    index = target_index(disk.target_dev)
    limit = BUS_SLOTS[disk.target_bus]
    if index is None or (limit is not None and index >= limit):
        where = f"{limit} slots" if limit else "names like vda"
        ctx.diags.add(QEMU310, f"<target dev='{disk.target_dev}'> has no drive slot on the"
                      f" {disk.target_bus.value} bus ({where})", _target(disk),
                      "use hda-hdd for IDE, fda/fdb for floppies, sda-sdg for SCSI")
        return None
    slot = DriveSlot(disk.target_bus, index)
    if slot in taken:
        ctx.diags.add(QEMU310, f"<target dev='{disk.target_dev}'> is the same drive slot"
                      " as an earlier disk", _target(disk), "give each disk its own target dev")
        return None
    taken.add(slot)
    return slot


def _check_driver(disk: Disk, ctx: QemuContext) -> None:
    xen_driver = disk.driver_name not in (None, "qemu")
    if xen_driver or (disk.driver_type in XEN_RAW_TYPES):
        spelled = ":".join(x for x in (disk.driver_name, disk.driver_type) if x)
        ctx.diags.add(QEMU306, f"<driver> '{spelled}' on disk {disk.target_dev} is a Xen"
                      " I/O back end with no QEMU equivalent and is ignored; the image is"
                      f" opened as format={disk_format(disk)}",
                      (disk.driver or disk).span,
                      "use <driver name='qemu' type='raw'/> (or the image's real format)")


def _target(disk: Disk) -> Span:
    return disk.target.span


def _source(disk: Disk) -> Span:
    return (disk.source or disk).span


def _value_spans(disk: Disk) -> Tuple[Tuple[str, Span], ...]:
    # The image path comes from <source>, the format from <driver type>; a value QEMU
    # can't carry is reported on that element, not on the <disk>.
    return (("file", _source(disk)), ("format", (disk.driver or disk).span))


def build_all(disks, domain: Domain, ctx: QemuContext) -> List[Option]:
    """Every disk, in document order: drive slots and the SCSI HBA are shared."""
    if libvirt_disks(domain, ctx):
        return build_libvirt(disks, domain, ctx)
    out: List[Option] = []
    taken: Set[DriveSlot] = set()
    hba_added = False
    has_hba = _has_scsi_controller(domain)
    for disk in disks:
        not_compiled(disk, ctx, honoured=_honoured(disk))
        if _not_built(disk, ctx):
            continue
        _check_driver(disk, ctx)
        slot = _slot(disk, ctx, taken)
        if slot is None:
            continue
        if not ctx.has(Cap.DRIVE):
            out.extend(build_legacy_disk(disk, slot, ctx))
            continue
        if _on_pci(disk) and ctx.has(Cap.DEVICE):
            out.extend(build_virtio_pci(disk, domain, ctx))
            continue
        if disk.target_bus is DiskBus.SCSI and ctx.has(Cap.SCSI_DEVICE) and not hba_added \
                and not has_hba:
            # Since pc no longer creates an HBA for if=scsi, libvirt adds one the same way.
            out.append(Option("-device", Opts.of("lsi", ("id", SCSI_HBA)), disk.span))
            hba_added = True
        out.extend(build_drive(disk, slot, ctx))
    return out


def _not_built(disk: Disk, ctx: QemuContext) -> bool:
    """Report the disk parts this builder doesn't carry (QEMU320): a network source (the
    whole disk is left out) and <shareable/>. True when the disk is left out."""
    from ....compiler.rules.codes import QEMU320

    if disk.shareable is not None:
        ctx.diags.add(QEMU320, f"<shareable/> on disk {disk.target_dev} is valid libvirt XML"
                      " that virtc does not compile for QEMU yet", disk.shareable.span,
                      hint="the image would be locked against other guests; remove "
                           "<shareable/> if you can do without it, or use libvirt")
    if disk.type is DiskType.NETWORK:
        ctx.diags.add(QEMU320, f"<disk type='network'> ({disk.target_dev}) is valid libvirt "
                      "XML that virtc does not compile for QEMU yet; the guest would lack it",
                      disk.span, hint="remove the disk, or start this guest with libvirt")
        return True
    return False


def _has_scsi_controller(domain: Domain) -> bool:
    """A <controller type='scsi' index='0'> is the HBA (backends/qemu/devices/controller.py
    builds it); else the disks add libvirt's default one."""
    from ....compiler.devices.controller import Controller, ControllerType

    return any(c.type is ControllerType.SCSI and c.index == 0
               for c in domain.devices.of(Controller))


def _on_pci(disk: Disk) -> bool:
    address = disk.info.address
    return (disk.target_bus is DiskBus.VIRTIO and address is not None
            and address.type == "pci")


def _drive_matches(disk: Disk) -> bool:
    """A drive address is what the target name means (post-parse derives it so, as
    libvirt does): controller 0, and the bus/unit of the name's index."""
    from ....compiler.postparse.qemu import drive_address

    address = disk.info.address
    if address is None or address.type != "drive":
        return False
    want = drive_address(disk.target_bus.value, disk.target_dev)
    got = tuple(int(address.get(k) or 0) for k in ("controller", "bus", "unit"))
    return want is not None and want == got and got[0] == 0 \
        and int(address.get("target") or 0) == 0


def _honoured(disk: Disk) -> Tuple[str, ...]:
    """The DeviceInfo parts this builder carries into the argv."""
    if _on_pci(disk):
        return ("address", "boot")
    if disk.target_bus is DiskBus.USB and _usb_port(disk):
        return ("address",)
    return ("address",) if _drive_matches(disk) else ()


def _usb_port(disk: Disk) -> tuple:
    """bus=usb.0,port=N for a USB disk's <address type='usb' bus port>; () without a port."""
    address = disk.info.address
    return usb_address(disk.info) if address is not None and address.get("port") else ()


def build_virtio_pci(disk: Disk, domain: Domain, ctx: QemuContext) -> List[Option]:
    """A virtio disk at its PCI address: -drive if=none plus -device virtio-blk-pci on
    the bus and slot post-parse (or the document) gave it, ids as libvirt names them."""
    where = placement(disk.info, domain, ctx, f"<disk> {disk.target_dev}")
    if where is None:
        return []
    fmt = disk_format(disk) if disk.path is not None else None
    index = target_index(disk.target_dev) or 0
    drive_id, dev_id = f"drive-virtio-disk{index}", f"virtio-disk{index}"
    from .. import blockdev

    _seed_device_settings(disk, ctx)
    drive = Opts.of(None, ("file", disk_source(disk)), ("format", fmt), ("if", "none"),
                    ("id", drive_id), ("readonly", _readonly(disk, ctx)),
                    *blockdev.drive_props(disk, ctx), *_error_policy(disk))
    device = Opts.of("virtio-blk-pci", *where, ("drive", drive_id), ("id", dev_id),
                     *bootindex(disk.info))
    return [Option("-drive", drive, disk.span, _value_spans(disk)),
            Option("-device", device, disk.span)]


def _readonly(disk: Disk, ctx: QemuContext) -> Optional[bool]:
    if not disk.readonly:
        return None
    if disk.device is DiskDevice.CDROM:
        return True if ctx.has(Cap.DRIVE_READONLY) else None   # a CD is read-only anyway
    if disk.device is DiskDevice.DISK and disk.target_bus is DiskBus.IDE:
        # QEMU's ide-hd cannot be read-only ("Block node is read-only"); libvirt refuses
        # the same combination.
        ctx.diags.add(QEMU315, f"an IDE hard disk ({disk.target_dev}) cannot be read-only "
                                 f"in QEMU", disk.readonly.span,
                      hint="put the disk on virtio (vd*) or SCSI (sd*), or drop <readonly/>")
        return None
    if ctx.has(Cap.DRIVE_READONLY):
        return True
    ctx.unsupported(disk.readonly.span,
                    f"<readonly/> on disk {disk.target_dev}",
                    "the guest can write to this image; make the file read-only on the host,"
                    " or use QEMU 1.1 or later", rule=QEMU316)
    return None


def build_drive(disk: Disk, slot: DriveSlot, ctx: QemuContext) -> List[Option]:
    bus = disk.target_bus
    if disk.driver_type in NOT_QEMU_FORMATS:
        ctx.diags.add(QEMU323, f"<driver type='{disk.driver_type}'> on disk {disk.target_dev}"
                      " is not an image format QEMU can open", (disk.driver or disk).span,
                      "convert the image (qemu-img convert -O qcow2) and say type='qcow2',"
                      " or use type='raw'")
        return []
    # An empty CD-ROM or floppy drive has no image, so no format: QEMU refuses format=
    # without file= ("A block device must be specified").
    fmt = disk_format(disk) if disk.path is not None else None
    from .. import blockdev

    common = (("file", disk_source(disk)), ("format", fmt))
    readonly = ("readonly", _readonly(disk, ctx))
    # The block settings ride on -drive (libvirt's -drive form); the device's own ones
    # (serial, wwn, …) need -device, which this seed-era form has not: QEMU320.
    common += blockdev.drive_props(disk, ctx) + _error_policy(disk)
    _seed_device_settings(disk, ctx)
    if bus is DiskBus.SATA:
        ctx.unsupported(_target(disk), f"a SATA disk (<target dev='{disk.target_dev}'"
                        " bus='sata'>) in a document without <controller> elements",
                        "add <controller type='sata' index='0'/> (libvirt writes it), so that"
                        " virtc builds libvirt's AHCI disks")
        return []
    if bus is DiskBus.XEN:
        ctx.unsupported(_target(disk), f"the Xen PV disk bus (<target dev='{disk.target_dev}'>)",
                        "use hd* (IDE), sd* (SCSI) or vd* (virtio) for QEMU guests")
        return []
    if bus is DiskBus.SCSI and ctx.has(Cap.SCSI_DEVICE):
        drive_id = f"drive-scsi0-0-{slot.index}"
        device = Opts.of(SCSI_DEVICE[disk.device], ("bus", f"{SCSI_HBA}.0"),
                         ("scsi-id", slot.index), ("drive", drive_id))
        return [Option("-drive", Opts.of(None, *common, ("if", "none"), ("id", drive_id),
                                         readonly), disk.span, _value_spans(disk)),
                Option("-device", device, disk.span)]
    if bus is DiskBus.USB:
        if not ctx.has(Cap.DEVICE):
            return build_legacy_disk(disk, slot, ctx)
        drive_id = f"drive-usb{slot.index}"
        return [Option("-drive", Opts.of(None, *common, ("if", "none"), ("id", drive_id),
                                         readonly), disk.span, _value_spans(disk)),
                Option("-device", Opts.of("usb-storage", ("drive", drive_id), *_usb_port(disk)),
                       disk.span)]
    return [Option("-drive", Opts.of(None, *common, ("if", DRIVE_IF[bus]),
                                     ("index", slot.index), ("media", MEDIA[disk.device]),
                                     readonly), disk.span, _value_spans(disk))]


def _seed_device_settings(disk: Disk, ctx: QemuContext, block: bool = False) -> None:
    """QEMU320 for what the seed-era forms (-drive if=…, -hda) can't carry: the device's
    settings, and with `block` (QEMU 0.9's switches) the block settings too."""
    from ....compiler.rules.codes import QEMU320

    parts = [(tag, getattr(disk, tag)) for tag in ("serial", "wwn", "vendor", "product",
                                                    "blockio", "geometry")]
    driver = disk.driver
    if driver is not None:
        parts += [(f"{key}=", driver) for key in VIRTIO_DRIVER_ATTRS
                  if getattr(driver, key) is not None]
        if block:
            parts += [(f"{key}=", driver) for key in (
                "cache", "io", "discard", "detect_zeroes", "error_policy", "rerror_policy",
                "copy_on_read") if getattr(driver, key) is not None]
    if block:
        parts.append(("iotune", disk.iotune))
    for tag, node in parts:
        if node is None:
            continue
        what = f"attribute {tag} of <driver>" if tag.endswith("=") else f"<{tag}>"
        ctx.diags.add(QEMU320, f"{what} on disk {disk.target_dev} is valid libvirt XML that"
                      " virtc compiles only for documents written for today's libvirt (with"
                      " <controller> elements)", node.span,
                      hint="add the <controller> elements libvirt writes (virsh dumpxml), or"
                           " remove it")


def build_legacy_disk(disk: Disk, slot: DriveSlot, ctx: QemuContext) -> List[Option]:
    """QEMU 0.9: one switch per drive position; the path is taken verbatim."""
    _seed_device_settings(disk, ctx, block=True)
    source = disk_source(disk)
    if disk.readonly and disk.device is not DiskDevice.CDROM:
        _readonly(disk, ctx)
    if disk.target_bus is DiskBus.USB:
        return [Option("-usbdevice", Raw(f"disk:{source}"), _source(disk))] if source else []
    switch = LEGACY_SWITCH.get((slot.bus, slot.index))
    if disk.device is DiskDevice.CDROM:
        # -cdrom is the only CD switch, and it always sits at hdc.
        switch = "-cdrom" if (slot.bus, slot.index) == (DiskBus.IDE, 2) else None
    if switch is None:
        ctx.unsupported(_target(disk),
                        f"a {disk.device.value} at <target dev='{disk.target_dev}'>",
                        "QEMU 0.9 has -hda..-hdd, -cdrom (hdc) and -fda/-fdb only")
        return []
    if source is None:
        return []   # an empty drive: QEMU 0.9 creates the default CD/floppy drives anyway
    return [Option(switch, Raw(source), _source(disk))]


# ------------------------------------------------------------------ libvirt's disks
# A document written for today's libvirt (compiler/postparse/qemu.py: libvirt_shaped) gets
# libvirt's disks: the image as -blockdev nodes (Cap.BLOCKDEV; backends/qemu/blockdev.py)
# or -drive …,if=none, and the guest's device with -device on the controller and unit its
# drive address names, ids as libvirt's aliases (qemu_alias.c).

# The -device driver per (bus, device): libvirt's qemuBuildDiskDeviceProps.
FRONTEND: Dict[DiskBus, Dict[DiskDevice, Optional[str]]] = {
    DiskBus.VIRTIO: {DiskDevice.DISK: "virtio-blk-pci", DiskDevice.CDROM: None,
                     DiskDevice.FLOPPY: None},
    DiskBus.SCSI: {DiskDevice.DISK: "scsi-hd", DiskDevice.CDROM: "scsi-cd",
                   DiskDevice.FLOPPY: None},
    DiskBus.IDE: {DiskDevice.DISK: "ide-hd", DiskDevice.CDROM: "ide-cd",
                  DiskDevice.FLOPPY: None},
    DiskBus.SATA: {DiskDevice.DISK: "ide-hd", DiskDevice.CDROM: "ide-cd",
                   DiskDevice.FLOPPY: None},
    DiskBus.USB: {DiskDevice.DISK: "usb-storage", DiskDevice.CDROM: "usb-storage",
                  DiskDevice.FLOPPY: None},
    DiskBus.FDC: {DiskDevice.DISK: None, DiskDevice.CDROM: None,
                  DiskDevice.FLOPPY: "floppy"},
    DiskBus.XEN: {DiskDevice.DISK: None, DiskDevice.CDROM: None, DiskDevice.FLOPPY: None},
}
# error_policy/rerror_policy → werror/rerror (libvirt writes enospace as QEMU's enospc).
ERROR_POLICY = {"stop": "stop", "report": "report", "ignore": "ignore", "enospace": "enospc"}
# virtio-blk's own <driver> settings, and the device properties they become, which libvirt
# writes right after the driver (qemuBuildVirtioDevProps, then iothread … queue-size).
VIRTIO_DRIVER_ATTRS = ("iothread", "queues", "queue_size", "ioeventfd", "event_idx", "iommu",
                       "ats", "packed", "page_per_vq")
VIRTIO_PROPS = ("iommu_platform", "ats", "packed", "page-per-vq", "iothread", "ioeventfd",
                "event_idx", "num-queues", "queue-size")
# Which buses' devices carry which settings (QEMU 7.2's device properties).
_WWN_BUSES = (DiskBus.IDE, DiskBus.SATA, DiskBus.SCSI)
_GEOMETRY_BUSES = (DiskBus.IDE, DiskBus.SATA, DiskBus.SCSI, DiskBus.VIRTIO)


def libvirt_disks(domain: Domain, ctx: QemuContext) -> bool:
    """True when the disks are built as libvirt builds them (see above)."""
    from ....compiler.postparse.qemu import libvirt_shaped, machine_kind

    return ctx.has(Cap.DEVICE) and machine_kind(domain) is not None \
        and libvirt_shaped(domain)


def build_libvirt(disks, domain: Domain, ctx: QemuContext) -> List[Option]:
    from .. import blockdev

    out: List[Option] = []
    throttled: Set[str] = set()
    floppy_controller = False
    for disk in disks:
        not_compiled(disk, ctx, honoured=("address", "boot"))
        _check_driver(disk, ctx)
        frontend = _model(disk, FRONTEND[disk.target_bus][disk.device], ctx)
        if frontend is None:
            ctx.unsupported(_target(disk), f"a {disk.device.value} on the"
                            f" {disk.target_bus.value} bus (<target dev='{disk.target_dev}'>)",
                            "put CD-ROMs on IDE, SATA or SCSI, floppies on fdc")
            continue
        if disk.driver_type in NOT_QEMU_FORMATS:
            build_drive(disk, DriveSlot(disk.target_bus, 0), ctx)     # QEMU323
            continue
        where = _frontend_place(disk, domain, ctx)
        if where is None:
            continue
        dev_id = _alias(disk, domain)
        drive, options = _backend(disk, disks, dev_id, ctx, throttled)
        if drive is False:
            continue
        out.extend(options)
        if frontend == "floppy" and not floppy_controller and _q35(domain):
            out.append(Option("-device", Opts.of("isa-fdc"), disk.span))   # q35 has none
        floppy_controller = floppy_controller or frontend == "floppy"
        if frontend == "floppy" and not ctx.has(Cap.FLOPPY_DEVICE):
            # Before the floppy device: the ISA floppy controller takes its drives itself.
            if drive:
                unit = int(disk.info.address.get("unit") or 0)
                out.append(Option("-global", Opts.of(None, ("isa-fdc.drive" + "AB"[unit],
                                                             drive)), disk.span))
            continue
        early, late = _device_props(disk, dev_id, ctx)
        virtio = [p for p in late if p[0] in VIRTIO_PROPS]
        late = tuple(p for p in late if p[0] not in VIRTIO_PROPS)
        props = (*virtio, *where, *early, ("drive", drive or None), ("id", dev_id),
                 *bootindex(disk.info), *late)
        out.append(Option("-device", Opts.of(frontend, *props), disk.span,
                          _device_spans(disk)))
    return out


def _model(disk: Disk, frontend: Optional[str], ctx: QemuContext) -> Optional[str]:
    """<disk model='virtio-transitional|virtio-non-transitional'>: virtio-blk-pci's
    variants (libvirt's qemuBuildVirtioDevGetConfig); model='virtio' is virtio-blk-pci."""
    model = disk.model
    if model is None or frontend is None:
        return frontend
    if disk.target_bus is not DiskBus.VIRTIO:
        _carried(disk, "model", False, ctx)
        return frontend
    if model == "virtio":
        return frontend
    if not ctx.has(Cap.VIRTIO_TRANSITIONAL):
        ctx.unsupported(disk.span, f"<disk model='{model}'>",
                        "use model='virtio', or QEMU 4.0 or later")
        return frontend
    return f"{frontend}-{model.split('-', 1)[1]}"


def _q35(domain: Domain) -> bool:
    from ....compiler.postparse.qemu import machine_kind

    return machine_kind(domain) == "q35"


def _backend(disk: Disk, disks, dev_id: str, ctx: QemuContext, throttled):
    """(the drive= value, the options that build it): ('', []) for an empty drive,
    (False, []) when it can't be built."""
    from .. import blockdev

    path = disk_source(disk)
    if path is None and disk.type is not DiskType.NETWORK:
        return "", []                       # an empty CD-ROM or floppy: the tray is empty
    fmt = disk_format(disk)
    readonly = bool(disk.readonly) or disk.device is DiskDevice.CDROM
    if disk.readonly and disk.device is DiskDevice.DISK and disk.target_bus in (
            DiskBus.IDE, DiskBus.SATA):
        _readonly(disk, ctx)                # QEMU315: ide-hd can't be read-only
        return False, []
    if ctx.has(Cap.BLOCKDEV):
        index = blockdev.node_index(disk, disks)
        options, top = blockdev.blockdevs(disk, index, fmt, path or "", readonly, ctx,
                                          throttled)
        return (top, options) if top is not None else (False, [])
    if disk.type is DiskType.NETWORK:
        return blockdev.network_needs_blockdev(disk, ctx), []
    drive_id = f"drive-{dev_id}"
    drive = Opts.of(None, ("file", path), ("format", fmt), ("if", "none"), ("id", drive_id),
                    ("readonly", True if readonly and ctx.has(Cap.DRIVE_READONLY) else None),
                    *blockdev.drive_props(disk, ctx), *_error_policy(disk))
    return drive_id, [Option("-drive", drive, disk.span, _value_spans(disk))]


def _alias(disk: Disk, domain: Domain) -> str:
    """libvirt's alias: virtio-disk<N>, usb-disk<N> (N from the target name), else
    <bus><controller>-<bus>-<unit>; SCSI adds the target, except on an lsi HBA, whose one
    bus has no targets (qemuAssignDeviceDiskAlias; libvirt's disk-scsi test: scsi0-0-0)."""
    if disk.info.alias:
        return disk.info.alias
    bus = disk.target_bus
    if bus in (DiskBus.VIRTIO, DiskBus.USB):
        return f"{'virtio' if bus is DiskBus.VIRTIO else 'usb'}-disk{target_index(disk.target_dev) or 0}"
    a = _drive(disk)
    if bus is DiskBus.SCSI:
        if _lsi(domain, a[0]):
            return f"scsi{a[0]}-{a[1]}-{a[3]}"
        return f"scsi{a[0]}-{a[1]}-{a[2]}-{a[3]}"
    prefix = {DiskBus.FDC: "fdc"}.get(bus, bus.value)
    return f"{prefix}{a[0]}-{a[1]}-{a[3]}"


def _lsi(domain: Domain, index: int) -> bool:
    from ....compiler.devices.controller import ControllerModel

    hba = _controller(domain, "scsi", index)
    return hba is not None and hba.model is ControllerModel.LSILOGIC


def _drive(disk: Disk) -> Tuple[int, int, int, int]:
    """(controller, bus, target, unit) of the drive address post-parse gave the disk."""
    address = disk.info.address
    if address is None or address.type != "drive":
        return (0, 0, 0, 0)
    return tuple(int(address.get(k) or 0) for k in ("controller", "bus", "target", "unit"))


def _controller(domain: Domain, ctype: str, index: int):
    from ....compiler.devices.controller import Controller

    return next((c for c in domain.devices.of(Controller)
                 if c.type.value == ctype and c.index == index), None)


def _frontend_place(disk: Disk, domain: Domain, ctx: QemuContext):
    """bus=/addr=/unit=… of the device: its PCI slot (virtio), USB port, or its
    controller's bus and unit (libvirt's qemuBuildDeviceAddressDriveProps)."""
    bus = disk.target_bus
    if bus is DiskBus.VIRTIO:
        return placement(disk.info, domain, ctx, f"<disk> {disk.target_dev}")
    if bus is DiskBus.USB:
        return _usb_port(disk)
    c, b, t, u = _drive(disk)
    if bus is DiskBus.FDC:
        return (("unit", u),)
    if bus is DiskBus.SCSI:
        hba = _controller(domain, "scsi", c)
        name = f"{hba.info.alias or f'scsi{c}'}" if hba is not None else f"scsi{c}"
        if _lsi(domain, c):
            return (("bus", f"{name}.{b}"), ("scsi-id", u))
        return (("bus", f"{name}.0"), ("channel", b), ("scsi-id", t), ("lun", u))
    ctl = _controller(domain, bus.value, c)
    from .controller import alias, builtin

    name = alias(ctl) if ctl is not None and not builtin(ctl, domain) else (
        "ide" if c == 0 else f"{bus.value}{c}")
    if bus is DiskBus.SATA:
        return (("bus", f"{name}.{u}"),)          # an AHCI port per unit
    return (("bus", f"{name}.{b}"), ("unit", u))


def _error_policy(disk: Disk) -> Tuple[Tuple[str, object], ...]:
    driver = disk.driver
    if driver is None:
        return ()
    write = ERROR_POLICY.get(driver.error_policy) if driver.error_policy else None
    read = ERROR_POLICY.get(driver.rerror_policy) if driver.rerror_policy else None
    if read is None and write not in (None, "enospc"):
        read = write                        # libvirt: rerror follows a werror that fits
    return (("werror", write), ("rerror", read))


def _device_props(disk: Disk, dev_id: str, ctx: QemuContext):
    """The device-side settings in libvirt's order, each checked against the bus: those
    before drive= (device_id, share-rw), and those after bootindex=."""
    from .. import blockdev

    bus = disk.target_bus
    driver = disk.driver
    early: List[Tuple[str, object]] = []
    if bus is DiskBus.SCSI and ctx.has(Cap.BLOCKDEV):
        # the SCSI device identification the guest saw under -drive: the serial when
        # there is one, else the drive's old id (libvirt's disk-scsi test data)
        early.append(("device_id", disk.serial.value if disk.serial is not None
                      and disk.serial.value else f"drive-{dev_id}"))
    if disk.shareable is not None:
        early.append(("share-rw", True))
    out: List[Tuple[str, object]] = []
    flags = blockdev.cache_flags(disk)
    if flags is not None:
        out.append(("write-cache", "on" if flags[0] else "off"))
    if ctx.has(Cap.BLOCKDEV):
        out.extend(_error_policy(disk))
    virtio_only = virtio_driver_props(driver) + (
        ("iothread", f"iothread{driver.iothread}" if driver and driver.iothread
         is not None else None),
        ("ioeventfd", driver.ioeventfd if driver else None),
        ("event_idx", driver.event_idx if driver else None),
        ("num-queues", driver.queues if driver else None),
        ("queue-size", driver.queue_size if driver else None))
    for key, value in virtio_only:
        if value is not None and not _carried(disk, key, bus is DiskBus.VIRTIO, ctx):
            continue
        out.append((key, value))
    out.append(("serial", disk.serial.value if disk.serial is not None else None))
    if disk.wwn is not None and _carried(disk, "wwn", bus in _WWN_BUSES, ctx):
        out.append(("wwn", _wwn(disk.wwn.value)))
    for tag in ("vendor", "product"):
        sub = getattr(disk, tag)
        if sub is not None and _carried(disk, tag, bus is DiskBus.SCSI, ctx):
            out.append((tag, sub.value))
    target = disk.target
    if target.rotation_rate is not None and _carried(
            disk, "rotation_rate", bus in (DiskBus.IDE, DiskBus.SATA, DiskBus.SCSI), ctx):
        out.append(("rotation_rate", target.rotation_rate))
    if target.removable is not None and _carried(
            disk, "removable", bus in (DiskBus.USB, DiskBus.SCSI), ctx):
        out.append(("removable", target.removable))
    if disk.blockio is not None:
        out += [("logical_block_size", disk.blockio.logical),
                ("physical_block_size", disk.blockio.physical)]
    geo = disk.geometry
    if geo is not None and _carried(disk, "geometry", bus in _GEOMETRY_BUSES, ctx):
        out += [("cyls", geo.cyls), ("heads", geo.heads), ("secs", geo.secs)]
        if geo.trans and bus in (DiskBus.IDE, DiskBus.SATA):
            out.append(("bios-chs-trans", geo.trans))
    return tuple(early), tuple(out)


def _carried(disk: Disk, what: str, ok: bool, ctx: QemuContext) -> bool:
    from ....compiler.devices.disk import QEMU420

    if not ok:
        sub = getattr(disk, what, None)
        span = (sub.span if isinstance(sub, Node) else None) or (
            disk.target.span if what in ("rotation_rate", "removable") else
            disk.span if what == "model" else (disk.driver or disk).span)
        label = {"num-queues": "<driver queues=…>", "queue-size": "<driver queue_size=…>",
                 "iommu_platform": "<driver iommu=…>", "page-per-vq": "<driver page_per_vq=…>",
                 "rotation_rate": "<target rotation_rate=…>", "removable": "<target removable=…>",
                 "model": f"<disk model='{disk.model}'>",
                 }.get(what, f"<driver {what}=…>" if what in VIRTIO_PROPS else f"<{what}>")
        ctx.diags.add(QEMU420, f"{label} on disk {disk.target_dev}: QEMU's device for the"
                      f" {disk.target_bus.value} bus has no such setting", span,
                      hint="remove it, or put the disk on a bus whose device has it")
    return ok


def _device_spans(disk: Disk) -> Tuple[Tuple[str, Span], ...]:
    return tuple((key, sub.span) for key, sub in (
        ("serial", disk.serial), ("wwn", disk.wwn), ("vendor", disk.vendor),
        ("product", disk.product)) if sub is not None)


def _wwn(value: Optional[str]) -> Optional[str]:
    """libvirt writes 16 hex digits; QEMU's wwn is a number, so libvirt prefixes 0x."""
    if value is None or value.lower().startswith("0x"):
        return value
    return f"0x{value}"
