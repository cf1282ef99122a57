"""<shmem>: inter-VM shared memory, an ivshmem PCI device.

    <shmem name='shmem0'>
      <model type='ivshmem-plain'/>
      <size unit='M'>4</size>
    </shmem>
    <shmem name='shmem1' role='master'>
      <model type='ivshmem-doorbell'/>
      <server path='/var/tmp/ivshmem.sock'/>
      <msi vectors='4' ioeventfd='on'/>
    </shmem>

ivshmem-plain maps the host's POSIX shared memory object /dev/shm/NAME into the guest;
ivshmem-doorbell gets its memory and interrupts from an ivshmem server at <server path>.
The model-less <shmem> is libvirt's first model, the legacy `ivshmem` device, which QEMU
removed in 4.0 (docs/about/removed-features.rst).

Schema: schemas/domain/shmem.xsd. Builder: backends/qemu/devices/shmem.py. Xen has no
shared-memory device (backends/xen/crossing.py, XEN470).

Read: name=, role=, <model type>, <size>, <server path>, <msi vectors ioeventfd> and the
DeviceInfo.
"""
from __future__ import annotations

from typing import ClassVar, Optional

from ..diagnostics import Diagnostics, Severity, Span
from ..ir import NOWHERE
from ..reader import size_bytes
from ..rules.codes import Code
from .info import EMPTY, DeviceInfo
from .xmlmap import Attr, Child, Info, Text, on_off
from ..node import Choice, Node, replace


class ShmemModel(Choice):
    IVSHMEM = "ivshmem"                      # the legacy device (QEMU < 4.0)
    IVSHMEM_PLAIN = "ivshmem-plain"          # memory only, from a memory backend
    IVSHMEM_DOORBELL = "ivshmem-doorbell"    # memory and interrupts from an ivshmem server


class ShmemRole(Choice):
    MASTER = "master"     # migrates the memory's content with the guest
    PEER = "peer"         # does not: the guest can't migrate with the device


class ShmemModelType(Node):
    TAG: ClassVar[str] = "model"
    XML: ClassVar[tuple] = (Attr("type", "type", ShmemModel),)
    type: Optional[ShmemModel] = None
    span: Span = NOWHERE


class ShmemSize(Node):
    """<size unit=…>N</size>: libvirt reads a bare number in bytes."""

    TAG: ClassVar[str] = "size"
    XML: ClassVar[tuple] = (Attr("unit", "unit"), Text("value"))
    unit: Optional[str] = None
    value: Optional[str] = None
    span: Span = NOWHERE

    @property
    def bytes(self) -> int:
        return size_bytes(self.value or "0", (self.unit or "B").strip())


class ShmemServer(Node):
    """<server path>: the ivshmem server's UNIX socket."""

    TAG: ClassVar[str] = "server"
    XML: ClassVar[tuple] = (Attr("path", "path"),)
    path: Optional[str] = None
    span: Span = NOWHERE


class ShmemMsi(Node):
    """<msi vectors ioeventfd>: the doorbell's MSI-X interrupts."""

    TAG: ClassVar[str] = "msi"
    XML: ClassVar[tuple] = (Attr("vectors", "vectors", int), Attr("ioeventfd", "ioeventfd", on_off))
    vectors: Optional[int] = None
    ioeventfd: Optional[bool] = None
    span: Span = NOWHERE


class Shmem(Node):
    """One <shmem>."""

    TAG: ClassVar[str] = "shmem"
    XML: ClassVar[tuple] = (
        Attr("name", "name"),
        Attr("role", "role", ShmemRole),
        Child("model", ShmemModelType),
        Child("size", ShmemSize),
        Child("server", ShmemServer),
        Child("msi", ShmemMsi),
        Info(),
    )
    name: str = ""
    role: Optional[ShmemRole] = None
    model: Optional[ShmemModelType] = None
    size: Optional[ShmemSize] = None
    server: Optional[ShmemServer] = None
    msi: Optional[ShmemMsi] = None
    info: DeviceInfo = EMPTY
    span: Span = NOWHERE

    @property
    def model_type(self) -> ShmemModel:
        """The model, libvirt's first (the legacy ivshmem) when none is written."""
        if self.model is None or self.model.type is None:
            return ShmemModel.IVSHMEM
        return self.model.type


NODE = Shmem

SEM321 = Code("SEM321", Severity.ERROR)
SEM322 = Code("SEM322", Severity.ERROR)
SEM323 = Code("SEM323", Severity.ERROR)
QEMU450 = Code("QEMU450", Severity.ERROR)      # reported by backends/qemu/devices/shmem.py
QEMU454 = Code("QEMU454", Severity.ERROR)      # the same

MIB = 1 << 20
# What libvirt's QEMU post-parse gives a shmem without <size> (not a doorbell's, whose
# server decides): 4 MiB, "the default since the introduction of this device".
DEFAULT_SIZE = 4 * MIB
# libvirt's parser: a <server> without path= is the daemon's own socket for that name.
DEFAULT_SERVER_PATH = "/var/lib/libvirt/shmem-{name}-sock"


