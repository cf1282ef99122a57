"""Guest memory end to end: <memory>/<currentMemory>/<maxMemory> with units, <memoryBacking>,
<iothreads>, memory devices (pc-dimm, virtio-mem) and NUMA placement: IR, lowering and
writer, semantic rules, the QEMU argv compared with libvirt's (tests/corpus/native) and
started in real QEMU (query-memory-size-summary and QOM read back), and xm/xl configs."""
from __future__ import annotations

import ast
import pathlib
import shlex

import pytest
from lxml import etree

import qemu_harness as harness
from qemuopts import IMPLIED, parse_opts
from virtc.backends.domainxml import format_domain
from virtc.backends.xen.parse_xl import parse_xl
from virtc.compiler import memory
from virtc.compiler.diagnostics import Diagnostics
from virtc.pipeline import compile_domain, load_bytes
from ir_facts import facts

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
GiB = 1024 * 1024 * 1024
MiB = 1024 * 1024


def doc(body: str = "", devices: str = "", memory_el: str = "<memory unit='MiB'>256</memory>",
        dtype: str = "qemu", os: str = "<type arch='x86_64' machine='pc'>hvm</type>") -> bytes:
    return f"""<domain type='{dtype}'>
  <name>mem</name>
  {memory_el}
  <vcpu>2</vcpu>
{body}
  <os>{os}</os>
  <features><acpi/></features>
  <devices>
{devices}
  </devices>
</domain>
""".encode()


def load(source: bytes):
    loaded = load_bytes(source, "mem.xml")
    assert loaded.ok, [str(d) for d in loaded.diagnostics]
    return loaded.node


def qemu(source: bytes, version: str = "7.2"):
    diags = Diagnostics()
    argv = compile_domain(load(source), "qemu", diags, qemu_version=version)
    return argv, diags


def values(argv, flag):
    return [argv[i + 1] for i, word in enumerate(argv) if word == flag]


def opts(argv, flag):
    """Each `flag`'s argument read as QEMU reads it: [(key, value), …] per occurrence."""
    return [parse_opts(v, IMPLIED[flag]) for v in values(argv, flag)]


def codes(diags):
    return [(d.code, d.span.line) for d in diags]


BACKING = """  <maxMemory slots='4' unit='GiB'>4</maxMemory>
  <memoryBacking>
    <hugepages><page size='2' unit='M'/><page size='1048576' nodeset='1'/></hugepages>
    <nosharepages/>
    <locked/>
    <source type='memfd'/>
    <access mode='shared'/>
    <allocation mode='immediate' threads='2'/>
    <discard/>
  </memoryBacking>
  <iothreads>3</iothreads>
  <iothreadids>
    <iothread id='4' thread_pool_min='1' thread_pool_max='8'><poll max='5000' grow='2' shrink='3'/></iothread>
  </iothreadids>"""


# ------------------------------------------------------------------ IR, lowering, writer

def test_lowering_reads_every_part_with_its_line():
    d = load(doc(BACKING))
    assert d.uncompiled == ()
    assert (d.max_memory.size_kib, d.max_memory.slots, d.max_memory.span.line) == (4 * MiB, 4, 5)
    b = d.memory_backing
    assert [(p.size_kib, p.nodeset, p.span.line) for p in b.hugepages.pages] == [
        (2048, None, 7), (1048576, "1", 7)]
    assert (b.nosharepages, b.locked, b.discard, b.prealloc, b.shared) == (True,) * 5
    assert b.source_type is memory.MemorySource.MEMFD
    assert (b.allocation.threads, b.allocation.span.line) == (2, 12)
    assert b.hugepages.page_for(1).size_kib == 1048576
    assert b.hugepages.page_for(0).size_kib == 2048
    t = d.iothreads
    # libvirt's post-parse completes <iothreads>3 with the lowest free ids after the listed.
    assert [x.id for x in t.all()] == [4, 1, 2]
    assert (t.ids[0].thread_pool_max, t.ids[0].poll.shrink, t.ids[0].span.line) == (8, 3, 17)


