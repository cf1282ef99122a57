"""Guest memory on the QEMU command line (compiler/memory.py's nodes, and the NUMA cells).

    <maxMemory slots='4' unit='KiB'>8388608</maxMemory>     -m size=2097152k,slots=4,maxmem=8388608k
    <memoryBacking><source type='memfd'/>                   -machine …,memory-backend=pc.ram
      <access mode='shared'/></memoryBacking>               -object memory-backend-memfd,id=pc.ram,
                                                                share=on,size=2147483648
    <memoryBacking><locked/>                                -overcommit mem-lock=on
    <memoryBacking><nosharepages/>                          -machine …,mem-merge=off
    <iothreads>2</iothreads>                                -object iothread,id=iothread1 (and 2)
    <cpu><numa><cell id='0' cpus='0-1' memory=…>            -object memory-backend-ram,id=ram-node0,…
                                                            -numa node,nodeid=0,cpus=0-1,memdev=ram-node0
      <distances><sibling id='1' value='21'/>               -numa dist,src=0,dst=1,val=21

As libvirt's qemuBuildMemCommandLine, qemuBuildMemoryBackendProps and
qemuBuildNumaCommandLine write them (tests/corpus/native/*.argv), with two differences that
the guest doesn't see: the main RAM gets a backend object only when <memoryBacking> asks for
something the plain `-m` can't do (libvirt 9.0 gives every non-NUMA guest one on QEMU 5.0+),
and `-overcommit mem-lock=off`, QEMU's default, is left out. Both keep the seed-era argv.

Sizes: the guest starts with <memory> minus the memory devices' sizes (libvirt's "initial
memory"; with NUMA cells, their sum) and the devices are plugged on top.
"""
from __future__ import annotations

from typing import List, Optional, Tuple

from ...compiler.ir import Domain
from ...compiler.memory import (QEMU370, QEMU371, QEMU372, MemorySource, id_set, numa_cells,
                                 siblings)
from ...compiler.rules.codes import QEMU316
from .context import QemuContext
from .dialects import Cap
from .opts import Option, Opts, Raw

# Where virtc puts RAM that lives in files: libvirt asks the host (the hugetlbfs mounts in
# /proc/mounts, qemu.conf's memory_backing_dir); these are the usual places.
HUGETLBFS = "/dev/hugepages"
MEMORY_BACKING_DIR = "/dev/shm"
DEFAULT_HUGEPAGE_KIB = 2048         # x86's default huge page


# ------------------------------------------------------------------ sizes

def device_kib(domain: Domain) -> int:
    """What the memory devices add: the sum of their target sizes."""
    from ...compiler.devices.memory import MemoryDevice

    return sum(m.size_kib for m in domain.devices.of(MemoryDevice))


def initial_kib(domain: Domain) -> int:
    """The RAM the guest boots with: the NUMA cells' sum, else <memory> minus the devices."""
    cells = numa_cells(domain)
    if cells:
        return sum(c.memory_kib for c in cells)
    return max(domain.memory_kib - device_kib(domain), 0)


# ------------------------------------------------------------------ -m and -overcommit

def build_memory(domain: Domain, ctx: QemuContext) -> List[Option]:
    from .machine import memory_argument

    from ...compiler.rules.codes import QEMU318

    initial = initial_kib(domain)
    m = domain.max_memory
    if m is None:
        opts = [Option("-m", Raw(memory_argument(initial, ctx)), domain.span)]
    elif not ctx.has(Cap.MEM_HOTPLUG):
        ctx.diags.add(QEMU371, f"<maxMemory slots='{m.slots}'> needs memory hotplug, which"
                      f" QEMU {ctx.dialect.version} doesn't have", m.span,
                      hint="choose --qemu-version 2.12 or later, or drop <maxMemory>")
        opts = []
    else:
        opts = [Option("-m", Opts.of(None, ("size", f"{initial}k"), ("slots", m.slots),
                                     ("maxmem", f"{m.size_kib}k")), m.span)]
    current = domain.current_memory_kib
    if current is not None and current < domain.memory_kib:
        # A balloon target needs a balloon device and a monitor command after start.
        ctx.diags.add(QEMU318, f"<currentMemory> {current} KiB is below <memory>"
                      f" {domain.memory_kib} KiB; QEMU starts the guest with all of <memory>",
                      domain.span_of("currentMemory"),
                      "set the balloon target after start (QMP `balloon`)")
    _check_devices(domain, ctx)
    opts += _main_ram(domain, initial, ctx)
    opts += _mem_lock(domain, ctx)
    return opts


