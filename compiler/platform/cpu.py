"""<vcpu>, <vcpus> and <cpu>: how many vCPUs a guest has, where they may run, and what CPU
(model, features, topology, cache, NUMA cells) it sees.

    <vcpu placement='static' cpuset='0-3' current='2'>4</vcpu>
    <vcpus>
      <vcpu id='0' enabled='yes' hotpluggable='no' order='1'/>
    </vcpus>
    <cpu mode='custom' match='exact' check='partial' migratable='on'>
      <model fallback='allow' vendor_id='GenuineIntel'>Skylake-Client</model>
      <vendor>Intel</vendor>
      <topology sockets='1' dies='1' clusters='1' cores='2' threads='2'/>
      <cache level='3' mode='emulate'/>
      <feature policy='require' name='pcid'/>
      <numa>
        <cell id='0' cpus='0-1' memory='2' unit='GiB' memAccess='shared' discard='yes'>
          <distances><sibling id='0' value='10'/><sibling id='1' value='21'/></distances>
        </cell>
      </numa>
    </cpu>

Schema: schemas/domain/cpu.xsd and general.xsd. Builders: backends/qemu/platform/cpu.py,
backends/xen/platform/cpu.py. The IR keeps the maximum vCPU count where it always was
(`Domain.vcpus`); `Domain.vcpu` holds the rest of <vcpu> and <vcpus>, `Domain.cpu` the <cpu>.

Read and compiled: everything above. Left unread, so every backend reports it as not
compiled: <maxphysaddr>, deprecated_features=, a cell's <cache>, <numa><interconnects>.
<cputune> is host-side tuning (compiler/uncompiled.py): QEMU321/XEN441.

NUMA cells are lowered here (memory in KiB, whatever the unit) and rendered by the memory
module's builders (backends/qemu/memory.py -numa, backends/xen/memory.py xl vnuma).
"""
from __future__ import annotations

from typing import ClassVar, List, Optional, Tuple

from ..diagnostics import Diagnostics, Severity, Span
from ..node import Choice, Node, replace
from ..reader import NotLowered, Reader, kib_up, size_bytes
from ..rules.codes import Code
from ..devices.xmlmap import Attr, Child, Children, Text, lower as by_mapping, on_off, write, yes_no

NOWHERE = Span()


class VcpuPlacement(Choice):
    STATIC = "static"
    AUTO = "auto"


class CpuMode(Choice):
    CUSTOM = "custom"
    HOST_MODEL = "host-model"
    HOST_PASSTHROUGH = "host-passthrough"
    MAXIMUM = "maximum"


class CpuMatch(Choice):
    MINIMUM = "minimum"
    EXACT = "exact"
    STRICT = "strict"


class CpuCheck(Choice):
    NONE = "none"
    PARTIAL = "partial"
    FULL = "full"


class ModelFallback(Choice):
    ALLOW = "allow"
    FORBID = "forbid"


class FeaturePolicy(Choice):
    FORCE = "force"
    REQUIRE = "require"
    OPTIONAL = "optional"
    DISABLE = "disable"
    FORBID = "forbid"

    @property
    def enables(self) -> Optional[bool]:
        """True (force, require), False (disable, forbid), None (optional: the host's say)."""
        if self in (FeaturePolicy.FORCE, FeaturePolicy.REQUIRE):
            return True
        if self in (FeaturePolicy.DISABLE, FeaturePolicy.FORBID):
            return False
        return None


class CacheMode(Choice):
    EMULATE = "emulate"
    PASSTHROUGH = "passthrough"
    DISABLE = "disable"


class MemAccess(Choice):
    SHARED = "shared"
    PRIVATE = "private"


class SizeKiB(Node):
    """A size attribute with its unit attribute beside it (<cell memory='2' unit='GiB'>),
    read as KiB (rounded up, as libvirt does) and written back as KiB."""

    xml: str
    unit: str
    field: str

    def read(self, r: Reader, el) -> Optional[int]:
        value = r.attr(el, self.xml)
        if value is None:
            return None
        unit = r.token(el, self.unit) or "KiB"
        return kib_up(size_bytes(value, unit))

    def write(self, value: Optional[int], el) -> None:
        if value is not None:
            el.set(self.xml, str(value))
            el.set(self.unit, "KiB")