def test_units_are_read_as_libvirt_scales_them():
    d = load(doc(memory_el="<memory unit='GB'>1</memory><currentMemory unit='b'>1025"
                           "</currentMemory>"))
    assert d.memory_kib == 976563            # 10^9 bytes, rounded up to whole KiB
    assert d.current_memory_kib == 2


def test_writer_round_trips_the_memory_elements():
    """The import writer writes the nodes back; reading its XML gives the same nodes."""
    d = load(doc(BACKING))
    text = format_domain(d, Diagnostics())
    again = load(text.encode())
    for field in ("max_memory", "memory_backing", "iothreads", "memory_kib"):
        assert facts(getattr(again, field)) == facts(getattr(d, field)), field
    root = etree.fromstring(text.encode())
    assert root.find("maxMemory").get("slots") == "4"
    assert [p.get("nodeset") for p in root.iterfind("memoryBacking/hugepages/page")] == [None, "1"]


@pytest.mark.parametrize("body,code,line", [
    ("<maxMemory slots='2' unit='MiB'>128</maxMemory>", "SEM250", 5),
    ("<iothreadids><iothread id='1'/><iothread id='1'/></iothreadids>", "SEM251", 5),
    ("<iothreadids><iothread id='0'/></iothreadids>", "SEM251", 5),
    ("<memoryBacking><hugepages><page size='2048'/><page size='1' unit='G'/></hugepages>"
     "</memoryBacking>", "SEM252", 5),
])
def test_what_libvirt_refuses_is_a_semantic_error(body, code, line):
    loaded = load_bytes(doc(body), "mem.xml")
    assert codes(loaded.diagnostics) == [(code, line)]


# ------------------------------------------------------------------ QEMU argv

def test_qemu_memory_options_as_libvirt_writes_them():
    argv, diags = qemu(doc(BACKING))
    assert argv is not None, [str(d) for d in diags]
    assert codes(diags) == []              # memfd needs no path: nothing to note
    assert values(argv, "-m") == ["size=262144k,slots=4,maxmem=4194304k"]
    machine = dict(opts(argv, "-machine")[0])
    assert (machine["mem-merge"], machine["memory-backend"]) == ("off", "pc.ram")
    assert values(argv, "-overcommit") == ["mem-lock=on"]
    objects = opts(argv, "-object")
    assert objects[0] == [("qom-type", "memory-backend-memfd"), ("id", "pc.ram"),
                          ("hugetlb", "on"), ("hugetlbsize", str(2 * MiB)), ("share", "on"),
                          ("prealloc", "on"), ("prealloc-threads", "2"),
                          ("size", str(256 * MiB))]
    assert [dict(o)["id"] for o in objects[1:]] == ["iothread4", "iothread1", "iothread2"]
    assert dict(objects[1]) == {"qom-type": "iothread", "id": "iothread4",
                                "thread-pool-min": "1", "thread-pool-max": "8",
                                "poll-max-ns": "5000", "poll-grow": "2", "poll-shrink": "3"}
    # -m, its backend object and -overcommit come before -smp, as libvirt orders them.
    assert argv.index("-m") < argv.index("-overcommit") < argv.index("-smp")


def test_plain_memory_keeps_the_seed_era_argv():
    argv, diags = qemu(doc())
    assert values(argv, "-m") == ["262144K"] and "-object" not in argv
    assert "memory-backend" not in values(argv, "-machine")[0]


