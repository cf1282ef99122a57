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

from typing import ClassVar, Optional

from ..diagnostics import Diagnostics, Span
from ..ir import NOWHERE, Domain, DomainType
from ..positions import LazyPattern
from ..rules import codes as _codes
from ..rules.codes import SEM206, SEM210, SEM211, Code
from .info import EMPTY, DeviceInfo
from .xmlmap import Attr, Child, Children, Info, Text, lower as lower_node, on_off
from ..node import Choice, Node, replace


class DiskType(Choice):
    FILE = "file"
    BLOCK = "block"
    NETWORK = "network"


class DiskDevice(Choice):
    DISK = "disk"
    CDROM = "cdrom"
    FLOPPY = "floppy"


class DiskBus(Choice):
    IDE = "ide"
    SCSI = "scsi"
    VIRTIO = "virtio"
    XEN = "xen"
    FDC = "fdc"
    USB = "usb"
    SATA = "sata"


class DiskDriver(Node):
    """<driver name type cache io …>: the host I/O path, the image format and how QEMU
    reaches it (values as libvirt spells them; the schema has checked each list)."""

    TAG: ClassVar[str] = "driver"
    XML: ClassVar[tuple] = (
        Attr("name", "name"), Attr("type", "type"), Attr("cache", "cache"),
        Attr("io", "io"), Attr("discard", "discard"), Attr("detect_zeroes", "detect_zeroes"),
        Attr("iothread", "iothread", int), Attr("error_policy", "error_policy"),
        Attr("rerror_policy", "rerror_policy"), Attr("copy_on_read", "copy_on_read", on_off),
        Attr("queues", "queues", int), Attr("queue_size", "queue_size", int),
        Attr("ioeventfd", "ioeventfd", on_off), Attr("event_idx", "event_idx", on_off),
        Attr("iommu", "iommu", on_off), Attr("ats", "ats", on_off),
        Attr("packed", "packed", on_off), Attr("page_per_vq", "page_per_vq", on_off))
    name: Optional[str] = None      # "file", "phy", "tap", "qemu", …
    type: Optional[str] = None      # "raw", "qcow2", "aio", …
    cache: Optional[str] = None     # default none writethrough writeback directsync unsafe
    io: Optional[str] = None        # threads native io_uring
    discard: Optional[str] = None   # unmap ignore
    detect_zeroes: Optional[str] = None   # off on unmap
    iothread: Optional[int] = None  # an <iothreads> id, from 1
    error_policy: Optional[str] = None    # stop report ignore enospace
    rerror_policy: Optional[str] = None   # stop report ignore
    copy_on_read: Optional[bool] = None
    queues: Optional[int] = None
    queue_size: Optional[int] = None
    ioeventfd: Optional[bool] = None      # virtio-blk only, as the next four
    event_idx: Optional[bool] = None
    iommu: Optional[bool] = None
    ats: Optional[bool] = None
    packed: Optional[bool] = None
    page_per_vq: Optional[bool] = None
    span: Span = NOWHERE


class DiskHost(Node):
    """<host name port transport socket>: one server of a network disk (a Ceph monitor
    for rbd; an NBD server's unix socket with transport='unix' socket=PATH)."""

    TAG: ClassVar[str] = "host"
    XML: ClassVar[tuple] = (Attr("name", "name"), Attr("port", "port", int),
                            Attr("transport", "transport"), Attr("socket", "socket"))
    name: Optional[str] = None
    port: Optional[int] = None
    transport: Optional[str] = None
    socket: Optional[str] = None
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
    """<target dev bus removable rotation_rate>: the guest's name for the drive, and its bus
    (post-parse derives the bus from the name when not written); whether a USB or SCSI disk
    says it is removable, and the rotation rate an IDE, SATA or SCSI disk reports (1: SSD)."""

    TAG: ClassVar[str] = "target"
    XML: ClassVar[tuple] = (Attr("dev", "dev"), Attr("bus", "bus", DiskBus),
                            Attr("removable", "removable", on_off),
                            Attr("rotation_rate", "rotation_rate", int))
    dev: str = ""
    bus: Optional[DiskBus] = None
    removable: Optional[bool] = None
    rotation_rate: Optional[int] = None
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


def _text_node(tag: str, doc: str):
    """A child element whose text is its one value: <serial>, <wwn>, <vendor>, <product>."""
    return type(f"Disk{tag.capitalize()}", (Node,), {
        "__doc__": doc, "__module__": __name__,
        "__annotations__": {"TAG": "ClassVar[str]", "XML": "ClassVar[tuple]",
                            "value": "Optional[str]", "span": "Span"},
        "TAG": tag, "XML": (Text("value"),), "value": None, "span": NOWHERE})