# ------------------------------------------------------------------ <vcpu>, <vcpus>

class VcpuEntry(Node):
    """One <vcpus><vcpu id enabled hotpluggable order/>: the state of one vCPU."""

    TAG: ClassVar[str] = "vcpu"
    XML: ClassVar[tuple] = (
        Attr("id", "id", int),
        Attr("enabled", "enabled", yes_no),
        Attr("hotpluggable", "hotpluggable", yes_no),
        Attr("order", "order", int),
    )
    id: int = 0
    enabled: bool = True
    hotpluggable: Optional[bool] = None
    order: Optional[int] = None
    span: Span = NOWHERE


class Vcpus(Node):
    """<vcpus>: one entry per vCPU, in document order."""

    TAG: ClassVar[str] = "vcpus"
    XML: ClassVar[tuple] = (Children("entries", VcpuEntry),)
    entries: Tuple[VcpuEntry, ...] = ()
    span: Span = NOWHERE


class Vcpu(Node):
    """<vcpu>'s attributes (its text, the maximum, is `Domain.vcpus`) and <vcpus>."""

    TAG: ClassVar[str] = "vcpu"
    XML: ClassVar[tuple] = (
        Attr("placement", "placement", VcpuPlacement),
        Attr("cpuset", "cpuset"),
        Attr("current", "current", int),
    )
    placement: Optional[VcpuPlacement] = None
    cpuset: Optional[str] = None        # host CPUs the vCPUs may run on, libvirt's syntax
    current: Optional[int] = None       # online at start; None: all (online_vcpus)
    states: Optional[Vcpus] = None      # <vcpus>
    span: Span = NOWHERE


# ------------------------------------------------------------------ <cpu>

class CpuModel(Node):
    TAG: ClassVar[str] = "model"
    XML: ClassVar[tuple] = (
        Attr("fallback", "fallback", ModelFallback),
        Attr("vendor_id", "vendor_id"),
        Text("name"),
    )
    name: Optional[str] = None
    fallback: Optional[ModelFallback] = None
    vendor_id: Optional[str] = None
    span: Span = NOWHERE


class CpuVendor(Node):
    TAG: ClassVar[str] = "vendor"
    XML: ClassVar[tuple] = (Text("name"),)
    name: Optional[str] = None
    span: Span = NOWHERE


class Topology(Node):
    """<topology>: dies is 1 unless written (libvirt's post-parse); clusters None (= 1)."""

    TAG: ClassVar[str] = "topology"
    XML: ClassVar[tuple] = (
        Attr("sockets", "sockets", int),
        Attr("dies", "dies", int),
        Attr("clusters", "clusters", int),
        Attr("cores", "cores", int),
        Attr("threads", "threads", int),
    )
    sockets: int = 1
    dies: Optional[int] = None
    clusters: Optional[int] = None
    cores: int = 1
    threads: int = 1
    span: Span = NOWHERE

    @property
    def total(self) -> int:
        return self.sockets * (self.dies or 1) * (self.clusters or 1) * self.cores * self.threads


class CpuCache(Node):
    TAG: ClassVar[str] = "cache"
    XML: ClassVar[tuple] = (Attr("level", "level", int), Attr("mode", "mode", CacheMode))
    level: Optional[int] = None
    mode: CacheMode = CacheMode.EMULATE
    span: Span = NOWHERE


class CpuFeature(Node):
    TAG: ClassVar[str] = "feature"
    XML: ClassVar[tuple] = (Attr("policy", "policy", FeaturePolicy), Attr("name", "name"))
    policy: FeaturePolicy = FeaturePolicy.REQUIRE
    name: str = ""
    span: Span = NOWHERE


class NumaSibling(Node):
    TAG: ClassVar[str] = "sibling"
    XML: ClassVar[tuple] = (Attr("id", "id", int), Attr("value", "value", int))
    id: int = 0
    value: int = 10
    span: Span = NOWHERE


class NumaDistances(Node):
    TAG: ClassVar[str] = "distances"
    XML: ClassVar[tuple] = (Children("siblings", NumaSibling),)
    siblings: Tuple[NumaSibling, ...] = ()
    span: Span = NOWHERE