def test_huge_pages_and_files_name_their_directory():
    argv, diags = qemu(doc("<memoryBacking><hugepages/></memoryBacking>"))
    assert dict(opts(argv, "-object")[0]) == {
        "qom-type": "memory-backend-file", "id": "pc.ram", "mem-path": "/dev/hugepages",
        "prealloc": "on", "size": str(256 * MiB)}
    assert codes(diags) == [("QEMU370", 5)]
    argv, diags = qemu(doc("<memoryBacking><hugepages><page size='1' unit='G'/></hugepages>"
                           "</memoryBacking>"))
    assert dict(opts(argv, "-object")[0])["mem-path"] == "/dev/hugepages1G"
    argv, diags = qemu(doc("<memoryBacking><source type='file'/><access mode='private'/>"
                           "<discard/></memoryBacking>"))
    assert dict(opts(argv, "-object")[0]) == {
        "qom-type": "memory-backend-file", "id": "pc.ram", "mem-path": "/dev/shm",
        "share": "off", "size": str(256 * MiB), "discard-data": "on"}


@pytest.mark.parametrize("version,flag,value", [
    ("2.12", "-mem-path", "/dev/hugepages"),
    ("0.12", "-mem-path", "/dev/hugepages"),
])
def test_old_dialects_put_huge_pages_on_mem_path(version, flag, value):
    argv, diags = qemu(doc("<memoryBacking><hugepages/></memoryBacking>"), version)
    assert values(argv, flag) == [value] and "-mem-prealloc" in argv
    assert "-object" not in argv


@pytest.mark.parametrize("body,version,code", [
    ("<memoryBacking><access mode='shared'/></memoryBacking>", "2.12", "QEMU371"),
    ("<maxMemory slots='2' unit='GiB'>1</maxMemory>", "1.1", "QEMU371"),
    ("<memoryBacking><locked/></memoryBacking>", "3.0", "QEMU316"),
    ("<iothreads>1</iothreads>", "1.1", "QEMU316"),
])
def test_old_dialects_say_what_they_lack(body, version, code):
    argv, diags = qemu(doc(body), version)
    assert codes(diags) == [(code, 5)]


DIMMS = """    <memory model='dimm'>
      <target><size unit='MiB'>512</size></target>
    </memory>
    <memory model='dimm' access='shared'>
      <target><size unit='MiB'>256</size></target>
      <address type='dimm' slot='0'/>
    </memory>"""


def test_pc_dimms_take_free_slots_and_their_own_backends():
    source = doc("<maxMemory slots='4' unit='GiB'>2</maxMemory>", DIMMS,
                 memory_el="<memory unit='MiB'>1024</memory>")
    argv, diags = qemu(source)
    assert codes(diags) == []
    # <memory> counts the DIMMs: the guest boots with the rest.
    assert values(argv, "-m") == ["size=262144k,slots=4,maxmem=2097152k"]
    assert [dict(o) for o in opts(argv, "-object")] == [
        {"qom-type": "memory-backend-ram", "id": "memdimm0", "size": str(512 * MiB)},
        {"qom-type": "memory-backend-ram", "id": "memdimm1", "share": "on",
         "size": str(256 * MiB)}]
    assert values(argv, "-device") == ["pc-dimm,memdev=memdimm0,id=dimm0,slot=1",
                                       "pc-dimm,memdev=memdimm1,id=dimm1,slot=0"]


@pytest.mark.parametrize("body,devices,line", [
    ("", DIMMS, 9),                                                       # no maxMemory
    ("<maxMemory slots='1' unit='GiB'>2</maxMemory>", DIMMS, 12),          # one slot too few
])
def test_dimms_must_fit_max_memory(body, devices, line):
    argv, diags = qemu(doc(body, devices, memory_el="<memory unit='MiB'>1024</memory>"))
    assert argv is None
    assert codes(diags) == [("QEMU372", line)]


def _memory_parts(path: pathlib.Path) -> bytes:
    """A corpus document with only what sizes and backs its memory (its devices, CPU and
    features are other families' business, some not compiled yet)."""
    root = etree.fromstring(path.read_bytes())
    keep = {"name", "memory", "currentMemory", "maxMemory", "memoryBacking", "vcpu",
            "iothreads", "iothreadids", "os"}
    for child in list(root):
        if child.tag not in keep:
            root.remove(child)
    return etree.tostring(root)


