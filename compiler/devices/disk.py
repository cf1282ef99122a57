"""<disk>: a disk, CD-ROM or floppy drive, what backs it and where the guest sees it.

    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/var/lib/libvirt/images/guest.qcow2'/>
      <target dev='vda' bus='virtio'/>
      <readonly/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0'/>
    </disk>

Schema: schemas/domain/disk.xsd. Builders: backends/qemu/devices/disk.py (-drive, placed by
backends/qemu/argv.py in QEMU's order), backends/xen/devices/disk.py (the xm/xl disk
entries, and reading them back).

Its rules (SEM206, SEM210 and SEM211) are documented with the seed rules (compiler/rules/).
"""
from __future__ import annotations

import enum
import re
from typing import ClassVar, Optional

from ..diagnostics import Diagnostics, Span
from ..ir import NOWHERE, Domain, DomainType
from ..rules.codes import SEM206, SEM210, SEM211
from .info import EMPTY, DeviceInfo
from .xmlmap import Attr, Child, Children, Info, lower as lower_node
from ..node import Node, replace


class DiskType(str, enum.Enum):
    FILE = "file"
    BLOCK = "block"
    NETWORK = "network"


class DiskDevice(str, enum.Enum):
    DISK = "disk"
    CDROM = "cdrom"
    FLOPPY = "floppy"


class DiskBus(str, enum.Enum):
    IDE = "ide"
    SCSI = "scsi"
    VIRTIO = "virtio"
    XEN = "xen"
    FDC = "fdc"
    USB = "usb"


class DiskDriver(Node):
    """<driver name type>: the host I/O path and the image format."""

    TAG: ClassVar[str] = "driver"
    XML: ClassVar[tuple] = (Attr("name", "name"), Attr("type", "type"))
    name: Optional[str] = None      # "file", "phy", "tap", "qemu", …
    type: Optional[str] = None      # "raw", "qcow2", "aio", …
    span: Span = NOWHERE


class DiskHost(Node):
    """<host name port>: one server of a network disk (a Ceph monitor for rbd)."""

    TAG: ClassVar[str] = "host"
    XML: ClassVar[tuple] = (Attr("name", "name"), Attr("port", "port", int))
    name: Optional[str] = None
    port: Optional[int] = None
    span: Span = NOWHERE


class DiskSecret(Node):
    """<secret type uuid|usage>: the libvirt secret object that holds the password/key."""

    TAG: ClassVar[str] = "secret"
    XML: ClassVar[tuple] = (Attr("type", "type"), Attr("uuid", "uuid"),
                            Attr("usage", "usage"))
    type: Optional[str] = None
    uuid: Optional[str] = None
    usage: Optional[str] = None
    span: Span = NOWHERE


class DiskAuth(Node):
    """<auth username>: who a network disk logs in as (a cephx user for rbd)."""

    TAG: ClassVar[str] = "auth"
    XML: ClassVar[tuple] = (Attr("username", "username"), Child("secret", DiskSecret))
    username: Optional[str] = None
    secret: Optional[DiskSecret] = None
    span: Span = NOWHERE


class DiskSource(Node):
    """<source file> of a file disk, <source dev> of a block disk, <source protocol name>
    with its <host> servers of a network disk.

    Lowering reads only the attributes of the disk's type: the others, if written, stay
    unread and are reported (SEM221)."""

    TAG: ClassVar[str] = "source"
    XML: ClassVar[tuple] = (Attr("file", "file"), Attr("dev", "dev"),
                            Attr("protocol", "protocol"), Attr("name", "name"),
                            Children("hosts", DiskHost), Child("auth", DiskAuth))
    file: Optional[str] = None
    dev: Optional[str] = None
    protocol: Optional[str] = None     # network disks: "rbd", "nbd", "iscsi", …
    name: Optional[str] = None         # network disks: "pool/image" for rbd
    hosts: tuple = ()
    auth: Optional[DiskAuth] = None    # network disks: <auth> inside <source>
    span: Span = NOWHERE

    @property
    def path(self) -> Optional[str]:
        """The file or device; for a network disk, the volume name."""
        if self.file is not None:
            return self.file
        return self.dev if self.dev is not None else self.name


