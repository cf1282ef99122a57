"""<filesystem>: a host directory shared with the guest, over 9p or virtiofs.

    <filesystem type='mount' accessmode='mapped'>                       virtio-9p
      <source dir='/srv/share'/><target dir='share'/><readonly/>
    </filesystem>
    <filesystem type='mount' accessmode='passthrough'>                  virtiofs
      <driver type='virtiofs' queue='1024'/>
      <binary path='/usr/libexec/virtiofsd' xattr='on'>
        <cache mode='always'/><sandbox mode='chroot'/><lock posix='on' flock='on'/>
        <thread_pool size='16'/>
      </binary>
      <source dir='/srv/share'/><target dir='tag'/>
    </filesystem>

Schema: schemas/domain/filesystem.xsd. Builder: backends/qemu/devices/filesystem.py; `virtc
run` starts virtiofsd for a virtiofs share (backends/qemu/host.py).

Read: type=, accessmode=, model=, multidevs=, fmode=, dmode=, <driver type queue>, <binary>
and its children, <source dir socket>, <target dir>, <readonly/> and the DeviceInfo. The
other types' sources (file, dev, name, usage) and driver formats stay unread, so they are
reported where they are not compiled.
"""
from __future__ import annotations

from typing import ClassVar, Optional

from ..diagnostics import Severity, Span
from ..ir import NOWHERE
from ..rules.codes import Code
from .info import EMPTY, DeviceInfo
from .xmlmap import Attr, Child, Flag, Info, on_off
from ..node import Choice, Node, replace


class FsType(Choice):
    MOUNT = "mount"
    BIND = "bind"
    FILE = "file"
    BLOCK = "block"
    TEMPLATE = "template"
    RAM = "ram"


class FsAccessMode(Choice):
    PASSTHROUGH = "passthrough"
    MAPPED = "mapped"
    SQUASH = "squash"


class FsModel(Choice):
    VIRTIO = "virtio"
    VIRTIO_TRANSITIONAL = "virtio-transitional"
    VIRTIO_NON_TRANSITIONAL = "virtio-non-transitional"


class FsMultidevs(Choice):
    DEFAULT = "default"
    REMAP = "remap"
    FORBID = "forbid"
    WARN = "warn"


class FsDriverType(Choice):
    PATH = "path"
    HANDLE = "handle"
    LOOP = "loop"
    NBD = "nbd"
    PLOOP = "ploop"
    VIRTIOFS = "virtiofs"


class FsDriver(Node):
    TAG: ClassVar[str] = "driver"
    XML: ClassVar[tuple] = (Attr("type", "type", FsDriverType), Attr("queue", "queue", int))
    type: Optional[FsDriverType] = None
    queue: Optional[int] = None          # vhost-user-fs queue-size
    span: Span = NOWHERE


class FsMode(Node):
    """<cache mode>, <sandbox mode>: one word for virtiofsd."""

    XML: ClassVar[tuple] = (Attr("mode", "mode"),)
    mode: Optional[str] = None
    span: Span = NOWHERE


class FsCache(FsMode, Node):
    TAG: ClassVar[str] = "cache"


class FsSandbox(FsMode, Node):
    TAG: ClassVar[str] = "sandbox"


class FsLock(Node):
    TAG: ClassVar[str] = "lock"
    XML: ClassVar[tuple] = (Attr("posix", "posix", on_off), Attr("flock", "flock", on_off))
    posix: Optional[bool] = None
    flock: Optional[bool] = None
    span: Span = NOWHERE


class FsThreadPool(Node):
    TAG: ClassVar[str] = "thread_pool"
    XML: ClassVar[tuple] = (Attr("size", "size", int),)
    size: Optional[int] = None
    span: Span = NOWHERE


class FsBinary(Node):
    """<binary>: how virtiofsd runs."""

    TAG: ClassVar[str] = "binary"
    XML: ClassVar[tuple] = (
        Attr("path", "path"),
        Attr("xattr", "xattr", on_off),
        Child("cache", FsCache),
        Child("sandbox", FsSandbox),
        Child("lock", FsLock),
        Child("thread_pool", FsThreadPool),
    )
    path: Optional[str] = None
    xattr: Optional[bool] = None
    cache: Optional[FsCache] = None
    sandbox: Optional[FsSandbox] = None
    lock: Optional[FsLock] = None
    thread_pool: Optional[FsThreadPool] = None
    span: Span = NOWHERE