def test_libvirts_argv_for_the_corpus_memory_documents():
    """virsh domxml-to-native (libvirt 9.0, QEMU 7.2) of the corpus documents: the same
    iothread objects and memfd backend (libvirt's x-use-canonical-path-for-ramblock-id is a
    migration detail the guest doesn't see); libvirt's -m 2048 is virtc's 2097152K."""
    import json

    native = shlex.split((CORPUS / "native" / "iothreads.argv").read_text())
    argv, diags = qemu(_memory_parts(CORPUS / "dumpxml" / "iothreads.xml"))
    theirs = [json.loads(v) for v in values(native, "-object") if '"iothread"' in v]
    ours = [dict(o) for o in opts(argv, "-object") if dict(o)["qom-type"] == "iothread"]
    assert [o["id"] for o in ours] == [t["id"] for t in theirs] == ["iothread1", "iothread2"]
    assert int(values(native, "-m")[0]) * 1024 == int(values(argv, "-m")[0].rstrip("K"))

    native = shlex.split((CORPUS / "native" / "virtiofs.argv").read_text())
    argv, diags = qemu(_memory_parts(CORPUS / "dumpxml" / "virtiofs.xml"))
    theirs = json.loads(next(v for v in values(native, "-object") if "pc.ram" in v))
    ours = dict(opts(argv, "-object")[0])
    assert (ours["qom-type"], ours["id"]) == (theirs["qom-type"], theirs["id"])
    assert (ours["share"] == "on") is theirs["share"] is True
    assert int(ours["size"]) == theirs["size"]
    assert "memory-backend=pc.ram" in values(native, "-machine")[0]
    assert dict(opts(argv, "-machine")[0])["memory-backend"] == "pc.ram"


# ------------------------------------------------------------------ real QEMU

def _run(argv, *qom):
    result = harness.run_guests([harness.Guest(argv, qom=list(qom),
                                               queries=["query-memory-size-summary"])])[0]
    assert result.started, result.stderr
    return result


@harness.needs_qemu
def test_real_qemu_memfd_shared_backend_and_iothreads():
    """QEMU starts the memfd, shared, preallocated main RAM and the I/O threads; the memory
    summary shows 256 MiB, and QOM shows each property (memfd stands in for huge pages:
    this host mounts no hugetlbfs)."""
    body = BACKING.replace("<hugepages><page size='2' unit='M'/><page size='1048576' "
                           "nodeset='1'/></hugepages>", "")
    argv, diags = qemu(doc(body))
    assert argv is not None, [str(d) for d in diags]
    r = _run(argv, ("/objects/pc.ram", "share"), ("/objects/pc.ram", "prealloc"),
             ("/objects/pc.ram", "size"), ("/objects/iothread4", "poll-max-ns"),
             ("/objects/iothread4", "thread-pool-max"), ("/objects/iothread2", "poll-grow"),
             ("/machine", "mem-merge"), ("/machine", "memory-backend"))
    assert r.replies["query-memory-size-summary"]["base-memory"] == 256 * MiB
    q = r.qom
    assert (q["/objects/pc.ram share"], q["/objects/pc.ram prealloc"]) == (True, True)
    assert q["/objects/pc.ram size"] == 256 * MiB
    assert q["/objects/iothread4 poll-max-ns"] == 5000
    assert q["/objects/iothread4 thread-pool-max"] == 8
    assert q["/objects/iothread2 poll-grow"] == 0
    assert q["/machine mem-merge"] is False
    assert q["/machine memory-backend"] == "/objects/pc.ram"