class NumaCell(Node):
    """One guest NUMA node. `cpus` is libvirt's cpuset syntax ("0-3,^2"); `vcpus()` expands
    it. Post-parse: `id` is the cell's index when left out (libvirt's rule)."""

    TAG: ClassVar[str] = "cell"
    XML: ClassVar[tuple] = (
        Attr("id", "id", int),
        Attr("cpus", "cpus"),
        SizeKiB("memory", "unit", "memory_kib"),
        Attr("memAccess", "mem_access", MemAccess),
        Attr("discard", "discard", yes_no),
        Child("distances", NumaDistances),
    )
    id: Optional[int] = None
    cpus: Optional[str] = None
    memory_kib: int = 0
    mem_access: Optional[MemAccess] = None
    discard: Optional[bool] = None
    distances: Optional[NumaDistances] = None
    span: Span = NOWHERE

    def vcpus(self) -> Tuple[int, ...]:
        return parse_cpuset(self.cpus or "")

    def distance_to(self, other: int) -> Optional[int]:
        for sibling in self.distances.siblings if self.distances else ():
            if sibling.id == other:
                return sibling.value
        return None


class Numa(Node):
    TAG: ClassVar[str] = "numa"
    XML: ClassVar[tuple] = (Children("cells", NumaCell),)
    cells: Tuple[NumaCell, ...] = ()
    span: Span = NOWHERE


class Cpu(Node):
    """<cpu>. Post-parse (as libvirt's virCPUDefParseXML and qemuDomainDefCPUPostParse):
    mode 'custom' when left out; match 'exact' for a custom CPU with a model; topology dies
    and clusters 1. check= is libvirt's own comparison of the started guest's CPU with
    the definition; no QEMU or Xen option carries it, and the guest is the same."""

    TAG: ClassVar[str] = "cpu"
    XML: ClassVar[tuple] = (
        Attr("mode", "mode", CpuMode),
        Attr("match", "match", CpuMatch),
        Attr("check", "check", CpuCheck),
        Attr("migratable", "migratable", on_off),
        Child("model", CpuModel),
        Child("vendor", CpuVendor),
        Child("topology", Topology),
        Child("cache", CpuCache),
        Children("features", CpuFeature),
        Child("numa", Numa),
    )
    mode: Optional[CpuMode] = None
    match: Optional[CpuMatch] = None
    check: Optional[CpuCheck] = None
    migratable: Optional[bool] = None
    model: Optional[CpuModel] = None
    vendor: Optional[CpuVendor] = None
    topology: Optional[Topology] = None
    cache: Optional[CpuCache] = None
    features: Tuple[CpuFeature, ...] = ()
    numa: Optional[Numa] = None
    span: Span = NOWHERE

    @property
    def cells(self) -> Tuple[NumaCell, ...]:
        """The guest NUMA cells, in document order (none without <numa>)."""
        return self.numa.cells if self.numa is not None else ()

    def feature(self, name: str) -> Optional[CpuFeature]:
        return next((f for f in self.features if f.name == name), None)


# ------------------------------------------------------------------ cpusets

def parse_cpuset(text: str) -> Tuple[int, ...]:
    """libvirt's cpuset syntax ("0-3,^2,8") as sorted CPU numbers; ValueError if malformed."""
    chosen: set = set()
    removed: set = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            raise ValueError(f"empty item in cpuset {text!r}")
        target = removed if part.startswith("^") else chosen
        part = part.lstrip("^")
        first, sep, last = part.partition("-")
        lo, hi = int(first), int(last) if sep else int(first)
        if lo < 0 or hi < lo:
            raise ValueError(f"bad range {part!r} in cpuset {text!r}")
        target.update(range(lo, hi + 1))
    return tuple(sorted(chosen - removed))


def format_cpuset(cpus) -> str:
    """CPU numbers as libvirt's virBitmapFormat writes them: ranges, "0-3,8"."""
    out: List[str] = []
    ordered = sorted(set(cpus))
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        out.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ",".join(out)


def online_vcpus(domain) -> int:
    """The vCPUs online at start: <vcpu current>, else the maximum."""
    vcpu = domain.vcpu
    if vcpu is None or vcpu.current is None:
        return domain.vcpus
    return vcpu.current