class FsSource(Node):
    """<source dir=…> (a host directory) or <source socket=…> (a virtiofsd already
    listening there)."""

    TAG: ClassVar[str] = "source"
    XML: ClassVar[tuple] = (Attr("dir", "dir"), Attr("socket", "socket"))
    dir: Optional[str] = None
    socket: Optional[str] = None
    span: Span = NOWHERE


class FsTarget(Node):
    TAG: ClassVar[str] = "target"
    XML: ClassVar[tuple] = (Attr("dir", "dir"),)
    dir: Optional[str] = None            # the mount tag the guest sees
    span: Span = NOWHERE


class Filesystem(Node):
    """One <filesystem>."""

    TAG: ClassVar[str] = "filesystem"
    XML: ClassVar[tuple] = (
        Attr("type", "type", FsType),
        Attr("accessmode", "accessmode", FsAccessMode),
        Attr("model", "model", FsModel),
        Attr("multidevs", "multidevs", FsMultidevs),
        Attr("fmode", "fmode"),
        Attr("dmode", "dmode"),
        Child("driver", FsDriver),
        Child("binary", FsBinary),
        Child("source", FsSource),
        Child("target", FsTarget),
        Flag("readonly", "readonly"),
        Info(),
    )
    type: FsType = FsType.MOUNT
    accessmode: Optional[FsAccessMode] = None
    model: Optional[FsModel] = None
    multidevs: Optional[FsMultidevs] = None
    fmode: Optional[str] = None
    dmode: Optional[str] = None
    driver: Optional[FsDriver] = None
    binary: Optional[FsBinary] = None
    source: Optional[FsSource] = None
    target: Optional[FsTarget] = None
    readonly: Optional[bool] = None
    info: DeviceInfo = EMPTY
    span: Span = NOWHERE

    @property
    def virtiofs(self) -> bool:
        return self.driver is not None and self.driver.type is FsDriverType.VIRTIOFS


NODE = Filesystem

# Reported by backends/qemu/devices/filesystem.py; documented in rules() below.
QEMU382 = Code("QEMU382", Severity.ERROR)
QEMU383 = Code("QEMU383", Severity.INFO)


def rules():
    from ..rules import Rule

    return (
        Rule(QEMU382, "virtiofs-needs-shared-memory",
             "A virtiofs <filesystem> in a guest whose memory is not shared with other "
             "processes: no <memoryBacking><access mode='shared'/>, and not every NUMA cell "
             "has memAccess='shared'.",
             "virtiofsd reads and writes the guest's memory directly (vhost-user); QEMU must "
             "map the guest RAM shared for it. libvirt refuses to start the guest: "
             "\"'virtiofs' requires shared memory\".",
             "<filesystem type='mount'><driver type='virtiofs'/>…</filesystem> without "
             "<memoryBacking>",
             "add <memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>"),
        Rule(QEMU383, "virtiofs-needs-virtiofsd",
             "The argv of a guest with a virtiofs <filesystem> connects to a virtiofsd socket "
             "that something must start first.",
             "libvirt starts one virtiofsd per share; plain QEMU fails at start (\"Failed to "
             "connect to … No such file or directory\") when nothing listens there.",
             "<filesystem type='mount'><driver type='virtiofs'/><source dir='/srv'/>"
             "<target dir='tag'/></filesystem>",
             "start the guest with `virtc run`, which starts virtiofsd and stops it afterwards; "
             "or start `virtiofsd --socket-path=PATH -o source=DIR` yourself, or give "
             "<source socket=…> of a virtiofsd you run"),
    )


def postparse(node: Filesystem, index: int, domain) -> Filesystem:
    """Defaults, as libvirt applies them: accessmode passthrough (its parser's default);
    alias `fs<N>` (qemuAssignDeviceAliases)."""
    return replace(node, accessmode=node.accessmode or FsAccessMode.PASSTHROUGH,
                   info=replace(node.info, alias=node.info.alias or f"fs{index}"))