@harness.needs_qemu
def test_real_qemu_file_backend_in_dev_shm():
    argv, diags = qemu(doc("<memoryBacking><source type='file'/><access mode='shared'/>"
                           "<discard/></memoryBacking>"))
    r = _run(argv, ("/objects/pc.ram", "mem-path"), ("/objects/pc.ram", "discard-data"))
    assert r.replies["query-memory-size-summary"]["base-memory"] == 256 * MiB
    assert r.qom["/objects/pc.ram mem-path"] == "/dev/shm"
    assert r.qom["/objects/pc.ram discard-data"] is True


@harness.needs_qemu
def test_real_qemu_plugs_the_dimms():
    source = doc("<maxMemory slots='4' unit='GiB'>2</maxMemory>", DIMMS,
                 memory_el="<memory unit='MiB'>1024</memory>")
    argv, diags = qemu(source)
    r = _run(argv, ("/machine/peripheral/dimm0", "slot"), ("/machine/peripheral/dimm1", "slot"),
             ("/machine/peripheral/dimm0", "size"), ("/objects/memdimm1", "share"))
    summary = r.replies["query-memory-size-summary"]
    assert summary["base-memory"] == 256 * MiB
    assert summary["plugged-memory"] == 768 * MiB        # <memory> 1024 MiB in all
    assert (r.qom["/machine/peripheral/dimm0 slot"], r.qom["/machine/peripheral/dimm1 slot"]) \
        == (1, 0)
    assert r.qom["/machine/peripheral/dimm0 size"] == 512 * MiB
    assert r.qom["/objects/memdimm1 share"] is True


# ------------------------------------------------------------------ Xen

XEN_HVM = "<type>hvm</type><loader>/usr/lib/xen/boot/hvmloader</loader>"


def xen(source: bytes, target: str):
    diags = Diagnostics()
    text = compile_domain(load(source), target, diags)
    return text, diags


def _keys(text: str, target: str) -> dict:
    if target == "xen-xm":
        return {n.targets[0].id: ast.literal_eval(n.value) for n in ast.parse(text).body}
    settings = parse_xl(text, "x.cfg", Diagnostics())
    return {k: s.value for k, s in settings.items()}


@pytest.mark.parametrize("target", ["xen-xm", "xen-xl"])
def test_xen_memory_and_maxmem_with_units(target):
    """libvirt's xenFormatMem: maxmem is <memory>, memory is <currentMemory>, MiB rounded up
    (issue 13: <memory unit='KiB'> in an HVM guest compiles)."""
    source = doc(memory_el="<memory unit='KiB'>1048577</memory>"
                           "<currentMemory unit='GiB'>1</currentMemory>", dtype="xen", os=XEN_HVM)
    text, diags = xen(source, target)
    assert text is not None, [str(d) for d in diags]
    keys = _keys(text, target)
    assert (keys["maxmem"], keys["memory"]) == (1025, 1024)


@pytest.mark.parametrize("target", ["xen-xm", "xen-xl"])
def test_xen_reports_what_it_has_no_key_for(target):
    source = doc("<maxMemory slots='2' unit='GiB'>4</maxMemory>"
                 "<memoryBacking><hugepages/></memoryBacking><iothreads>2</iothreads>",
                 dtype="xen", os=XEN_HVM)
    text, diags = xen(source, target)
    assert text is not None
    assert [d.code for d in diags] == ["XEN480", "XEN441", "XEN441"]
    text, diags = xen(doc("<maxMemory slots='2' unit='GiB'>4</maxMemory>", DIMMS, dtype="xen",
                          os=XEN_HVM), target)
    assert text is None and "XEN440" in [d.code for d in diags]


VIRTIO_MEM = """    <memory model='virtio-mem'>
      <target><size unit='MiB'>1024</size><block unit='MiB'>2</block>
        <requested unit='MiB'>512</requested></target>
    </memory>"""