# ------------------------------------------------------------------ lowering

def lower(r: Reader, root) -> dict:
    """The Domain fields this module owns: `vcpus` (the maximum), `vcpu`, `cpu`.

    A <cpu> whose values the IR can't hold (NotLowered) stays unread whole, so the backends
    report it; the same for <vcpus>.
    """
    fields: dict = {}
    vcpu_el = r.child(root, "vcpu")
    if vcpu_el is not None:
        fields["vcpus"] = int(r.text(vcpu_el).strip())
        vcpu = by_mapping(Vcpu, r, vcpu_el)
        vcpus_el = r.peek(root, "vcpus")
        if vcpus_el is not None:
            vcpu = replace(vcpu, states=_lower_whole(r, Vcpus, vcpus_el))
        if vcpu != Vcpu(span=vcpu.span):     # a bare <vcpu>N</vcpu> needs no node
            fields["vcpu"] = vcpu
    cpu_el = r.peek(root, "cpu")
    if cpu_el is not None:
        fields["cpu"] = _lower_whole(r, Cpu, cpu_el)
    return fields


def _lower_whole(r: Reader, cls, el):
    try:
        return by_mapping(cls, r, el)
    except NotLowered:
        r.forget(el)
        return None


# ------------------------------------------------------------------ post-parse

def postparse(domain):
    """Defaults, each as libvirt applies it:

    - <vcpu current>: the maximum when left out (virDomainDefSetVcpus); kept as None
      (a bare <vcpu> has no `Domain.vcpu` at all), read through `online_vcpus`, so that
      an imported Xen config and its XML read back are the same IR;
    - <vcpu placement>: 'static', libvirt's default, is kept as None (so a <vcpu
      placement='static'>2</vcpu> and a bare <vcpu>2</vcpu> are the same IR);
    - <cpu mode>: custom; match: exact for a custom CPU with a model (virCPUDefParseXML);
    - <topology dies>: 1 (virCPUDefParseXML); clusters stays None when not written (it
      means 1: libvirt 9.0 has no clusters, and its -smp has none unless written);
    - a NUMA cell's id: its index (libvirt requires ids 0..N-1 in order anyway).
    """
    changes: dict = {}
    vcpu = domain.vcpu
    if vcpu is not None and vcpu.placement is VcpuPlacement.STATIC:
        vcpu = replace(vcpu, placement=None)
        changes["vcpu"] = None if vcpu == Vcpu(span=vcpu.span) else vcpu
    cpu = domain.cpu
    if cpu is not None:
        mode = cpu.mode or CpuMode.CUSTOM
        match = cpu.match
        if match is None and mode is CpuMode.CUSTOM and cpu.model is not None:
            match = CpuMatch.EXACT
        topology = cpu.topology
        if topology is not None:
            topology = replace(topology, dies=topology.dies or 1)
        numa = cpu.numa
        if numa is not None:
            numa = replace(numa, cells=tuple(
                cell if cell.id is not None else replace(cell, id=index)
                for index, cell in enumerate(numa.cells)))
        changes["cpu"] = replace(cpu, mode=mode, match=match, topology=topology, numa=numa)
    return replace(domain, **changes) if changes else domain


# ------------------------------------------------------------------ rules

SEM260 = Code("SEM260", Severity.ERROR)   # topology != maximum vCPUs
SEM261 = Code("SEM261", Severity.ERROR)   # current > maximum
SEM262 = Code("SEM262", Severity.ERROR)   # a cpuset that doesn't parse
SEM263 = Code("SEM263", Severity.ERROR)   # NUMA cells vs vCPUs
SEM264 = Code("SEM264", Severity.ERROR)   # cache mode vs CPU mode
QEMU340 = Code("QEMU340", Severity.INFO)      # host-model: virtc's fallback
QEMU341 = Code("QEMU341", Severity.ERROR)     # hot-pluggable online vCPUs
XEN495 = Code("XEN495", Severity.ERROR)       # a <cpu> Xen can't express
XEN496 = Code("XEN496", Severity.WARNING)     # placement='auto' / cpuset on a target without it


