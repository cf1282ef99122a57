"""<vcpu>, <vcpus> and <cpu> end to end (compiler/platform/cpu.py): lowering with sub-nodes
and spans, libvirt's post-parse defaults and checks, -cpu and -smp against libvirt's own argv
(tests/corpus/native) and proven in the real QEMU 7.2 (TCG: `-cpu host` needs KVM, so the
runs name a model or use `max`), Xen's vcpus/maxvcpus/vcpu_avail/cpus/nestedhvm/cpuid both
ways, and the XML writer."""
from __future__ import annotations

import pathlib
import re

import pytest
from lxml import etree

import qemu_harness as harness
from ir_facts import facts
from virtc.backends.domainxml import format_domain
from virtc.compiler.diagnostics import Diagnostics
from virtc.compiler.platform.cpu import (
    CpuMatch, CpuMode, FeaturePolicy, MemAccess, format_cpuset, online_vcpus, parse_cpuset,
)
from virtc.pipeline import compile_domain, load_bytes

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"


def doc(body: str, dtype: str = "qemu", os_type: str = "hvm", machine: str = "pc") -> bytes:
    kernel = "<kernel>/boot/vmlinuz</kernel>" if os_type == "linux" else ""
    machine_attr = f" arch='x86_64' machine='{machine}'" if dtype != "xen" else ""
    return f"""<domain type='{dtype}'>
  <name>cpu</name>
  <memory unit='MiB'>256</memory>
{body}
  <os>
    <type{machine_attr}>{os_type}</type>{kernel}
  </os>
</domain>
""".encode()


def load(source: bytes, ok: bool = True):
    loaded = load_bytes(source, "cpu.xml")
    if ok:
        assert loaded.ok, [str(d) for d in loaded.diagnostics]
    return loaded


def qemu(source: bytes, version: str = "7.2"):
    diags = Diagnostics()
    argv = compile_domain(load(source).node, "qemu", diags, qemu_version=version)
    return argv, diags


def value(argv, flag):
    found = [argv[i + 1] for i, word in enumerate(argv) if word == flag]
    return found[0] if found else None


FULL = """  <vcpu placement='static' current='2'>4</vcpu>
  <cpu mode='custom' match='exact' check='partial'>
    <model fallback='forbid' vendor_id='GenuineIntel'>Skylake-Client</model>
    <vendor>Intel</vendor>
    <topology sockets='2' cores='2' threads='1'/>
    <cache level='3' mode='emulate'/>
    <feature policy='require' name='pcid'/>
    <feature policy='disable' name='hle'/>
    <feature policy='optional' name='vmx'/>
    <maxphysaddr mode='emulate' bits='42'/>
    <numa>
      <cell cpus='0-1' memory='128' unit='MiB' memAccess='shared'>
        <distances><sibling id='0' value='10'/><sibling id='1' value='21'/></distances>
      </cell>
      <cell cpus='2-3' memory='131072' unit='KiB' discard='yes'/>
    </numa>
  </cpu>"""


# ------------------------------------------------------------------ IR

def test_lowering_keeps_sub_nodes_their_lines_and_the_rest_uncompiled():
    d = load(doc(FULL)).node
    cpu = d.cpu
    assert (d.vcpus, d.vcpu.current) == (4, 2)
    assert (cpu.mode, cpu.model.name, cpu.model.vendor_id, cpu.vendor.name) == (
        CpuMode.CUSTOM, "Skylake-Client", "GenuineIntel", "Intel")
    assert [(f.policy, f.name) for f in cpu.features] == [
        (FeaturePolicy.REQUIRE, "pcid"), (FeaturePolicy.DISABLE, "hle"),
        (FeaturePolicy.OPTIONAL, "vmx")]
    # Each sub-element has its own line: <model> on 6, the features on 10-12, cells 15/18.
    assert (cpu.span.line, cpu.model.span.line, cpu.topology.span.line) == (5, 6, 8)
    assert [f.span.line for f in cpu.features] == [10, 11, 12]
    one, two = cpu.cells
    assert (one.span.line, two.span.line) == (15, 18)
    # Memory in KiB whatever the unit; distances as sub-nodes.
    assert (one.memory_kib, two.memory_kib) == (131072, 131072)
    assert (one.mem_access, two.discard) == (MemAccess.SHARED, True)
    assert one.vcpus() == (0, 1) and one.distance_to(1) == 21
    # What isn't compiled stays reported: <maxphysaddr>, not the rest of <cpu>.
    assert [u.path for u in d.uncompiled] == ["cpu/maxphysaddr"]