@harness.needs_qemu
def test_real_qemu_builds_virtio_mem_with_its_block_and_requested_size():
    source = doc("<maxMemory slots='4' unit='GiB'>4</maxMemory>", VIRTIO_MEM,
                 memory_el="<memory unit='MiB'>1280</memory>")
    argv, diags = qemu(source)
    assert values(argv, "-device") == [
        "virtio-mem-pci,memdev=memvirtiomem0,id=virtiomem0,block-size=2048k,"
        "requested-size=524288k"]
    r = _run(argv, ("/machine/peripheral/virtiomem0", "requested-size"),
             ("/machine/peripheral/virtiomem0", "block-size"), ("/objects/memvirtiomem0", "size"))
    assert r.replies["query-memory-size-summary"]["base-memory"] == 256 * MiB
    assert r.qom["/machine/peripheral/virtiomem0 requested-size"] == 512 * MiB
    assert r.qom["/machine/peripheral/virtiomem0 block-size"] == 2 * MiB
    assert r.qom["/objects/memvirtiomem0 size"] == 1024 * MiB


def test_memtune_is_host_side_tuning_for_every_backend():
    """<memtune> limits the host's cgroup; no QEMU option or Xen key carries it: a warning
    with its code, and the guest compiles (QEMU321, XEN441)."""
    body = "<memtune><hard_limit unit='GiB'>1</hard_limit></memtune>"
    argv, diags = qemu(doc(body))
    assert argv is not None and codes(diags) == [("QEMU321", 5)]
    text, diags = xen(doc(body, dtype="xen", os=XEN_HVM), "xen-xl")
    assert text is not None and codes(diags) == [("XEN441", 5)]


@pytest.mark.parametrize("model", ["nvdimm", "virtio-pmem", "sgx-epc"])
def test_memory_models_not_built_yet_are_reported(model):
    devices = (f"<memory model='{model}'><source><path>/tmp/pmem</path></source>"
               "<target><size unit='MiB'>128</size></target></memory>")
    argv, diags = qemu(doc("<maxMemory slots='2' unit='GiB'>1</maxMemory>", devices,
                           memory_el="<memory unit='MiB'>384</memory>"))
    assert argv is None and codes(diags) == [("QEMU320", 9)]


# ------------------------------------------------------------------ NUMA (the cpu module's cells)

NUMA = """  <cpu>
    <numa>
      <cell id='0' cpus='0' memory='256' unit='MiB'>
        <distances><sibling id='0' value='10'/><sibling id='1' value='21'/></distances>
      </cell>
      <cell id='1' cpus='1' memory='256' unit='MiB' memAccess='shared'/>
    </numa>
  </cpu>"""


def test_numa_cells_get_a_backend_each_and_their_distances():
    argv, diags = qemu(doc(NUMA, memory_el="<memory unit='MiB'>512</memory>"))
    assert argv is not None, [str(d) for d in diags]
    assert values(argv, "-m") == ["524288K"]
    assert [dict(o) for o in opts(argv, "-object")] == [
        {"qom-type": "memory-backend-ram", "id": "ram-node0", "size": str(256 * MiB)},
        {"qom-type": "memory-backend-ram", "id": "ram-node1", "share": "on",
         "size": str(256 * MiB)}]
    # Distances not written are libvirt's defaults, which QEMU applies itself.
    assert values(argv, "-numa") == ["node,nodeid=0,cpus=0,memdev=ram-node0",
                                     "node,nodeid=1,cpus=1,memdev=ram-node1",
                                     "dist,src=0,dst=0,val=10", "dist,src=0,dst=1,val=21"]
    assert "memory-backend" not in values(argv, "-machine")[0]