def check(domain, diags: Diagnostics) -> None:
    """libvirt's own checks when it defines the domain (domain_validate.c, numa_conf.c)."""
    vcpu, cpu = domain.vcpu, domain.cpu
    span = vcpu.span if vcpu is not None and vcpu.span != NOWHERE else domain.span
    if vcpu is not None:
        if vcpu.current is not None and vcpu.current > domain.vcpus:
            diags.add(SEM261, f"<vcpu current='{vcpu.current}'> is more than the maximum, "
                      f"{domain.vcpus}", span,
                      hint=f"set current to at most {domain.vcpus}, or raise the maximum")
        if vcpu.cpuset is not None:
            _check_cpuset(vcpu.cpuset, "<vcpu cpuset>", span, diags)
    if cpu is None:
        return
    topo = cpu.topology
    if topo is not None and topo.total != domain.vcpus:
        diags.add(SEM260, f"<topology> gives {topo.total} vCPUs (sockets {topo.sockets} × "
                  f"dies {topo.dies or 1} × clusters {topo.clusters or 1} × cores {topo.cores}"
                  f" × threads {topo.threads}) but <vcpu> says {domain.vcpus}", topo.span,
                  hint="libvirt refuses this (\"CPU topology doesn't match maximum vcpu "
                       "count\"): make the product equal the <vcpu> maximum")
    if cpu.cache is not None:
        _check_cache(cpu, diags)
    _check_cells(domain, cpu, diags)


def _check_cpuset(text: str, what: str, span: Span, diags: Diagnostics) -> Optional[tuple]:
    try:
        cpus = parse_cpuset(text)
    except ValueError:
        cpus = None
    if not cpus:
        diags.add(SEM262, f"{what} '{text}' is not a CPU list", span,
                  hint="write CPU numbers and ranges, e.g. '0-3,^2,8'")
        return None
    return cpus


def _check_cache(cpu: Cpu, diags: Diagnostics) -> None:
    cache = cpu.cache
    host_like = cpu.mode in (CpuMode.HOST_PASSTHROUGH, CpuMode.MAXIMUM)
    if cache.mode is CacheMode.PASSTHROUGH and not host_like:
        diags.add(SEM264, f"<cache mode='passthrough'> needs <cpu mode='host-passthrough'> or "
                  f"'maximum', not '{cpu.mode.value}'", cache.span,
                  hint="use mode='emulate' level='3', or a host-passthrough CPU")
    elif cache.mode is CacheMode.EMULATE and cache.level != 3:
        diags.add(SEM264, "<cache mode='emulate'> needs level='3' (QEMU emulates only the L3 "
                  "cache)", cache.span, hint="write <cache level='3' mode='emulate'/>")
    elif cache.mode is not CacheMode.EMULATE and cache.level is not None:
        diags.add(SEM264, f"<cache mode='{cache.mode.value}'> takes no level", cache.span,
                  hint="remove level=")


def _check_cells(domain, cpu: Cpu, diags: Diagnostics) -> None:
    seen: dict = {}
    for index, cell in enumerate(cpu.cells):
        if cell.id != index:
            diags.add(SEM263, f"NUMA <cell id='{cell.id}'> is cell number {index}; libvirt "
                      "wants the ids 0, 1, 2… in order", cell.span,
                      hint=f"write id='{index}'")
        if cell.cpus is None:
            continue
        cpus = _check_cpuset(cell.cpus, f"<cell id='{cell.id}' cpus>", cell.span, diags)
        for n in cpus or ():
            if n >= domain.vcpus:
                diags.add(SEM263, f"NUMA <cell id='{cell.id}'> names vCPU {n}, but the guest"
                          f" has {domain.vcpus} (0-{domain.vcpus - 1})", cell.span,
                          hint="list only vCPUs below the <vcpu> maximum")
                break
            if n in seen:
                diags.add(SEM263, f"vCPU {n} is in NUMA cells {seen[n]} and {cell.id}",
                          cell.span, hint="give each vCPU to one cell")
                break
            seen[n] = cell.id