def test_post_parse_applies_libvirts_defaults():
    d = load(doc("  <vcpu>4</vcpu>\n  <cpu><model>qemu64</model>"
                 "<topology sockets='1' cores='4' threads='1'/>"
                 "<numa><cell cpus='0-1' memory='64' unit='MiB'/>"
                 "<cell cpus='2-3' memory='64' unit='MiB'/></numa></cpu>")).node
    assert d.vcpu is None and online_vcpus(d) == 4   # current: the maximum
    assert (d.cpu.mode, d.cpu.match) == (CpuMode.CUSTOM, CpuMatch.EXACT)
    assert (d.cpu.topology.dies, d.cpu.topology.clusters) == (1, None)
    assert [c.id for c in d.cpu.cells] == [0, 1]     # ids from the order


@pytest.mark.parametrize("text,cpus,formatted", [
    ("0-3,^2,8", (0, 1, 3, 8), "0-1,3,8"), ("5", (5,), "5"), ("0,1,2,3", (0, 1, 2, 3), "0-3")])
def test_cpusets_as_libvirt_reads_and_writes_them(text, cpus, formatted):
    assert parse_cpuset(text) == cpus
    assert format_cpuset(cpus) == formatted


def test_writer_and_lowering_agree():
    d = load(doc(FULL.replace("    <maxphysaddr mode='emulate' bits='42'/>\n", ""))).node
    text = format_domain(d, Diagnostics())
    again = load(text.encode()).node
    assert facts(again.cpu) == facts(d.cpu) and facts(again.vcpu) == facts(d.vcpu)
    assert again.vcpus == d.vcpus
    assert "<cpu " in text and "unit=\"KiB\"" in text


@pytest.mark.parametrize("body,code,line", [
    ("  <vcpu>4</vcpu><cpu><topology sockets='1' cores='3' threads='1'/></cpu>", "SEM260", 4),
    ("  <vcpu current='5'>4</vcpu>", "SEM261", 4),
    ("  <vcpu cpuset='3-1'>4</vcpu>", "SEM262", 4),
    ("  <vcpu cpuset='0,^0'>4</vcpu>", "SEM262", 4),
    ("  <vcpu>2</vcpu><cpu><numa><cell id='1' cpus='0' memory='1024'/></numa></cpu>",
     "SEM263", 4),
    ("  <vcpu>2</vcpu><cpu><numa><cell cpus='0-1' memory='1024'/>"
     "<cell cpus='1' memory='1024'/></numa></cpu>", "SEM263", 4),
    ("  <vcpu>1</vcpu><cpu mode='maximum'><cache level='2' mode='emulate'/></cpu>",
     "SEM264", 4),
])
def test_libvirts_checks(body, code, line):
    loaded = load(doc(body), ok=False)
    found = [(d.code, d.span.line) for d in loaded.diagnostics]
    assert (code, line) in found, found


# ------------------------------------------------------------------ QEMU vs libvirt

def _minimal(name: str) -> bytes:
    """The corpus document's <vcpu> and <cpu> in a domain that compiles today."""
    root = etree.parse(str(CORPUS / "dumpxml" / f"{name}.xml")).getroot()
    parts = "".join(etree.tostring(root.find(t)).decode() for t in ("vcpu", "cpu")
                    if root.find(t) is not None)
    return doc(parts, dtype=root.get("type"), machine="q35")


