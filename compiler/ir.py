"""The typed IR: frozen records (compiler/node.py) with no XML types in them.

Every node carries the `span` of the XML element it was lowered from. Fixed vocabularies
are enums, each a subset of the `compiler/vocabulary.py` entry that `IR_ENUMS` maps it to
(tests/test_vocabulary.py); each backend maps every member to its own strings in a table,
and a test checks that no member is missing from any table.

Every device is a family of compiler/devices/ and keeps its nodes there; they sit in
`Devices.families`, in document order, each with sub-nodes of their own (each with its
span) and one DeviceInfo. The domain's own children that hold one value each (<kernel>,
<currentMemory>, <on_crash>, …) stay plain fields; `at` records where each was written.

Sizes are kept in the document's unit (KiB); backends convert.

The nodes are `Node` records, not dataclasses: a dataclass costs about a millisecond to
create at import, which every `virtc` run would pay for each of the IR's classes.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional, Tuple

from .diagnostics import Span
from .node import Choice, Factory, Node, NotCompared

if TYPE_CHECKING:      # the <os> sub-nodes live with their lowering and writer
    from .guest_os import (AcpiTable, Bios, Bootmenu, FirmwareFeatures, Loader, Nvram,
                           OsFirmware, Smbios)
    from .platform.clock import Clock, ClockOffset
    from .platform.features import Features
    from .platform.lifecycle import Pm

# The platform elements have their own modules (compiler/platform/); the Domain holds their
# nodes. Each module is imported when first used (`ir.Clock` too), as device families are:
# a validate that has no use for <clock> doesn't pay for its classes.
_PLATFORM = {"Clock": "clock", "ClockOffset": "clock", "Features": "features", "Pm": "lifecycle"}


def __getattr__(name: str):
    module = _PLATFORM.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f".platform.{module}", __package__), name)


def _no_features() -> "Features":
    from .platform.features import Features

    return Features()


def _no_clock() -> "Clock":
    from .platform.clock import Clock

    return Clock()

NOWHERE = Span()


def nearest(sub: Span, node: Span) -> Span:
    """`sub` (a child element's span) if known, else `node`'s.

    Lowering fills every span, but IR built by hand or imported from an xm/xl config
    may carry only the node's own; a diagnostic then points at the node.
    """
    return node if sub == NOWHERE else sub


class Written(Node):
    """Where one child element of a node was written: lowering records (tag, span) for each
    child whose value the node keeps as a plain field (<kernel>, <on_reboot>, <alias>, …),
    so a later stage points at that child's line (`span_of`). Like a span, it is not part
    of the node's value: nodes that differ only in it compare equal."""

    tag: str
    span: Span = NOWHERE


def span_of(node, tag: str) -> Span:
    """The span of `node`'s child <tag> as written, else the node's own span."""
    return next((w.span for w in node.at if w.tag == tag), node.span)


class DomainType(Choice):
    XEN = "xen"
    KVM = "kvm"
    QEMU = "qemu"
    KQEMU = "kqemu"


class OsType(Choice):
    LINUX = "linux"   # Xen paravirtualized (the page's spelling)
    XEN = "xen"       # libvirt's later spelling of the same thing
    HVM = "hvm"
    XENPVH = "xenpvh" # Xen PVH: a PV-style kernel boot in an HVM container (xl type="pvh")


class BootDev(Choice):
    FD = "fd"
    HD = "hd"
    CDROM = "cdrom"
    NETWORK = "network"


class LifecycleAction(Choice):
    DESTROY = "destroy"
    RESTART = "restart"
    PRESERVE = "preserve"
    RENAME_RESTART = "rename-restart"


class NetType(Choice):
    USER = "user"
    NETWORK = "network"
    BRIDGE = "bridge"
    ETHERNET = "ethernet"
    MCAST = "mcast"
    SERVER = "server"
    CLIENT = "client"
    UDP = "udp"
    VHOSTUSER = "vhostuser"
    NULL = "null"
    DIRECT = "direct"


class Boot(Node):
    """One <boot dev=…> entry of <os>."""

    dev: BootDev
    span: Span = NOWHERE


class Os(Node):
    """The <os> element: guest type, firmware, boot order, kernel boot.

    Sub-elements are nodes of compiler/guest_os.py (each with its span): `firmware_features`
    (<firmware>), `loader`, `nvram`, `bootmenu`, `smbios`, `bios`, `acpi_tables`. The
    single text children (<kernel>, <initrd>, <cmdline>, <root>, <dtb>) are plain fields.
    """

    type: OsType
    arch: Optional[str] = None          # <type arch=…>, e.g. "i686", "x86_64"
    machine: Optional[str] = None       # <type machine=…>, e.g. "pc"
    kernel: Optional[str] = None
    initrd: Optional[str] = None
    cmdline: Optional[str] = None
    root: Optional[str] = None
    dtb: Optional[str] = None
    loader: Optional["Loader"] = None                   # guest_os.Loader
    boot: Tuple[Boot, ...] = ()         # in document order; first is tried first
    firmware: Optional["OsFirmware"] = None             # <os firmware='efi|bios'>
    firmware_features: Optional["FirmwareFeatures"] = None
    nvram: Optional["Nvram"] = None
    bootmenu: Optional["Bootmenu"] = None
    smbios: Optional["Smbios"] = None
    bios: Optional["Bios"] = None
    acpi_tables: Tuple["AcpiTable", ...] = ()
    span: Span = NOWHERE
    # Where <type>, <kernel>, <initrd>, <cmdline>, <root> and <dtb> were written.
    at: Tuple[Written, ...] = NotCompared(())
    span_of = span_of

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if isinstance(self.loader, str):      # IR built by hand: a path is <loader>PATH</loader>
            from .guest_os import Loader

            object.__setattr__(self, "loader", Loader(path=self.loader))

    @property
    def is_hvm(self) -> bool:
        return self.type is OsType.HVM

    @property
    def loader_path(self) -> Optional[str]:
        return self.loader.path if self.loader is not None else None


class Devices(Node):
    """The <devices> element: everything plugged into the guest."""

    emulator: Optional[str] = None
    # Devices of the family modules (compiler/devices/), in document order: each a node
    # with its own TAG, sub-nodes and DeviceInfo.
    families: Tuple[object, ...] = ()
    span: Span = NOWHERE
    # Where <emulator> was written.
    at: Tuple[Written, ...] = NotCompared(())
    span_of = span_of

    def of(self, cls) -> tuple:
        """The family devices of node class `cls`, in document order."""
        return tuple(node for node in self.families if type(node) is cls)

    # The families most rules and builders ask for, by name (compiler/devices/).
    @property
    def disks(self) -> tuple:
        from .devices.disk import Disk

        return self.of(Disk)

    @property
    def interfaces(self) -> tuple:
        from .devices.interface import Interface

        return self.of(Interface)

    @property
    def graphics(self) -> tuple:
        from .devices.graphics import Graphics

        return self.of(Graphics)

    @property
    def inputs(self) -> tuple:
        from .devices.input import Input

        return self.of(Input)

    @property
    def serials(self) -> tuple:
        from .devices.chardev import Serial

        return self.of(Serial)

    @property
    def parallels(self) -> tuple:
        from .devices.chardev import Parallel

        return self.of(Parallel)

    @property
    def consoles(self) -> tuple:
        from .devices.chardev import Console

        return self.of(Console)


class Uncompiled(Node):
    """Valid libvirt XML that lowering did not turn into IR (see compiler/uncompiled.py).

    `path` names it for a person (`devices/controller`, `cpu`, `disk/driver@cache`);
    `host_side` marks host tuning that no guest would notice (cputune, seclabel, …).
    """

    path: str
    span: Span
    host_side: bool = False
    value: Optional[str] = None     # the attribute's value, for an attribute


class Domain(Node):
    """A whole <domain>: the root of the IR a backend compiles."""

    type: DomainType
    name: str
    memory_kib: int
    vcpus: int = 1
    id: Optional[int] = None
    uuid: Optional[str] = None          # normalised: lower case, dashed 8-4-4-4-12
    current_memory_kib: Optional[int] = None
    bootloader: Optional[str] = None
    bootloader_args: Optional[str] = None
    # <sysinfo type='smbios'> elements (compiler/guest_os.py), in document order.
    sysinfo: Tuple[object, ...] = ()
    os: Os = Factory(lambda: Os(OsType.HVM))
    features: Features = Factory(_no_features)
    clock: Clock = Factory(_no_clock)
    on_poweroff: LifecycleAction = LifecycleAction.DESTROY
    on_reboot: LifecycleAction = LifecycleAction.RESTART
    on_crash: LifecycleAction = LifecycleAction.RESTART
    # on_crash coredump-destroy / coredump-restart: dump the guest's memory, then on_crash.
    on_crash_dump: bool = False
    pm: Optional[Pm] = None
    devices: Devices = Factory(Devices)
    # <maxMemory>, <memoryBacking>, <iothreads>/<iothreadids>: compiler/memory.py's nodes.
    max_memory: Optional[object] = None
    memory_backing: Optional[object] = None
    iothreads: Optional[object] = None
    # <vcpu>'s attributes with <vcpus>, and <cpu> (compiler/platform/cpu.py Vcpu, Cpu).
    vcpu: Optional[object] = None
    cpu: Optional[object] = None
    # The qemu: namespace elements (compiler/platform/qemu_ns.py QemuNamespace).
    qemu: Optional[object] = None
    span: Span = NOWHERE
    # Where <currentMemory>, <on_poweroff>, <on_reboot> and <on_crash> were written.
    at: Tuple[Written, ...] = NotCompared(())
    span_of = span_of
    # What lowering left unread, in document order; each backend reports it.
    uncompiled: Tuple[Uncompiled, ...] = ()

    @property
    def balloon_kib(self) -> int:
        """Memory the guest starts with: currentMemory, else memory."""
        return self.current_memory_kib if self.current_memory_kib is not None else self.memory_kib


class Network(Node):
    """A libvirt virtual network definition, used to resolve <source network=…> and
    <listen type='network'>: its bridge, its <forward mode> (None: no <forward>, an isolated
    network) and the address of its first <ip>, which libvirt gives that bridge."""

    name: str
    bridge: Optional[str] = None
    span: Span = NOWHERE
    forward: Optional[str] = None
    address: Optional[str] = None