def rules():
    from ..rules import Rule

    return (
        Rule(SEM321, "shmem-size",
             "A <shmem> whose <size> is not a power of two, or less than 1 MiB.",
             "QEMU maps the memory as a PCI BAR, whose size must be a power of two; libvirt "
             "refuses the domain: \"shmem size must be a power of two\" / \"must be at least "
             "1 MiB (1024 KiB)\".",
             "<shmem name='s'><model type='ivshmem-plain'/><size unit='K'>1536</size></shmem>",
             "give a power of two of at least 1 MiB: <size unit='M'>2</size>"),
        Rule(SEM322, "shmem-server-model",
             "An ivshmem-doorbell <shmem> without <server>, or an ivshmem-plain one with it.",
             "A doorbell gets its memory and interrupts from an ivshmem server, so it needs "
             "the server's socket; a plain device has no socket to use. libvirt refuses both: "
             "\"shmem model 'ivshmem-doorbell' is supported only with server option enabled\".",
             "<shmem name='s'><model type='ivshmem-doorbell'/></shmem>",
             "add <server path='/run/ivshmem.sock'/> to a doorbell, or remove it from a plain "
             "device"),
        Rule(SEM323, "shmem-option-model",
             "A <shmem> with an option its model doesn't take: <msi> without a <server>, or "
             "a <size> on an ivshmem-doorbell.",
             "Interrupts (MSI) come from the ivshmem server, and a doorbell's memory size is "
             "the server's; libvirt refuses both: \"msi option is only supported with a "
             "server\", \"shmem model 'ivshmem-doorbell' does not support size setting\".",
             "<shmem name='s'><model type='ivshmem-plain'/><msi vectors='4'/></shmem>",
             "remove <msi> from a device without a server, <size> from a doorbell (size the "
             "memory with the server's -l option)"),
        Rule(QEMU450, "shmem-legacy-ivshmem",
             "A <shmem> of the legacy model 'ivshmem' (also what a <shmem> without <model> "
             "is), compiled for a QEMU that no longer has that device.",
             "QEMU removed the legacy ivshmem device in 4.0 (docs/about/removed-features.rst:"
             " \"Replaced by either the ivshmem-plain or ivshmem-doorbell\"); libvirt 9.0 "
             "refuses it: \"ivshmem device is not supported with this QEMU binary\".",
             "<shmem name='s'><size unit='M'>4</size></shmem>",
             "write <model type='ivshmem-plain'/> (or ivshmem-doorbell with a <server>), or "
             "compile for QEMU 3.1 or older (--qemu-version 3.1)"),
        Rule(QEMU454, "shmem-address-not-pci",
             "A <shmem> with an <address> of another type than pci.",
             "Every ivshmem model is a PCI device; libvirt's QEMU driver refuses the domain: "
             "\"only 'pci' addresses are supported for the shared memory device\".",
             "<shmem name='s'><model type='ivshmem-plain'/>"
             "<address type='isa' iobase='0x500'/></shmem>",
             "give a PCI address, or remove <address> to get libvirt's"),
    )


def postparse(node: Shmem, index: int, domain) -> Shmem:
    """Defaults, each as libvirt applies it:

    - alias `shmem<N>`, N counting the <shmem> devices (qemuAssignDeviceAliases);
    - a <server> without path= is /var/lib/libvirt/shmem-NAME-sock (the parser);
    - a plain or legacy device without <size> has 4 MiB (qemuDomainShmemDefPostParse);
    - a doorbell's <msi> is on, with ioeventfd on unless written off (the same).
    """
    server, size, msi = node.server, node.size, node.msi
    if server is not None and server.path is None:
        server = replace(server, path=DEFAULT_SERVER_PATH.format(name=node.name))
    model = node.model_type
    if size is None and model is not ShmemModel.IVSHMEM_DOORBELL:
        size = ShmemSize(unit="M", value=str(DEFAULT_SIZE // MIB), span=node.span)
    if model is ShmemModel.IVSHMEM_DOORBELL and server is not None:
        msi = msi or ShmemMsi(span=node.span)
        if msi.ioeventfd is None:
            msi = replace(msi, ioeventfd=True)
    return replace(node, server=server, size=size, msi=msi,
                   info=replace(node.info, alias=node.info.alias or f"shmem{index}"))


def check(node: Shmem, diags: Diagnostics) -> None:
    model = node.model_type
    size = node.size
    if size is not None and size.value is not None and model is not ShmemModel.IVSHMEM_DOORBELL:
        value = size.bytes
        if value & (value - 1):
            diags.add(SEM321, f"<shmem name='{node.name}'> <size> of {value} bytes is not a"
                      " power of two", size.span,
                      hint="give a power of two of at least 1 MiB: <size unit='M'>4</size>")
        elif value < MIB:
            diags.add(SEM321, f"<shmem name='{node.name}'> <size> of {value} bytes is less"
                      " than 1 MiB", size.span, hint="give at least <size unit='M'>1</size>")
    if model is ShmemModel.IVSHMEM_DOORBELL and node.server is None:
        diags.add(SEM322, f"<shmem name='{node.name}'> of model 'ivshmem-doorbell' has no"
                  " <server>: a doorbell takes its memory and interrupts from an ivshmem"
                  " server", node.span, hint="add <server path='…'/> with the server's socket")
    elif model is ShmemModel.IVSHMEM_PLAIN and node.server is not None:
        diags.add(SEM322, f"<shmem name='{node.name}'> of model 'ivshmem-plain' has a"
                  " <server>, which only a doorbell uses", node.server.span,
                  hint="remove <server>, or use <model type='ivshmem-doorbell'/>")
    elif node.msi is not None and node.server is None:
        diags.add(SEM323, f"<shmem name='{node.name}'> has <msi> without a <server>: its"
                  " interrupts come from the ivshmem server", node.msi.span,
                  hint="remove <msi>, or add a <server> (ivshmem-doorbell)")
    if model is ShmemModel.IVSHMEM_DOORBELL and size is not None:
        diags.add(SEM323, f"<shmem name='{node.name}'> of model 'ivshmem-doorbell' has a"
                  " <size>: its memory and size are the ivshmem server's", size.span,
                  hint="remove <size>; the server's -l option sizes the memory")