def _check_devices(domain: Domain, ctx: QemuContext) -> None:
    from ...compiler.devices.memory import MemoryDevice

    mems = domain.devices.of(MemoryDevice)
    m = domain.max_memory
    if not mems:
        return
    if m is None:
        ctx.diags.add(QEMU372, f"<memory model='{mems[0].model.value}'> needs <maxMemory>:"
                      " QEMU plugs memory devices into the hotplug area it reserves",
                      mems[0].span, hint="add <maxMemory slots='N' unit='GiB'>…</maxMemory>")
        return
    if len(mems) > m.slots:
        ctx.diags.add(QEMU372, f"{len(mems)} memory devices don't fit <maxMemory"
                      f" slots='{m.slots}'>", mems[m.slots].span,
                      hint="raise slots=, or remove a memory device")
    if initial_kib(domain) + device_kib(domain) > m.size_kib:
        ctx.diags.add(QEMU372, f"<memory> and the memory devices ({initial_kib(domain)} +"
                      f" {device_kib(domain)} KiB) exceed <maxMemory> {m.size_kib} KiB",
                      m.span, hint="raise <maxMemory>, or make the devices smaller")


def _mem_lock(domain: Domain, ctx: QemuContext) -> List[Option]:
    b = domain.memory_backing
    if b is None or not b.locked:
        return []
    if ctx.has(Cap.OVERCOMMIT):
        return [Option("-overcommit", Opts.of(None, ("mem-lock", True)), b.span)]
    ctx.unsupported(b.span, "<memoryBacking><locked/> (-overcommit mem-lock=on)",
                    "the guest's memory may be swapped out; choose --qemu-version 3.1 or"
                    " later to lock it", rule=QEMU316)
    return []


def machine_props(domain: Domain, ctx: QemuContext) -> Tuple[Tuple[str, object], ...]:
    """The -machine properties of guest memory: mem-merge=off for <nosharepages/>, and
    memory-backend=pc.ram when the main RAM has its own backend object."""
    b = domain.memory_backing
    props = []
    if b is not None and b.nosharepages:
        props.append(("mem-merge", False))
    if _main_ram_object(domain, ctx):
        props.append(("memory-backend", "pc.ram"))
    return tuple(props)


# ------------------------------------------------------------------ memory backends

def _needs_backend(domain: Domain) -> bool:
    b = domain.memory_backing
    return b is not None and (b.hugepages is not None or b.source is not None
                              or b.access is not None or b.discard or b.prealloc)


def _main_ram_object(domain: Domain, ctx: QemuContext) -> bool:
    return (not numa_cells(domain) and _needs_backend(domain)
            and ctx.has(Cap.MACHINE_MEMORY_BACKEND))


def _main_ram(domain: Domain, initial: int, ctx: QemuContext) -> List[Option]:
    if numa_cells(domain) or not _needs_backend(domain):
        return []
    b = domain.memory_backing
    if ctx.has(Cap.MACHINE_MEMORY_BACKEND):
        return backend_object("pc.ram", initial, domain, ctx, cell=None, span=b.span)
    return _legacy_mem_path(domain, ctx)


def _legacy_mem_path(domain: Domain, ctx: QemuContext) -> List[Option]:
    """Before -machine memory-backend: huge pages through -mem-path, nothing else."""
    b = domain.memory_backing
    if b.access is not None or b.source_type is not MemorySource.ANONYMOUS or b.discard \
            or not ctx.has(Cap.MEM_PATH):
        ctx.diags.add(QEMU371, "<memoryBacking> with a source, access mode or discard needs"
                      f" a memory backend on -machine, which QEMU {ctx.dialect.version}"
                      " doesn't have", b.span,
                      hint="choose --qemu-version 5.0 or later, or drop those settings")
        return []
    opts = []
    if b.hugepages is not None:
        opts.append(Option("-mem-path", Raw(_hugepage_path(b.hugepages.page_for(None), b,
                                                             ctx)), b.hugepages.span))
    if b.prealloc:
        opts.append(Option("-mem-prealloc", None, b.span))
    return opts


def backend_object(obj_id: str, size_kib: int, domain: Domain, ctx: QemuContext, *,
                   cell: Optional[int], span, shared: Optional[bool] = None,
                   discard: Optional[bool] = None) -> List[Option]:
    """`-object memory-backend-ram|file|memfd,id=…` for `size_kib` of guest RAM in NUMA cell
    `cell` (None: outside any cell), as <memoryBacking> says; `shared` and `discard` are a
    cell's or device's own settings, which win over <memoryBacking>'s."""
    b = domain.memory_backing
    page = b.hugepages.page_for(cell) if b is not None and b.hugepages is not None else None
    huge = b is not None and b.hugepages is not None and (
        page is not None or not b.hugepages.pages or cell is None)
    source = b.source_type if b is not None else MemorySource.ANONYMOUS
    if shared is None and b is not None:
        shared = b.shared
    discard = discard if discard is not None else (b.discard if b is not None else False)
    props: List[Tuple[str, object]] = [("id", obj_id)]
    if source is MemorySource.MEMFD:
        if not ctx.has(Cap.MEMFD):
            ctx.unsupported(span, "<source type='memfd'>", "choose --qemu-version 2.12 or later")
            return []
        kind = "memory-backend-memfd"
        if huge:
            props += [("hugetlb", True),
                      ("hugetlbsize", page.size_kib * 1024 if page is not None else None)]
    elif huge or source is MemorySource.FILE:
        kind = "memory-backend-file"
        props.append(("mem-path", _hugepage_path(page, b, ctx) if huge
                      else _note_path(MEMORY_BACKING_DIR, "<source type='file'>", b.span, ctx)))
    else:
        kind = "memory-backend-ram"
    props.append(("share", shared))
    if b is not None and b.prealloc:
        props.append(("prealloc", True))
        threads = b.allocation.threads if b.allocation is not None else None
        if threads is not None and ctx.has(Cap.PREALLOC_THREADS):
            props.append(("prealloc-threads", threads))
    props.append(("size", size_kib * 1024))
    if discard and kind == "memory-backend-file":
        props.append(("discard-data", True))
    return [Option("-object", Opts.of(kind, *props), span)]


