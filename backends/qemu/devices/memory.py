"""<devices><memory> → a memory backend object and its device (compiler/devices/memory.py).

    <memory model='dimm'>                       -object memory-backend-ram,id=memdimm0,size=1073741824
      <target><size unit='GiB'>1</size>         -device pc-dimm,node=0,memdev=memdimm0,id=dimm0,slot=0
        <node>0</node></target>
    </memory>
    <memory model='virtio-mem'> … <block>, <requested>   -device virtio-mem-pci,…,block-size=,requested-size=

As libvirt writes them (tests/corpus/native/memory-hotplug-dimm.argv): the backend is
`mem<alias>` and follows <memoryBacking> (huge pages, memfd, shared access) like the main
RAM, with the device's own access= and discard= winning; a <source><pagesize> picks the
huge page size for this device alone. nvdimm, virtio-pmem and sgx-epc are not built yet
(QEMU320).
"""
from __future__ import annotations

from typing import List

from ....compiler.devices.memory import MemoryAccessMode, MemoryDevice, MemoryModel
from ....compiler.ir import Domain
from ....compiler.node import replace
from ....compiler.rules.codes import QEMU320
from ..context import QemuContext
from ..dialects import Cap
from ....compiler.memory import numa_cells
from ..memory import backend_object
from ..opts import Option, Opts
from . import device_id, not_compiled, placement

DRIVER = {MemoryModel.DIMM: "pc-dimm", MemoryModel.VIRTIO_MEM: "virtio-mem-pci"}


def build(node: MemoryDevice, domain: Domain, ctx: QemuContext) -> List[Option]:
    driver = DRIVER.get(node.model)
    if driver is None:
        ctx.diags.add(QEMU320, f"<memory model='{node.model.value}'> is valid libvirt XML,"
                      " but virtc does not compile this memory device model for QEMU yet",
                      node.span, hint="use model='dimm' or 'virtio-mem', or start this guest"
                      " with libvirt")
        return []
    if not ctx.has(Cap.MEM_HOTPLUG):
        ctx.unsupported(node.span, f"<memory model='{node.model.value}'>",
                        "choose --qemu-version 2.12 or later")
        return []
    source = node.source
    if source is not None and (source.nodemask is not None or source.path is not None
                               or source.alignsize_kib is not None or source.pmem):
        ctx.diags.add(QEMU320, "<source> of a memory device with a nodemask, path, alignsize"
                      " or pmem is not compiled yet", source.span,
                      hint="keep only <pagesize> in <source>")
        return []
    alias = device_id(node.info, node.span, ctx)
    obj = f"mem{alias}"
    shared = None if node.access is None else node.access is MemoryAccessMode.SHARED
    view = _with_pagesize(domain, node)
    backend = backend_object(obj, node.size_kib, view, ctx, cell=_node(node), span=node.span,
                             shared=shared, discard=node.discard)
    if not backend:
        return []
    props = [("node", _node(node) if node.target.node is not None or numa_cells(domain)
              else None), ("memdev", obj), ("id", alias)]
    if node.model is MemoryModel.DIMM:
        not_compiled(node, ctx, honoured=("alias", "address"))
        address = node.info.address
        if address is not None and address.type != "dimm":
            ctx.diags.add(QEMU320, f"a DIMM at <address type='{address.type}'>: only"
                          " type='dimm' addresses place a DIMM", address.span,
                          hint="use <address type='dimm' slot='N'/>, or none")
            return []
        props += [("slot", node.slot),
                  ("addr", address.get("base") if address is not None else None)]
        return backend + [Option("-device", Opts.of(driver, *props), node.span)]
    not_compiled(node, ctx, honoured=("alias", "address"))
    where = placement(node.info, domain, ctx, "<memory model='virtio-mem'>")
    if where is None:
        return []
    t = node.target
    props += [("block-size", f"{t.block_kib}k" if t.block_kib else None),
              ("requested-size", f"{t.requested_kib}k" if t.requested_kib is not None
               else None)]
    return backend + [Option("-device", Opts.of(driver, *props, *where), node.span)]


def _node(node: MemoryDevice) -> int:
    return node.target.node.id if node.target.node is not None else 0


def _with_pagesize(domain: Domain, node: MemoryDevice) -> Domain:
    """The domain as this device's backend sees it: its <source><pagesize> (a huge page size
    for this device alone) stands in for <memoryBacking>'s pages."""
    size = node.source.pagesize_kib if node.source is not None else None
    if size is None:
        return domain
    from ....compiler.memory import HugePage, HugePages, MemoryBacking

    backing = domain.memory_backing or MemoryBacking()
    pages = HugePages(pages=(HugePage(size=size, unit="KiB", span=node.source.span),),
                      span=node.source.span)
    return replace(domain, memory_backing=replace(backing, hugepages=pages))