def rules():
    from ..rules import Rule

    return (
        Rule(SEM260, "cpu-topology-vcpu-mismatch",
             "<cpu><topology> whose product isn't the <vcpu> maximum",
             "libvirt refuses to define such a domain (\"CPU topology doesn't match maximum "
             "vcpu count\"); QEMU refuses an -smp whose topology doesn't add up.",
             "<vcpu>4</vcpu> … <topology sockets='1' cores='2' threads='1'/>",
             "make sockets × dies × clusters × cores × threads equal the <vcpu> maximum"),
        Rule(SEM261, "vcpu-current-above-maximum",
             "<vcpu current> larger than the <vcpu> maximum",
             "a guest can't have more vCPUs online than it has; libvirt refuses it.",
             "<vcpu current='8'>4</vcpu>",
             "lower current=, or raise the maximum"),
        Rule(SEM262, "cpuset-syntax",
             "a cpuset (<vcpu cpuset>, <cell cpus>) that is not a CPU list",
             "libvirt parses these as CPU numbers and ranges; anything else, or a set that "
             "ends up empty, is refused.",
             "<vcpu cpuset='0-'>2</vcpu>",
             "write numbers and ranges with optional exclusions: '0-3,^2,8'"),
        Rule(SEM263, "numa-cell-cpus",
             "guest NUMA cells with ids out of order, vCPUs beyond the maximum, or a vCPU in"
             " two cells",
             "libvirt requires cell ids 0..N-1 in order and each vCPU in at most one cell; "
             "QEMU refuses a node with a CPU the guest doesn't have.",
             "<vcpu>2</vcpu> … <cell id='0' cpus='0-3' memory='1048576'/>",
             "number the cells 0, 1, 2… and give each vCPU below the maximum to one cell"),
        Rule(SEM264, "cpu-cache-mode",
             "<cpu><cache> with a mode its CPU or level can't have",
             "libvirt's QEMU driver passes the host's caches through only for host-passthrough"
             " and maximum CPUs, and emulates only an L3 cache; it refuses the rest.",
             "<cpu mode='custom'><model>qemu64</model><cache mode='passthrough'/></cpu>",
             "use level='3' mode='emulate', mode='disable', or a host-passthrough CPU"),
        Rule(QEMU340, "cpu-host-model-fallback",
             "<cpu mode='host-model'> compiled without the host's expansion",
             "libvirt expands host-model into a named model plus the host's features from the"
             " emulator's domain capabilities on the host that starts the guest; virtc "
             "writes QEMU's closest equivalent instead: -cpu host under KVM (the host's CPU,"
             " migratable features only), -cpu max under TCG.",
             "<domain type='kvm'> … <cpu mode='host-model'/>",
             "nothing, if the host's CPU is what you meant; for a CPU that migrates across "
             "hosts, name a model with mode='custom'"),
        Rule(QEMU341, "vcpu-hotpluggable-online",
             "<vcpus> marks an online vCPU hot-pluggable",
             "libvirt starts such a vCPU as a separate -device after asking QEMU for the "
             "hot-pluggable CPU slots (query-hotpluggable-cpus), which a plain command line "
             "can't do in advance; virtc doesn't compile it.",
             "<vcpus><vcpu id='1' enabled='yes' hotpluggable='yes'/></vcpus>",
             "mark the online vCPUs hotpluggable='no', or plug them after start (QMP "
             "device_add)"),
        Rule(XEN495, "cpu-not-expressible-on-xen",
             "a <cpu> setting the Xen config can't carry",
             "Xen gives a guest the host's CPU (CPUID), adjusted by xl's cpuid= and nestedhvm="
             " keys. libvirt's Xen driver writes those from a host-passthrough CPU's "
             "features and ignores other modes, models and topologies, so the guest would "
             "not see the CPU described. xm has no such key at all.",
             "<domain type='xen'> … <cpu mode='custom'><model>Skylake-Client</model></cpu>",
             "use <cpu mode='host-passthrough'> with <feature> policies (xl), or drop <cpu>"),
        Rule(XEN496, "vcpu-placement-not-expressible",
             "<vcpu placement='auto'> on a Xen target",
             "automatic placement asks libvirt to pick host CPUs from numad's advice when the"
             " guest starts; an xm/xl config has no key for it (xl places vCPUs itself).",
             "<vcpu placement='auto'>2</vcpu>",
             "write the host CPUs with cpuset= (Xen's cpus key), or drop placement="),
    )