class DiskTarget(Node):
    """<target dev bus>: the guest's name for the drive, and its bus (post-parse derives
    the bus from the name when not written)."""

    TAG: ClassVar[str] = "target"
    XML: ClassVar[tuple] = (Attr("dev", "dev"), Attr("bus", "bus", DiskBus))
    dev: str = ""
    bus: Optional[DiskBus] = None
    span: Span = NOWHERE


class Readonly(Node):
    """<readonly/>: no attributes; a node for its span."""

    TAG: ClassVar[str] = "readonly"
    XML: ClassVar[tuple] = ()
    span: Span = NOWHERE


class Shareable(Node):
    """<shareable/>: several guests may write the image at once (no attributes)."""

    TAG: ClassVar[str] = "shareable"
    XML: ClassVar[tuple] = ()
    span: Span = NOWHERE


class Disk(Node):
    """One <disk>."""

    TAG: ClassVar[str] = "disk"
    XML: ClassVar[tuple] = (
        Attr("type", "type", DiskType),
        Attr("device", "device", DiskDevice),
        Child("driver", DiskDriver),
        Child("source", DiskSource),
        Child("target", DiskTarget),
        Child("readonly", Readonly),
        Child("shareable", Shareable),
        Info(),
    )
    type: DiskType = DiskType.FILE
    device: DiskDevice = DiskDevice.DISK
    driver: Optional[DiskDriver] = None
    source: Optional[DiskSource] = None
    target: DiskTarget = DiskTarget()
    readonly: Optional[Readonly] = None
    shareable: Optional[Shareable] = None
    info: DeviceInfo = EMPTY
    span: Span = NOWHERE

    # The values every rule and builder asks for, read through the sub-nodes.
    @property
    def path(self) -> Optional[str]:
        """The image: <source file> or <source dev>; None for an empty drive."""
        return self.source.path if self.source is not None else None

    @property
    def target_dev(self) -> str:
        return self.target.dev

    @property
    def target_bus(self) -> DiskBus:
        return self.target.bus

    @property
    def driver_name(self) -> Optional[str]:
        return self.driver.name if self.driver is not None else None

    @property
    def driver_type(self) -> Optional[str]:
        return self.driver.type if self.driver is not None else None


NODE = Disk


def lower(r, el, index: int) -> Disk:
    dtype = r.enum(el, "type", DiskType, DiskType.FILE)
    source = None
    source_el = r.child(el, "source")
    if source_el is not None and dtype is DiskType.NETWORK:
        # A network disk reads protocol= and name=, and its <host> servers.
        source = DiskSource(protocol=r.attr(source_el, "protocol"),
                            name=r.attr(source_el, "name"),
                            hosts=tuple(lower_node(DiskHost, r, h)
                                        for h in r.children(source_el, "host")),
                            auth=Child("auth", DiskAuth).read(r, source_el),
                            span=r.span(source_el))
    elif source_el is not None:
        # A file disk reads source file=, a block disk source dev=.
        attr = "file" if dtype is DiskType.FILE else "dev"
        source = DiskSource(span=r.span(source_el), **{attr: r.attr(source_el, attr)})
    return lower_node(Disk, r, el, source=source)


# Which bus a target dev name implies, longest prefix first ("xvd" before "vd").
BUS_BY_PREFIX = (
    ("xvd", DiskBus.XEN),
    ("hd", DiskBus.IDE),
    ("sd", DiskBus.SCSI),
    ("vd", DiskBus.VIRTIO),
    ("fd", DiskBus.FDC),
)


def bus_for_target(dev: str) -> DiskBus:
    """The bus a target name implies; IDE for a name no prefix matches."""
    for prefix, bus in BUS_BY_PREFIX:
        if dev.startswith(prefix):
            return bus
    return DiskBus.IDE


