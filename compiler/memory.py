"""The domain's memory and I/O threads: IR nodes, lowering, writer and semantic rules.

    <maxMemory slots='16' unit='KiB'>16777216</maxMemory>
    <memory unit='KiB'>1524288</memory>
    <currentMemory unit='KiB'>524288</currentMemory>
    <memoryBacking>
      <hugepages><page size='2048' unit='KiB' nodeset='0'/></hugepages>
      <nosharepages/> <locked/>
      <source type='file|anonymous|memfd'/> <access mode='shared|private'/>
      <allocation mode='immediate|ondemand' threads='8'/> <discard/>
    </memoryBacking>
    <iothreads>4</iothreads>
    <iothreadids><iothread id='2' thread_pool_min='2' thread_pool_max='32'>
      <poll max='50000' grow='2' shrink='2'/></iothread></iothreadids>

<memory> and <currentMemory> stay plain fields of the Domain (`memory_kib`,
`current_memory_kib`: every backend reads them); the rest is here, each element a node with
its own span, read and written through one mapping (compiler/devices/xmlmap.py). The NUMA
cells are <cpu>'s (the cpu module lowers them); the backends place memory in them.

Schema: schemas/domain/general.xsd. Builders: backends/qemu/memory.py (-m, the memory
backends, -overcommit, iothread objects, -numa), backends/xen/memory.py (memory, maxmem,
vnuma). <memtune> is host-side tuning that neither QEMU nor Xen takes: it stays unread, and
each backend warns about it (QEMU321, XEN441).
"""
from __future__ import annotations

from typing import ClassVar, Optional, Tuple

from .diagnostics import Severity, Span
from .ir import NOWHERE, Written, span_of
from .node import Choice, Node, NotCompared, replace
from .rules.codes import Code
from .devices.xmlmap import Attr, Children, Flag, lower as by_mapping, write as write_node


class MemorySource(Choice):
    """<memoryBacking><source type>: what QEMU allocates guest RAM from."""

    FILE = "file"
    ANONYMOUS = "anonymous"
    MEMFD = "memfd"


class MemoryAccess(Choice):
    """<memoryBacking><access mode>: whether guest RAM is mapped shared (vhost-user needs it)."""

    SHARED = "shared"
    PRIVATE = "private"


class AllocationMode(Choice):
    """<memoryBacking><allocation mode>: immediate preallocates all of guest RAM at start."""

    IMMEDIATE = "immediate"
    ONDEMAND = "ondemand"


class MaxMemory(Node):
    """<maxMemory slots=…>: the ceiling memory hotplug may reach, and its DIMM slots."""

    TAG: ClassVar[str] = "maxMemory"
    size_kib: int
    slots: int
    span: Span = NOWHERE


class HugePage(Node):
    """<page size unit nodeset>: back guest RAM (of the NUMA cells in nodeset) with huge
    pages of this size; the size is kept as written, its unit defaults to KiB."""

    TAG: ClassVar[str] = "page"
    XML: ClassVar[tuple] = (Attr("size", "size", int), Attr("unit", "unit"),
                            Attr("nodeset", "nodeset"))
    size: int = 0
    unit: Optional[str] = None
    nodeset: Optional[str] = None
    span: Span = NOWHERE

    @property
    def size_kib(self) -> int:
        from .reader import kib_up, size_bytes

        return kib_up(size_bytes(str(self.size), self.unit or "KiB"))


class HugePages(Node):
    """<hugepages>: huge pages of the host's default size, or the <page>s listed."""

    TAG: ClassVar[str] = "hugepages"
    XML: ClassVar[tuple] = (Children("pages", HugePage),)
    pages: Tuple[HugePage, ...] = ()
    span: Span = NOWHERE

    def page_for(self, cell: Optional[int]) -> Optional[HugePage]:
        """The <page> that applies to NUMA cell `cell` (None: the whole guest): the one whose
        nodeset names it, else the one without a nodeset. None means the default size."""
        for page in self.pages:
            if page.nodeset is not None and cell is not None and cell in id_set(page.nodeset):
                return page
        return next((p for p in self.pages if p.nodeset is None), None)


class Source(Node):
    TAG: ClassVar[str] = "source"
    XML: ClassVar[tuple] = (Attr("type", "type", MemorySource),)
    type: MemorySource = MemorySource.ANONYMOUS
    span: Span = NOWHERE


class Access(Node):
    TAG: ClassVar[str] = "access"
    XML: ClassVar[tuple] = (Attr("mode", "mode", MemoryAccess),)
    mode: MemoryAccess = MemoryAccess.PRIVATE
    span: Span = NOWHERE