def _hugepage_path(page, backing, ctx: QemuContext) -> str:
    size = page.size_kib if page is not None else DEFAULT_HUGEPAGE_KIB
    path = HUGETLBFS if size == DEFAULT_HUGEPAGE_KIB else f"{HUGETLBFS}{_size_name(size)}"
    span = page.span if page is not None else backing.hugepages.span
    return _note_path(path, f"huge pages of {_size_name(size)}B", span, ctx)


def _size_name(kib: int) -> str:
    for unit, scale in (("G", 1024 * 1024), ("M", 1024)):
        if kib % scale == 0:
            return f"{kib // scale}{unit}"
    return f"{kib}K"


def _note_path(path: str, what: str, span, ctx: QemuContext) -> str:
    ctx.diags.add(QEMU370, f"{what}: guest RAM goes in a file under {path}", span,
                  hint=f"the guest starts only where {path} exists (hugetlbfs mounted with"
                       " that page size for huge pages); or use <source type='memfd'/>")
    return path


# ------------------------------------------------------------------ I/O threads

def build_iothreads(domain: Domain, ctx: QemuContext) -> List[Option]:
    threads = domain.iothreads
    if threads is None:
        return []
    if not ctx.has(Cap.IOTHREAD):
        ctx.unsupported(threads.span, "<iothreads>", "choose --qemu-version 2.12 or later",
                        rule=QEMU316)
        return []
    out = []
    for t in threads.all():
        pool = ((t.thread_pool_min, "thread_pool_min", "thread-pool-min"),
                (t.thread_pool_max, "thread_pool_max", "thread-pool-max"))
        props: List[Tuple[str, object]] = [("id", f"iothread{t.id}")]
        for value, attr, key in pool:
            if value is None:
                continue
            if ctx.has(Cap.IOTHREAD_POOL):
                props.append((key, value))
            else:
                ctx.unsupported(t.span, f"<iothread {attr}>", "choose --qemu-version 7.1 or"
                                " later", rule=QEMU316)
        if t.poll is not None:
            props += [("poll-max-ns", t.poll.max), ("poll-grow", t.poll.grow),
                      ("poll-shrink", t.poll.shrink)]
        out.append(Option("-object", Opts.of("iothread", *props), t.span))
    return out


# ------------------------------------------------------------------ NUMA

def build_numa(domain: Domain, ctx: QemuContext) -> List[Option]:
    cells = numa_cells(domain)
    if not cells:
        return []
    if not ctx.has(Cap.MEMORY_BACKEND):
        ctx.diags.add(QEMU371, "NUMA cells need memory backend objects, which QEMU"
                      f" {ctx.dialect.version} doesn't have", cells[0].span,
                      hint="choose --qemu-version 2.12 or later")
        return []
    out: List[Option] = []
    for cell in cells:
        obj = f"ram-node{cell.id}"
        out += backend_object(obj, cell.memory_kib, domain, ctx, cell=cell.id, span=cell.span,
                              shared=_cell_shared(cell), discard=getattr(cell, "discard", None))
        cpus = sorted(id_set(cell.cpus)) if getattr(cell, "cpus", None) else []
        props: List[Tuple[str, object]] = [("nodeid", cell.id)]
        props += [("cpus", r) for r in _ranges(cpus)]
        props.append(("memdev", obj))
        out.append(Option("-numa", Opts.of("node", *props), cell.span))
    out += _distances(cells, ctx)
    return out


def _cell_shared(cell) -> Optional[bool]:
    access = getattr(cell, "mem_access", None)
    if access is None:
        return None
    return getattr(access, "value", access) == "shared"


def _ranges(ids: List[int]) -> List[str]:
    """[0, 1, 2, 5] → ["0-2", "5"]: QEMU's cpus= takes one range each, repeated."""
    out: List[str] = []
    for n in ids:
        if out and n == int(out[-1].split("-")[-1]) + 1:
            out[-1] = f"{out[-1].split('-')[0]}-{n}"
        else:
            out.append(str(n))
    return out


def _distances(cells, ctx: QemuContext) -> List[Option]:
    out: List[Option] = []
    for cell in cells:
        for sibling in siblings(cell):
            if not ctx.has(Cap.NUMA_DIST):
                ctx.unsupported(sibling.span, "NUMA <distances>", "choose --qemu-version 2.12"
                                " or later", rule=QEMU316)
                return []
            out.append(Option("-numa", Opts.of("dist", ("src", cell.id), ("dst", sibling.id),
                                               ("val", sibling.value)), sibling.span))
    return out