DiskSerial = _text_node("serial", "<serial>: the serial number the guest reads.")
DiskWwn = _text_node("wwn", "<wwn>: the World Wide Name of an IDE or SCSI disk (16 hex digits).")
DiskVendor = _text_node("vendor", "<vendor>: a SCSI disk's vendor string (8 characters at most).")
DiskProduct = _text_node("product", "<product>: a SCSI disk's product string (16 at most).")


class DiskBlockio(Node):
    """<blockio logical_block_size physical_block_size>: the sector sizes the guest sees."""

    TAG: ClassVar[str] = "blockio"
    XML: ClassVar[tuple] = (Attr("logical_block_size", "logical", int),
                            Attr("physical_block_size", "physical", int))
    logical: Optional[int] = None
    physical: Optional[int] = None
    span: Span = NOWHERE


class DiskGeometry(Node):
    """<geometry cyls heads secs trans>: the BIOS geometry of an IDE disk."""

    TAG: ClassVar[str] = "geometry"
    XML: ClassVar[tuple] = (Attr("cyls", "cyls", int), Attr("heads", "heads", int),
                            Attr("secs", "secs", int), Attr("trans", "trans"))
    cyls: Optional[int] = None
    heads: Optional[int] = None
    secs: Optional[int] = None
    trans: Optional[str] = None     # none lba auto
    span: Span = NOWHERE


class _Number(Node):
    """An <iotune> child holding a whole number: <total_iops_sec>1000</total_iops_sec>."""

    field: str

    def read(self, r, el) -> Optional[int]:
        sub = r.child(el, self.field)
        return int(r.text(sub).strip()) if sub is not None else None

    def write(self, value: Optional[int], el) -> None:
        if value is not None:
            from lxml import etree

            etree.SubElement(el, self.field).text = str(value)


class _Named(_Number):
    def read(self, r, el) -> Optional[str]:
        sub = r.child(el, self.field)
        return (r.text(sub).strip() or None) if sub is not None else None

    def write(self, value: Optional[str], el) -> None:
        if value is not None:
            from lxml import etree

            etree.SubElement(el, self.field).text = value


# libvirt's <iotune> limits, in its order (virDomainDiskIoTuneParse).
IOTUNE_LIMITS = tuple(f"{kind}_{what}_sec{suffix}"
                      for suffix in ("", "_max", "_max_length")
                      for what in ("bytes", "iops")
                      for kind in ("total", "read", "write")) + ("size_iops_sec",)


def _iotune_limits(self) -> tuple:
    """(element name, value) for every limit written, in libvirt's order."""
    return tuple((f, getattr(self, f)) for f in IOTUNE_LIMITS if getattr(self, f) is not None)


# <iotune>: I/O limits (bytes and operations per second, bursts, their lengths, a throttle
# group), one field per element, named as libvirt names them.
DiskIotune = type("DiskIotune", (Node,), {
    "__doc__": "<iotune>: the disk's I/O limits, one field per libvirt element.",
    "__module__": __name__,
    "__annotations__": {"TAG": "ClassVar[str]", "XML": "ClassVar[tuple]",
                        **{f: "Optional[int]" for f in IOTUNE_LIMITS},
                        "group_name": "Optional[str]", "span": "Span"},
    "TAG": "iotune",
    "XML": tuple(_Number(f) for f in IOTUNE_LIMITS) + (_Named("group_name"),),
    **{f: None for f in IOTUNE_LIMITS}, "group_name": None, "span": NOWHERE,
    "limits": _iotune_limits})


class Disk(Node):
    """One <disk>."""

    TAG: ClassVar[str] = "disk"
    XML: ClassVar[tuple] = (
        Attr("type", "type", DiskType),
        Attr("device", "device", DiskDevice),
        Attr("model", "model"),
        Child("driver", DiskDriver),
        Child("source", DiskSource),
        Child("target", DiskTarget),
        Child("readonly", Readonly),
        Child("shareable", Shareable),
        Child("serial", DiskSerial),
        Child("wwn", DiskWwn),
        Child("vendor", DiskVendor),
        Child("product", DiskProduct),
        Child("blockio", DiskBlockio),
        Child("geometry", DiskGeometry),
        Child("iotune", DiskIotune),
        Info(),
    )
    type: DiskType = DiskType.FILE
    device: DiskDevice = DiskDevice.DISK
    model: Optional[str] = None          # virtio, virtio-transitional, virtio-non-transitional
    driver: Optional[DiskDriver] = None
    source: Optional[DiskSource] = None
    target: DiskTarget = DiskTarget()
    readonly: Optional[Readonly] = None
    shareable: Optional[Shareable] = None
    serial: Optional[Node] = None        # DiskSerial
    wwn: Optional[Node] = None           # DiskWwn
    vendor: Optional[Node] = None        # DiskVendor
    product: Optional[Node] = None       # DiskProduct
    blockio: Optional[DiskBlockio] = None
    geometry: Optional[DiskGeometry] = None
    iotune: Optional[Node] = None        # DiskIotune
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