def _libvirt(name: str, flag: str) -> str:
    words = (CORPUS / "native" / f"{name}.argv").read_text().split()
    return words[words.index(flag) + 1]


@pytest.mark.parametrize("name", ["cpu-skylake-features", "cpu-host-passthrough-opts",
                                  "cpu-maximum", "vcpus-topology", "tuning", "win10-hyperv",
                                  "cpu-host-model"])
def test_smp_is_libvirts(name):
    argv, diags = qemu(_minimal(name))
    assert argv is not None, [str(d) for d in diags]
    assert value(argv, "-smp") == _libvirt(name, "-smp")


@pytest.mark.parametrize("name", ["cpu-host-passthrough-opts", "cpu-maximum", "tuning",
                                  "vcpus-topology"])
def test_cpu_is_libvirts(name):
    argv, diags = qemu(_minimal(name))
    assert value(argv, "-cpu") == _libvirt(name, "-cpu")


def test_custom_model_features_are_libvirts_but_optional_stays_the_hosts():
    """libvirt turns an optional feature into on or off from the host's CPU when the guest
    starts (here vmx=off: the host had no VMX); virtc leaves it to the model, and writes
    every other policy as libvirt does."""
    argv, _ = qemu(_minimal("cpu-skylake-features"))
    ours = value(argv, "-cpu").split(",")
    theirs = _libvirt("cpu-skylake-features", "-cpu").split(",")
    assert ours == [w for w in theirs if w != "vmx=off"]


def test_host_model_falls_back_with_a_note():
    argv, diags = qemu(_minimal("cpu-host-model"))
    assert value(argv, "-cpu") == "host"           # libvirt: the host's expansion
    assert [d.code for d in diags] == ["QEMU340"]
    argv, diags = qemu(doc("  <vcpu>1</vcpu>\n  <cpu mode='host-model'/>"))
    assert value(argv, "-cpu") == "max"            # TCG


def test_no_cpu_keeps_qemus_default_and_the_seed_smp():
    argv, _ = qemu(doc("  <vcpu>1</vcpu>"))
    assert value(argv, "-cpu") is None and value(argv, "-smp") == "1"


def test_old_dialects_spell_features_with_signs():
    body = ("  <vcpu>2</vcpu>\n  <cpu><model>qemu64</model><feature policy='force' "
            "name='lahf_lm'/><feature policy='forbid' name='svm'/></cpu>")
    argv, _ = qemu(doc(body), "1.1")
    assert value(argv, "-cpu") == "qemu64,+lahf-lm,-svm"
    argv, _ = qemu(doc(body))
    assert value(argv, "-cpu") == "qemu64,lahf-lm=on,svm=off"


def test_host_side_and_unbuildable_parts_are_reported():
    argv, diags = qemu(doc("  <vcpu cpuset='0-1' placement='auto'>2</vcpu>\n  <cputune>"
                           "<vcpupin vcpu='0' cpuset='1'/></cputune>"))
    assert argv is not None
    assert sorted(d.code for d in diags) == ["QEMU321"] * 3
    argv, diags = qemu(doc("  <vcpu>4</vcpu>\n  <cpu><topology sockets='1' clusters='2' "
                           "cores='2' threads='1'/></cpu>"))
    assert argv is None and "clusters='2'" in str(list(diags)[0])


# ------------------------------------------------------------------ real QEMU

CPU0 = "/machine/unattached/device[0]"
QUERIES = ("query-cpus-fast", "query-hotpluggable-cpus")