class Allocation(Node):
    TAG: ClassVar[str] = "allocation"
    XML: ClassVar[tuple] = (Attr("mode", "mode", AllocationMode), Attr("threads", "threads", int))
    mode: Optional[AllocationMode] = None
    threads: Optional[int] = None
    span: Span = NOWHERE


class MemoryBacking(Node):
    """<memoryBacking>: how the host backs guest RAM."""

    TAG: ClassVar[str] = "memoryBacking"
    hugepages: Optional[HugePages] = None
    nosharepages: bool = False        # no KSM merging: -machine mem-merge=off
    locked: bool = False              # mlock guest RAM: -overcommit mem-lock=on
    source: Optional[Source] = None
    access: Optional[Access] = None
    allocation: Optional[Allocation] = None
    discard: bool = False             # drop the backing file's pages at exit: discard-data
    span: Span = NOWHERE

    @property
    def shared(self) -> Optional[bool]:
        """share=on/off for every memory backend, None when the document doesn't say."""
        return None if self.access is None else self.access.mode is MemoryAccess.SHARED

    @property
    def prealloc(self) -> bool:
        """libvirt preallocates huge pages, and all of RAM with allocation mode='immediate'."""
        mode = self.allocation.mode if self.allocation else None
        return mode is AllocationMode.IMMEDIATE or (self.hugepages is not None
                                                     and mode is not AllocationMode.ONDEMAND)

    @property
    def source_type(self) -> MemorySource:
        return self.source.type if self.source else MemorySource.ANONYMOUS


class IOThreadPoll(Node):
    """<poll max grow shrink>: adaptive polling of one I/O thread (libvirt 9.4)."""

    TAG: ClassVar[str] = "poll"
    XML: ClassVar[tuple] = (Attr("max", "max", int), Attr("grow", "grow", int),
                            Attr("shrink", "shrink", int))
    max: Optional[int] = None
    grow: Optional[int] = None
    shrink: Optional[int] = None
    span: Span = NOWHERE


class IOThread(Node):
    """<iothread id=…>: one I/O thread, with its worker pool bounds."""

    TAG: ClassVar[str] = "iothread"
    XML: ClassVar[tuple] = (Attr("id", "id", int),
                            Attr("thread_pool_min", "thread_pool_min", int),
                            Attr("thread_pool_max", "thread_pool_max", int))
    id: int = 0
    thread_pool_min: Optional[int] = None
    thread_pool_max: Optional[int] = None
    poll: Optional[IOThreadPoll] = None
    span: Span = NOWHERE


class IOThreads(Node):
    """<iothreads>N</iothreads> and <iothreadids>: the guest's I/O threads, each named."""

    count: int = 0                      # <iothreads>, as written (0 when absent)
    ids: Tuple[IOThread, ...] = ()      # <iothreadids>, as written
    span: Span = NOWHERE                # <iothreads>, else <iothreadids>
    # Where <iothreads> and <iothreadids> were written.
    at: Tuple[Written, ...] = NotCompared(())
    span_of = span_of

    def all(self) -> Tuple[IOThread, ...]:
        """Every I/O thread, as libvirt's post-parse completes them: the listed ids, then
        the lowest unused ids until there are `count` (virDomainDefPostParseIOThreads)."""
        threads = list(self.ids)
        used = {t.id for t in threads}
        candidate = 1
        while len(threads) < self.count:
            if candidate not in used:
                threads.append(IOThread(id=candidate, span=self.span))
                used.add(candidate)
            candidate += 1
        return tuple(threads)


def id_set(text: str) -> frozenset:
    """The numbers of a libvirt cpuset/nodeset such as "0-3,^2,5" (the schema checked it)."""
    wanted, unwanted = set(), set()
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        into = unwanted if part.startswith("^") else wanted
        first, _, last = part.lstrip("^").partition("-")
        into.update(range(int(first), int(last or first) + 1))
    return frozenset(wanted - unwanted)


def numa_cells(domain) -> tuple:
    """The guest's NUMA cells (the cpu module lowers <cpu><numa>), in document order."""
    cpu = getattr(domain, "cpu", None)
    numa = getattr(cpu, "numa", None) if cpu is not None else None
    return tuple(getattr(numa, "cells", numa) or ()) if numa is not None else ()


def siblings(cell) -> tuple:
    """A NUMA cell's <distances><sibling>s (the cpu module's NumaDistances node), or ()."""
    distances = getattr(cell, "distances", None)
    return tuple(getattr(distances, "siblings", distances) or ())