def postparse(node: Disk, index: int, domain: Domain) -> Disk:
    """Defaults, each as libvirt applies it:

    - the target bus, when <target> has no bus=: the one its dev name implies (xvd* Xen,
      hd* IDE, sd* SCSI, vd* virtio, fd* floppy), else IDE (libvirt's
      virDomainDiskDefAssignAddress / the format page).

    No alias is given: QEMU's drive ids are the builder's (drive-scsi0-0-N, …).
    """
    target = node.target
    if target.bus is None:
        return replace(node, target=replace(target, bus=bus_for_target(target.dev)))
    return node


# ------------------------------------------------------------------ checks

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


def check_all(disks, domain: Domain, diags: Diagnostics) -> None:
    """The rules on every disk (SEM210, SEM211), then the duplicate targets (SEM206)."""
    from ..checks.repeats import second_uses

    xen_pv = domain.type is DomainType.XEN and not domain.os.is_hvm
    for disk in disks:
        _check_source(disk, diags)
        _check_target(disk, xen_pv, diags)
    targets = ((d.target.dev, d.target.span) for d in disks)
    for dev, span, first in second_uses(targets):
        diags.add(SEM206, f"<target dev='{dev}'> is used by two disks", span,
                  hint=f"the first use is at line {first.line}; give each disk its own target dev")


def _check_source(disk: Disk, diags: Diagnostics) -> None:
    if disk.path is not None:
        return
    if disk.device in (DiskDevice.CDROM, DiskDevice.FLOPPY):
        return  # an empty drive: libvirt allows a CD-ROM or floppy with no medium
    if disk.type is DiskType.NETWORK:
        if disk.source is None or disk.source.protocol != "nbd":   # nbd may export no name
            diags.add(SEM211, "<disk type='network'> needs <source protocol='…' name='…'>",
                      (disk.source or disk).span,
                      hint="a network disk names its volume, e.g. <source protocol='rbd' "
                           "name='pool/image'>")
        return
    attr = "file" if disk.type is DiskType.FILE else "dev"
    diags.add(SEM211,
              f"<disk type='{disk.type.value}'> needs <source {attr}='…'>",
              (disk.source or disk).span,
              hint=f"a {disk.type.value} disk names its image with <source {attr}='…'/>"
                   + (" (dev= is for block disks)" if attr == "file" else " (file= is for file disks)"))


def _check_target(disk: Disk, xen_pv: bool, diags: Diagnostics) -> None:
    dev, bus, at = disk.target.dev, disk.target.bus, disk.target.span
    if xen_pv:
        if not _XEN_PV_NAME.match(dev):
            diags.add(SEM210, f"<target dev='{dev}'> is not a disk name a Xen guest knows",
                      at, hint="use xvda, hda or sda, with an optional partition number")
        return
    if disk.device is DiskDevice.FLOPPY and bus is not DiskBus.FDC:
        diags.add(SEM210, f"a floppy drive cannot be <target dev='{dev}'>", at,
                  hint="floppy drives are fda or fdb")
        return
    if bus is DiskBus.FDC and disk.device is not DiskDevice.FLOPPY:
        diags.add(SEM210, f"<target dev='{dev}'> is a floppy drive but the disk is a "
                            f"{disk.device.value}", at,
                  hint="add device='floppy' to the <disk>, or use hda–hdd")
        return
    if disk.device is DiskDevice.CDROM and bus is DiskBus.VIRTIO:
        diags.add(SEM210, f"a CD-ROM cannot be the virtio disk '{dev}'", at,
                  hint="put the CD-ROM on IDE (hdc) or SCSI (sda)")
        return
    pattern, names = _NAMES[bus]
    if not pattern.match(dev):
        diags.add(SEM210, f"<target dev='{dev}'> does not fit the {bus.value} bus",
                  at, hint=f"{bus.value} disks are named {names}")