def test_libvirts_numa_and_dimm_argv_for_the_corpus():
    """libvirt 9.0's -numa, -m and pc-dimm options for numa-two-cells and
    memory-hotplug-dimm (tests/corpus/native), option for option (libvirt's host-nodes/
    policy come from <numatune>, host-side tuning virtc leaves out with QEMU321)."""
    import json

    native = shlex.split((CORPUS / "native" / "numa-two-cells.argv").read_text())
    source = (CORPUS / "dumpxml" / "numa-two-cells.xml").read_bytes()
    root = etree.fromstring(source)
    keep = {"name", "memory", "currentMemory", "vcpu", "os", "cpu", "numatune"}
    for child in list(root):
        if child.tag not in keep:
            root.remove(child)
    argv, diags = qemu(etree.tostring(root))
    assert argv is not None, [str(d) for d in diags]
    assert values(argv, "-numa") == values(native, "-numa")
    theirs = [json.loads(v) for v in values(native, "-object") if "ram-node" in v]
    ours = [dict(o) for o in opts(argv, "-object")]
    assert [(o["id"], int(o["size"])) for o in ours] == [(t["id"], t["size"]) for t in theirs]

    native = shlex.split((CORPUS / "native" / "memory-hotplug-dimm.argv").read_text())
    root = etree.fromstring((CORPUS / "dumpxml" / "memory-hotplug-dimm.xml").read_bytes())
    keep |= {"maxMemory", "features"}
    for child in list(root):
        if child.tag not in keep and child.tag != "devices":
            root.remove(child)
    devices = root.find("devices")
    for child in list(devices):
        if child.tag != "memory":
            devices.remove(child)
    argv, diags = qemu(etree.tostring(root))
    assert argv is not None, [str(d) for d in diags]
    assert values(argv, "-m") == values(native, "-m")       # size=2097152k,slots=4,maxmem=…
    assert values(argv, "-numa") == values(native, "-numa")
    dimm = json.loads(next(v for v in values(native, "-device") if "pc-dimm" in v))
    ours = dict(opts(argv, "-device")[0])
    assert {k: str(v) for k, v in dimm.items()} == {"driver": "pc-dimm", **{
        k: v for k, v in ours.items() if k != "driver"}}


@harness.needs_qemu
def test_real_qemu_numa_nodes_with_their_memory():
    argv, diags = qemu(doc(NUMA, memory_el="<memory unit='MiB'>512</memory>"))
    r = _run(argv, ("/objects/ram-node1", "share"), ("/objects/ram-node0", "size"))
    assert r.replies["query-memory-size-summary"]["base-memory"] == 512 * MiB
    assert r.qom["/objects/ram-node1 share"] is True
    assert r.qom["/objects/ram-node0 size"] == 256 * MiB


def test_xl_vnuma_from_the_cells_and_back():
    """libvirt's xenFormatXLDomainVnuma / xenParseXLVnuma (tests/xlconfigdata/
    test-fullvirt-vnuma*.cfg): one node per cell, size in MiB, distances 10/20 by default."""
    source = doc(NUMA.replace(" memAccess='shared'", ""), dtype="xen", os=XEN_HVM,
                 memory_el="<memory unit='MiB'>512</memory>")
    text, diags = xen(source, "xen-xl")
    assert text is not None, [str(d) for d in diags]
    assert _keys(text, "xen-xl")["vnuma"] == [
        ["pnode=0", "size=256", "vcpus=0", "vdistances=10,21"],
        ["pnode=1", "size=256", "vcpus=1", "vdistances=20,10"]]
    text, diags = xen(source, "xen-xm")
    assert text is None and "XEN440" in [d.code for d in diags]
    from virtc.backends.xen import import_config

    diags = Diagnostics()
    imported = import_config('name = "g"\nmemory = 512\nvcpus = 2\ntype = "hvm"\n'
                             'vnuma = [ [ "pnode=0", "size=256", "vcpus=0", "vdistances=10,21" ],'
                             ' [ "pnode=1", "size=256", "vcpus=1", "vdistances=21,10" ] ]\n',
                             "v.cfg", "xen-xl", diags)
    assert imported is not None, [str(d) for d in diags]
    cells = imported.cpu.numa.cells
    assert [(c.id, c.cpus, c.memory_kib) for c in cells] == [(0, "0", 262144), (1, "1", 262144)]
    assert [s.value for s in cells[1].distances.siblings] == [21, 10]