# Codes of this module: its semantic rules, and what its backend builders report
# (backends/qemu/memory.py, backends/xen/memory.py). Documented in rules() below.
SEM250 = Code("SEM250", Severity.ERROR)
SEM251 = Code("SEM251", Severity.ERROR)
SEM252 = Code("SEM252", Severity.ERROR)
QEMU370 = Code("QEMU370", Severity.INFO)
QEMU371 = Code("QEMU371", Severity.ERROR)
QEMU372 = Code("QEMU372", Severity.ERROR)
XEN480 = Code("XEN480", Severity.WARNING)


# ------------------------------------------------------------------------ lowering

def lower(r, root, domain):
    """`domain` with the memory and I/O thread nodes read from <domain> `root`."""
    max_el = r.peek(root, "maxMemory")
    backing_el = r.peek(root, "memoryBacking")
    changes = {}
    if max_el is not None:
        r.use(max_el)
        changes["max_memory"] = MaxMemory(size_kib=r.size_kib(max_el),
                                          slots=int(r.attr(max_el, "slots")), span=r.span(max_el))
    if backing_el is not None:
        changes["memory_backing"] = _lower_backing(r, backing_el)
    threads = _lower_iothreads(r, root)
    if threads is not None:
        changes["iothreads"] = threads
    return replace(domain, **changes) if changes else domain


def _lower_backing(r, el) -> MemoryBacking:
    r.use(el)
    huge = r.peek(el, "hugepages")
    values = {}
    if huge is not None:
        values["hugepages"] = by_mapping(HugePages, r, huge)
    for tag in ("nosharepages", "locked", "discard"):
        values[tag] = Flag(tag, tag).read(r, el) or False
    for tag, cls in (("source", Source), ("access", Access), ("allocation", Allocation)):
        sub = r.peek(el, tag)
        if sub is not None:
            values[tag] = by_mapping(cls, r, sub)
    return MemoryBacking(span=r.span(el), **values)


def _lower_iothreads(r, root) -> Optional[IOThreads]:
    count_el = r.child(root, "iothreads")
    ids_el = r.child(root, "iothreadids")
    if count_el is None and ids_el is None:
        return None
    ids = ()
    if ids_el is not None:
        ids = tuple(_lower_iothread(r, t) for t in r.children(ids_el, "iothread"))
    return IOThreads(count=int(r.text(count_el).strip()) if count_el is not None else 0,
                     ids=ids, span=r.span(count_el if count_el is not None else ids_el),
                     at=tuple(Written(tag, r.span(el)) for tag, el in (
                         ("iothreads", count_el), ("iothreadids", ids_el)) if el is not None))


def _lower_iothread(r, el) -> IOThread:
    poll = r.peek(el, "poll")
    extra = {"poll": by_mapping(IOThreadPoll, r, poll)} if poll is not None else {}
    return by_mapping(IOThread, r, el, **extra)


# -------------------------------------------------------------------------- writer

def write_elements(domain) -> list:
    """The lxml elements of <maxMemory> and <memoryBacking>, for the domain writer."""
    from lxml import etree

    out = []
    m = domain.max_memory
    if m is not None:
        el = etree.Element("maxMemory", slots=str(m.slots), unit="KiB")
        el.text = str(m.size_kib)
        out.append(el)
    b = domain.memory_backing
    if b is not None:
        el = etree.Element("memoryBacking")
        if b.hugepages is not None:
            write_node(b.hugepages, el)
        for tag in ("nosharepages", "locked"):
            Flag(tag, tag).write(getattr(b, tag), el)
        for sub in (b.source, b.access, b.allocation):
            if sub is not None:
                write_node(sub, el)
        Flag("discard", "discard").write(b.discard, el)
        out.append(el)
    return out


def write_iothreads(domain) -> list:
    """The lxml elements of <iothreads> and <iothreadids>."""
    from lxml import etree

    t = domain.iothreads
    if t is None:
        return []
    out = []
    if t.count:
        el = etree.Element("iothreads")
        el.text = str(t.count)
        out.append(el)
    if t.ids:
        ids = etree.Element("iothreadids")
        for thread in t.ids:
            el = write_node(thread, ids)
            if thread.poll is not None:
                write_node(thread.poll, el)
        out.append(ids)
    return out


# ------------------------------------------------------------------ semantic rules

