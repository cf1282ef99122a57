"""<devices><memory>: memory devices (DIMMs and their kin) plugged into the hotplug area.

    <memory model='dimm' access='shared' discard='yes'>
      <source><pagesize unit='KiB'>2048</pagesize><nodemask>0</nodemask></source>
      <target><size unit='KiB'>1048576</size><node>0</node></target>
      <address type='dimm' slot='0' base='0x100000000'/>
    </memory>

Not the domain's <memory> size element (compiler/memory.py): this one sits in <devices>.
Its size counts in the domain's <memory> (libvirt's total), so the backends start the guest
with <memory> minus the devices' sizes and plug the devices on top, within <maxMemory>.

Schema: schemas/domain/memorydev.xsd. Builder: backends/qemu/devices/memory.py (pc-dimm,
nvdimm, virtio-mem); Xen has none (XEN440: xm and xl have no memory hotplug).
"""
from __future__ import annotations

from typing import ClassVar, Optional

from ..diagnostics import Span
from ..ir import NOWHERE
from ..node import Choice, Node, replace
from .info import EMPTY, DeviceInfo
from .xmlmap import Attr, Child, Flag, Info, Size, Text, yes_no


class MemoryModel(Choice):
    DIMM = "dimm"
    NVDIMM = "nvdimm"
    VIRTIO_PMEM = "virtio-pmem"
    VIRTIO_MEM = "virtio-mem"
    SGX_EPC = "sgx-epc"


class MemoryAccessMode(Choice):
    SHARED = "shared"
    PRIVATE = "private"


class NodeMask(Node):
    """<nodemask>: the host NUMA nodes to allocate from (host-side placement)."""

    TAG: ClassVar[str] = "nodemask"
    XML: ClassVar[tuple] = (Text("nodes"),)
    nodes: Optional[str] = None
    span: Span = NOWHERE


class Path(Node):
    TAG: ClassVar[str] = "path"
    XML: ClassVar[tuple] = (Text("path"),)
    path: Optional[str] = None
    span: Span = NOWHERE


class MemorySource(Node):
    """<source>: where the device's memory comes from on the host."""

    TAG: ClassVar[str] = "source"
    XML: ClassVar[tuple] = (Size("pagesize_kib", "pagesize"), Child("nodemask", NodeMask),
                            Child("path", Path), Size("alignsize_kib", "alignsize"),
                            Flag("pmem", "pmem"))
    pagesize_kib: Optional[int] = None
    nodemask: Optional[NodeMask] = None
    path: Optional[Path] = None
    alignsize_kib: Optional[int] = None
    pmem: Optional[bool] = None
    span: Span = NOWHERE


class GuestNode(Node):
    TAG: ClassVar[str] = "node"
    XML: ClassVar[tuple] = (Text("text"),)
    text: Optional[str] = None
    span: Span = NOWHERE

    @property
    def id(self) -> int:
        return int((self.text or "0").strip())


class Label(Node):
    TAG: ClassVar[str] = "label"
    XML: ClassVar[tuple] = (Size("size_kib", "size"),)
    size_kib: Optional[int] = None
    span: Span = NOWHERE


class MemoryTarget(Node):
    """<target>: what the guest sees: the size, the guest NUMA node, and per model more."""

    TAG: ClassVar[str] = "target"
    XML: ClassVar[tuple] = (Size("size_kib", "size"), Child("node", GuestNode),
                            Size("block_kib", "block"), Size("requested_kib", "requested"),
                            Child("label", Label), Flag("readonly", "readonly"))
    size_kib: int = 0
    node: Optional[GuestNode] = None
    block_kib: Optional[int] = None          # virtio-mem block size
    requested_kib: Optional[int] = None      # virtio-mem: how much the guest should use
    label: Optional[Label] = None            # nvdimm label area
    readonly: Optional[bool] = None          # nvdimm
    span: Span = NOWHERE


class MemoryDevice(Node):
    """One <memory> device."""

    TAG: ClassVar[str] = "memory"
    XML: ClassVar[tuple] = (
        Attr("model", "model", MemoryModel),
        Attr("access", "access", MemoryAccessMode),
        Attr("discard", "discard", yes_no),
        Child("source", MemorySource),
        Child("target", MemoryTarget),
        Info(),
    )
    model: MemoryModel = MemoryModel.DIMM
    access: Optional[MemoryAccessMode] = None
    discard: Optional[bool] = None
    source: Optional[MemorySource] = None
    target: MemoryTarget = MemoryTarget()
    info: DeviceInfo = EMPTY
    span: Span = NOWHERE

    @property
    def size_kib(self) -> int:
        return self.target.size_kib

    @property
    def slot(self) -> Optional[int]:
        address = self.info.address
        if address is None or address.type != "dimm" or address.get("slot") is None:
            return None
        return int(address.get("slot"), 0)


NODE = MemoryDevice

# libvirt's alias prefixes (qemuAssignDeviceMemoryAlias).
ALIAS_PREFIX = {MemoryModel.DIMM: "dimm", MemoryModel.NVDIMM: "nvdimm",
                MemoryModel.VIRTIO_PMEM: "virtiopmem", MemoryModel.VIRTIO_MEM: "virtiomem",
                MemoryModel.SGX_EPC: "epc"}


def postparse(node: MemoryDevice, index: int, domain) -> MemoryDevice:
    """Defaults, as libvirt applies them:

    - alias: the model's prefix and the device's index among the memory devices
      (`dimm0`, `virtiomem1`; qemuAssignDeviceMemoryAlias);
    - slot: a DIMM or NVDIMM without <address type='dimm' slot> takes the lowest slot no
      other memory device of the domain names, counting the devices in order
      (qemuDomainAssignMemorySlots), so that the argv says where each DIMM sits.
    """
    from .info import Address

    info = replace(node.info, alias=node.info.alias or f"{ALIAS_PREFIX[node.model]}{index}")
    address = node.info.address
    if (node.model in (MemoryModel.DIMM, MemoryModel.NVDIMM) and node.slot is None
            and (address is None or address.type == "dimm")):
        mems = [n for n in domain.devices.families if type(n) is MemoryDevice]
        taken = {n.slot for n in mems if n.slot is not None}
        before = [n for n in mems[:index] if n.slot is None
                  and n.model in (MemoryModel.DIMM, MemoryModel.NVDIMM)]
        free = [s for s in range(len(mems) + len(taken)) if s not in taken]
        slot = free[len(before)]
        base = address.attrs if address is not None else ()
        info = replace(info, address=Address("dimm", (("slot", str(slot)),) + base,
                                             address.span if address else node.span))
    return replace(node, info=info)