@harness.needs_qemu
def test_real_qemu_starts_the_model_features_and_topology():
    """TCG: Skylake-Client with pdpe1gb on and hle off, one L3 cache emulated, 8 vCPUs at most
    (2 sockets × 2 dies × 2 cores × 1 thread) of which 6 online."""
    body = ("  <vcpu current='6'>8</vcpu>\n  <cpu mode='custom'><model>Skylake-Client</model>"
            "<topology sockets='2' dies='2' cores='2' threads='1'/>"
            "<cache level='3' mode='emulate'/>"
            "<feature policy='require' name='pdpe1gb'/><feature policy='disable' name='hle'/>"
            "</cpu>")
    argv, diags = qemu(doc(body))
    assert argv is not None, [str(d) for d in diags]
    assert value(argv, "-smp") == "6,maxcpus=8,sockets=2,dies=2,cores=2,threads=1"
    wanted = [(CPU0, p) for p in ("type", "pdpe1gb", "hle", "l3-cache")]
    result = harness.run_guests([harness.Guest(argv, qom=wanted, queries=QUERIES)])[0]
    assert result.started, result.stderr
    q = result.qom
    assert q[f"{CPU0} type"] == "Skylake-Client-x86_64-cpu"
    assert (q[f"{CPU0} pdpe1gb"], q[f"{CPU0} hle"], q[f"{CPU0} l3-cache"]) == (True, False,
                                                                                True)
    cpus, slots = result.replies["query-cpus-fast"], result.replies["query-hotpluggable-cpus"]
    assert len(cpus) == 6 and len(slots) == 8
    places = {(c["props"]["socket-id"], c["props"]["die-id"], c["props"]["core-id"])
              for c in slots}
    assert places == {(s, d, c) for s in range(2) for d in range(2) for c in range(2)}


@harness.needs_qemu
def test_real_qemu_starts_max_with_one_socket_per_vcpu():
    """<cpu mode='maximum'> and no topology: libvirt's one socket per vCPU, not QEMU 7.2's
    own default (one socket of N cores)."""
    argv, _ = qemu(doc("  <vcpu>3</vcpu>\n  <cpu mode='maximum' migratable='on'/>",
                       machine="q35"))
    result = harness.run_guests([harness.Guest(argv, qom=[(CPU0, "type"), (CPU0, "migratable")],
                                               queries=QUERIES)])[0]
    assert result.started, result.stderr
    assert result.qom[f"{CPU0} type"] == "max-x86_64-cpu"
    assert result.qom[f"{CPU0} migratable"] is True
    cpus = result.replies["query-cpus-fast"]
    assert sorted(c["props"]["socket-id"] for c in cpus) == [0, 1, 2]
    assert {c["props"]["core-id"] for c in cpus} == {0}


@harness.needs_qemu
def test_real_qemu_bare_smp_would_be_one_socket():
    """Why -smp writes the topology even without <topology>: QEMU 7.2's pc machine reads a
    bare `-smp 2` as one socket of two cores, where libvirt gives the guest two sockets."""
    argv, _ = qemu(doc("  <vcpu>2</vcpu>"))
    assert value(argv, "-smp") == "2,sockets=2,cores=1,threads=1"
    bare = list(argv)
    bare[bare.index("-smp") + 1] = "2"
    ours, plain = harness.run_guests([harness.Guest(argv, queries=QUERIES),
                                      harness.Guest(bare, queries=QUERIES)])
    assert {c["props"]["socket-id"] for c in ours.replies["query-cpus-fast"]} == {0, 1}
    assert {c["props"]["socket-id"] for c in plain.replies["query-cpus-fast"]} == {0}


# ------------------------------------------------------------------ Xen

def xen(body: str, target: str, os_type: str = "hvm"):
    diags = Diagnostics()
    source = doc(body, dtype="xen", os_type=os_type).replace(
        b"<type>hvm</type>", b"<type>hvm</type><loader>/usr/lib/xen/boot/hvmloader</loader>")
    text = compile_domain(load(source).node, target, diags)
    return text, diags


def settings(text: str, target: str) -> dict:
    from virtc.backends.xen.parse_xl import parse_xl
    from virtc.backends.xen.parse_xm import parse_xm

    parse = parse_xl if target == "xen-xl" else parse_xm
    return {k: s.value for k, s in parse(text, "cfg", Diagnostics()).items()}