# This family's place in libvirt's order of USB ports (compiler/postparse/qemu.py, 5).
USB_ORDER = 10


def wants_usb_port(node: Disk) -> bool:
    """A disk on bus='usb' (a usb-storage device) takes a USB port."""
    return node.target.bus is not None and node.target.bus.value == "usb"


# The QEMU backend's disk findings (backends/qemu/devices/disk.py, blockdev.py).
QEMU420 = Code("QEMU420", _codes.Severity.ERROR)
QEMU421 = Code("QEMU421", _codes.Severity.ERROR)
QEMU422 = Code("QEMU422", _codes.Severity.ERROR)
QEMU423 = Code("QEMU423", _codes.Severity.ERROR)


def rules():
    """The rules this family's QEMU builders report (text only for the registry)."""
    from ..rules import Rule

    return (
        Rule(QEMU420, "disk-setting-not-on-this-bus",
             "A disk setting that the guest device of its bus does not have.",
             "<vendor> and <product> are SCSI inquiry data, <wwn> a name IDE and SCSI disks"
             " report, iothread=, queues= and queue_size= belong to virtio-blk. QEMU's other"
             " disk devices have no such property, and libvirt refuses the combination.",
             "<disk><target dev='vda' bus='virtio'/><vendor>ACME</vendor></disk>",
             "Remove the setting, or put the disk on a bus that has it (sd* on SCSI)."),
        Rule(QEMU421, "disk-protocol-not-qemu",
             "A network disk's protocol that QEMU has no block driver for.",
             "QEMU opens network disks over nbd, http, https, ftp, ftps, iscsi, rbd and"
             " gluster; sheepdog and vxhs were removed from QEMU (6.0 and 6.1), and the"
             " others are libvirt storage protocols QEMU can't open as a disk.",
             "<disk type='network'><source protocol='sheepdog' name='image'/>…</disk>",
             "Export the image over nbd (qemu-nbd), http(s) or iscsi."),
        Rule(QEMU422, "network-disk-needs-blockdev",
             "A network disk for a QEMU older than 4.2.",
             "virtc builds network disks as -blockdev nodes, the form libvirt uses from QEMU"
             " 4.2 on; the older -drive URL syntax is not built.",
             "virtc compile --qemu-version 2.12 guest.xml  (with <disk type='network'>)",
             "Compile for QEMU 4.2 or later, or use a local image."),
        Rule(QEMU423, "read-only-protocol-disk-writable",
             "A disk over http, https, ftp or ftps that is not <readonly/>.",
             "QEMU reads these protocols with its curl driver, which can't write: QEMU"
             " refuses to start a writable disk on it (\"Block node is read-only\").",
             "<disk type='network'><source protocol='https' name='/img.iso'>…</source>"
             "<target dev='vda'/></disk>",
             "Add <readonly/> (a CD-ROM is read-only anyway), or serve the image over nbd."),
    )


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

# Target dev names each bus accepts in a fully virtualized guest (compiled when first used:
# a document's disks need one or two of these).
_NAMES = {
    DiskBus.IDE: (LazyPattern(r"^hd[a-d]$"), "hda to hdd"),
    DiskBus.SCSI: (LazyPattern(r"^sd[a-z]{1,2}$"), "sda, sdb, …"),
    DiskBus.USB: (LazyPattern(r"^sd[a-z]{1,2}$"), "sda, sdb, …"),
    DiskBus.SATA: (LazyPattern(r"^sd[a-z]{1,2}$"), "sda, sdb, …"),
    DiskBus.VIRTIO: (LazyPattern(r"^vd[a-z]{1,2}$"), "vda, vdb, …"),
    DiskBus.XEN: (LazyPattern(r"^xvd[a-z]{1,2}$"), "xvda, xvdb, …"),
    DiskBus.FDC: (LazyPattern(r"^fd[ab]$"), "fda or fdb"),
}
# A Xen paravirtualized guest sees every disk through blkfront, partitions included.
_XEN_PV_NAME = LazyPattern(r"^(hd|sd|xvd)[a-z]{1,2}[0-9]*$")


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