def check(dom, diags) -> None:
    """libvirt's own checks of these elements (domain_postparse.c, domain_conf.c)."""
    m = dom.max_memory
    if m is not None and m.size_kib < dom.memory_kib:
        diags.add(SEM250, f"<maxMemory> {m.size_kib} KiB is less than <memory>"
                  f" {dom.memory_kib} KiB", m.span,
                  hint="maxMemory is the ceiling memory hotplug can reach: make it at least"
                       " <memory>")
    threads = dom.iothreads
    if threads is not None:
        seen = set()
        for thread in threads.ids:
            if thread.id == 0:
                diags.add(SEM251, "<iothread id='0'>: I/O thread ids start at 1", thread.span,
                          hint="number the I/O threads 1, 2, …")
            elif thread.id in seen:
                diags.add(SEM251, f"<iothread id='{thread.id}'> is listed twice", thread.span,
                          hint="give each I/O thread its own id")
            seen.add(thread.id)
    b = dom.memory_backing
    if b is not None and b.hugepages is not None:
        _check_pages(b.hugepages, diags)


def _check_pages(huge: HugePages, diags) -> None:
    """libvirt: at most one <page> without a nodeset, and the page sizes named once per node."""
    default = [p for p in huge.pages if p.nodeset is None]
    for page in default[1:]:
        diags.add(SEM252, "<hugepages> has more than one <page> without a nodeset",
                  page.span, hint="give every <page> but one a nodeset='…' of NUMA cells")


def rules():
    """The rules of this module and of its backend builders (for the registry)."""
    from .rules import Rule

    return (
        Rule(SEM250, "max-memory-below-memory",
             "<maxMemory> is smaller than <memory>",
             "maxMemory is the ceiling that memory hotplug can reach; libvirt refuses a"
             " ceiling below the memory the guest already has.",
             "<maxMemory slots='4' unit='GiB'>1</maxMemory><memory unit='GiB'>2</memory>",
             "raise maxMemory to at least <memory>, or drop it"),
        Rule(SEM251, "iothread-id-invalid",
             "an <iothread id> is 0 or listed twice in <iothreadids>",
             "each I/O thread is named by its id (iothread1, iothread2, …) and disks refer to"
             " it; libvirt refuses id 0 and duplicates.",
             "<iothreadids><iothread id='1'/><iothread id='1'/></iothreadids>",
             "number the I/O threads 1, 2, … once each"),
        Rule(SEM252, "hugepages-default-page-twice",
             "more than one <hugepages><page> without a nodeset",
             "a <page> without nodeset is the size for every NUMA cell not named elsewhere;"
             " two of them contradict each other, and libvirt refuses the domain.",
             "<hugepages><page size='2' unit='M'/><page size='1' unit='G'/></hugepages>",
             "give each <page> but one a nodeset"),
        Rule(QEMU370, "memory-path-chosen",
             "virtc chose the host directory that backs guest RAM with files or huge pages",
             "libvirt takes that directory from the host: the hugetlbfs mount of each page"
             " size, or qemu.conf's memory_backing_dir for <source type='file'>. virtc has"
             " no host to ask, so it names the usual place, and the guest starts only where"
             " that directory exists (hugetlbfs mounted with that page size).",
             "<memoryBacking><hugepages/></memoryBacking>",
             "mount hugetlbfs at the named path, or compile with <source type='memfd'/>"),
        Rule(QEMU371, "memory-backing-unsupported-here",
             "a <memoryBacking> or NUMA setting this dialect's memory option can't carry",
             "old QEMU put guest RAM in a file only with -mem-path and had no memory"
             " backend on -machine: shared access, memfd, discard and NUMA placement"
             " need memory backend objects (QEMU 2.1+, on -machine from 5.0).",
             "virtc compile --qemu-version 1.1 with <memoryBacking><access mode='shared'/>",
             "choose a newer --qemu-version, or drop the setting"),
        Rule(QEMU372, "memory-device-without-max-memory",
             "a <memory> device with no <maxMemory>, or more devices than its slots",
             "QEMU plugs DIMMs into the hotplug area that -m slots=,maxmem= reserves;"
             " without it (or beyond its slots) QEMU refuses to start, as libvirt does.",
             "<devices><memory model='dimm'>…</memory></devices> and no <maxMemory>",
             "add <maxMemory slots='N' unit='GiB'>…</maxMemory> with room for the devices"),
        Rule(XEN480, "xen-max-memory",
             "<maxMemory> in a Xen guest",
             "xm and xl have no memory hotplug area: maxmem is the balloon ceiling, which"
             " libvirt's Xen driver takes from <memory>, not from <maxMemory>. The guest"
             " starts with its memory, but can't have DIMMs plugged in.",
             "<domain type='xen'><maxMemory slots='2' unit='GiB'>4</maxMemory>…",
             "drop <maxMemory>; raise <memory> for a higher balloon ceiling"),
    )