@pytest.mark.parametrize("target,expected", [
    ("xen-xl", {"maxvcpus": 4, "vcpus": 2, "cpus": "0-3"}),
    ("xen-xm", {"vcpus": 4, "vcpu_avail": 3, "cpus": "0-3"}),
])
def test_xen_vcpus_both_ways(target, expected):
    """libvirt's tests/xlconfigdata/test-paravirt-maxvcpus.cfg and tests/xmconfigdata/
    test-paravirt-vcpu.cfg; cpus as virBitmapFormat writes it."""
    text, diags = xen("  <vcpu cpuset='0,1,2-3' current='2'>4</vcpu>", target, "linux")
    assert text is not None, [str(d) for d in diags]
    cfg = settings(text, target)
    assert {k: cfg[k] for k in expected} == expected
    from virtc.backends.xen import import_config

    back = import_config(text, "cfg", target, Diagnostics())
    assert (back.vcpus, back.vcpu.current, back.vcpu.cpuset) == (4, 2, "0-3")


def test_xl_nestedhvm_and_cpuid_both_ways():
    """libvirt's tests/xlconfigdata/test-fullvirt-cpuid.cfg: libxl's feature names and
    1/0/x values; vmx goes to nestedhvm, never to cpuid."""
    body = ("  <vcpu>1</vcpu>\n  <cpu mode='host-passthrough'><feature policy='disable' "
            "name='tm'/><feature policy='force' name='pni'/><feature policy='optional' "
            "name='pdpe1gb'/><feature policy='require' name='vmx'/></cpu>")
    text, diags = xen(body, "xen-xl")
    cfg = settings(text, "xen-xl")
    assert (cfg["nestedhvm"], cfg["cpuid"]) == (1, "host,tm=0,sse3=1,page1gb=x")
    from virtc.backends.xen import import_config

    back = import_config(text, "cfg", "xen-xl", Diagnostics())
    assert back.cpu.mode is CpuMode.HOST_PASSTHROUGH
    assert [(f.policy.value, f.name) for f in back.cpu.features] == [
        ("disable", "tm"), ("force", "pni"), ("optional", "pdpe1gb")]
    text, _ = xen(body.replace("policy='require' name='vmx'", "policy='disable' name='vmx'"),
                  "xen-xl")
    assert settings(text, "xen-xl")["nestedhvm"] == 0


@pytest.mark.parametrize("body,target,word", [
    ("<cpu mode='custom'><model>Skylake-Client</model></cpu>", "xen-xl", "custom"),
    ("<cpu mode='host-passthrough'><topology sockets='1' cores='1' threads='1'/></cpu>",
     "xen-xl", "topology"),
    ("<cpu mode='host-passthrough'><feature policy='disable' name='tm'/></cpu>", "xen-xm",
     "features"),
])
def test_what_xen_cant_carry_is_an_error(body, target, word):
    text, diags = xen("  <vcpu>1</vcpu>\n  " + body, target)
    assert text is None
    assert [d.code for d in diags if d.code == "XEN495"] and word in str(diags)


def test_cputune_stays_a_warning_on_xen():
    text, diags = xen("  <vcpu>1</vcpu>\n  <cputune><shares>512</shares></cputune>", "xen-xl")
    assert text is not None and [d.code for d in diags] == ["XEN441"]


def test_features_module_appends_its_properties_after_the_model():
    """<features> (backends/qemu/platform/features.py cpu_properties) adds Hyper-V's
    enlightenments after the model and migratable=, in libvirt's order (corpus win10-hyperv,
    whose libvirt argv also has hv-crash from its <panic model='hyperv'> device)."""
    root = etree.parse(str(CORPUS / "dumpxml" / "win10-hyperv.xml")).getroot()
    parts = "".join(etree.tostring(root.find(t)).decode()
                    for t in ("vcpu", "features", "cpu", "clock"))
    argv, diags = qemu(doc(parts, dtype="kvm", machine="q35"))
    assert argv is not None, [str(d) for d in diags]
    theirs = _libvirt("win10-hyperv", "-cpu").split(",")
    assert value(argv, "-cpu").split(",") == [w for w in theirs if w != "hv-crash"]
