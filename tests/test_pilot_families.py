"""The pilot device families, <memballoon> and <rng>, end to end: schema, IR with sub-nodes
and DeviceInfo, post-parse defaults, checks, QEMU argv (proven in real QEMU), Xen findings
and the XML writer."""
from __future__ import annotations

import pathlib

import pytest
from lxml import etree

import qemu_harness as harness
from virtc.backends.domainxml import format_domain
from virtc.compiler.devices import family, tags
from virtc.compiler.devices.memballoon import BalloonModel, Memballoon
from virtc.compiler.devices.rng import Rng, RngBackendModel
from virtc.compiler.devices.xmlmap import write
from virtc.compiler.diagnostics import Diagnostics, Span
from virtc.pipeline import compile_domain, load_bytes
from ir_facts import facts, lowered_families

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"


def doc(devices: str, machine: str = "pc", dtype: str = "kvm", os_type: str = "hvm") -> bytes:
    return f"""<domain type='{dtype}'>
  <name>pilot</name>
  <uuid>00000000-0000-4000-8000-0000000000aa</uuid>
  <memory unit='MiB'>128</memory>
  <os>
    <type arch='x86_64' machine='{machine}'>{os_type}</type>
  </os>
  <devices>
{devices}
  </devices>
</domain>
""".encode()


def load(source: bytes):
    loaded = load_bytes(source, "pilot.xml")
    assert loaded.ok, [str(d) for d in loaded.diagnostics]
    return loaded.node


def qemu(source: bytes, version: str = "7.2"):
    diags = Diagnostics()
    argv = compile_domain(load(source), "qemu", diags, qemu_version=version)
    return argv, diags


def values(argv, flag):
    return [argv[i + 1] for i, word in enumerate(argv) if word == flag]


FULL = """    <memballoon model='virtio' autodeflate='on' freePageReporting='on'>
      <stats period='10'/>
      <driver iommu='off' packed='on'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/>
    </memballoon>
    <rng model='virtio'>
      <rate bytes='1024'/>
      <backend model='random'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x07' function='0x0'/>
    </rng>
    <rng model='virtio'>
      <backend model='builtin'/>
    </rng>
    <rng model='virtio'>
      <backend model='egd' type='unix'>
        <source mode='bind' path='/tmp/virtc-egd.sock'/>
        <protocol type='raw'/>
      </backend>
    </rng>"""


# ------------------------------------------------------------------ IR and post-parse

def test_families_are_found_by_tag():
    assert {"memballoon", "rng"} <= tags()
    assert family("memballoon").NODE is Memballoon and family("hub") is None


def test_lowering_keeps_sub_nodes_with_their_own_lines():
    domain = load(doc(FULL))
    balloon, = domain.devices.of(Memballoon)
    assert balloon.span.line == 9 and balloon.stats.span.line == 10
    assert balloon.stats.period == 10 and balloon.driver.packed is True
    assert balloon.driver.iommu is False and balloon.driver.ats is None
    assert balloon.info.address.pci() == (0, 0, 5, 0, False)
    assert balloon.info.address.span.line == 12
    rngs = domain.devices.of(Rng)
    assert [r.backend.model for r in rngs] == [RngBackendModel.RANDOM, RngBackendModel.BUILTIN,
                                                RngBackendModel.EGD]
    assert rngs[2].backend.source.path == "/tmp/virtc-egd.sock"
    assert rngs[2].backend.source.span.line == 24


def test_post_parse_applies_libvirts_defaults_once():
    """libvirt 9.0 (virsh dumpxml / domxml-to-native of the same device): a random backend
    without a path reads /dev/random; a rate without period is per 1000 ms; aliases are
    balloon0, rng0, rng1…"""
    domain = load(doc(FULL))
    balloon, = domain.devices.of(Memballoon)
    rngs = domain.devices.of(Rng)
    assert balloon.info.alias == "balloon0"
    assert [r.info.alias for r in rngs] == ["rng0", "rng1", "rng2"]
    assert rngs[0].backend.path == "/dev/random"
    assert rngs[0].rate.period == 1000
    given = load(doc("<rng model='virtio'><rate bytes='9' period='50'/>"
                     "<backend model='random'>/dev/urandom</backend>"
                     "<alias name='ua-rng'/></rng>"))
    rng, = given.devices.of(Rng)
    assert (rng.backend.path, rng.rate.period, rng.info.alias) == ("/dev/urandom", 50, "ua-rng")


def test_egd_backend_without_type_is_refused_as_libvirt_does():
    loaded = load_bytes(doc("<rng model='virtio'>\n<backend model='egd'>"
                            "<source host='127.0.0.1' service='7'/></backend></rng>"), "p.xml")
    assert [(d.code, d.span.line) for d in loaded.diagnostics] == [("SEM225", 10)]


# ------------------------------------------------------------------ QEMU

def test_qemu_argv_matches_libvirts_devices():
    argv, diags = qemu(doc(FULL))
    assert list(diags) == []
    assert values(argv, "-object") == [
        "rng-random,id=objrng0,filename=/dev/random",
        "rng-builtin,id=objrng1",
        "rng-egd,id=objrng2,chardev=charrng2"]
    assert values(argv, "-chardev") == [
        "socket,id=charrng2,path=/tmp/virtc-egd.sock,server=on,wait=off"]
    assert values(argv, "-device") == [
        "virtio-balloon-pci,id=balloon0,deflate-on-oom=on,free-page-reporting=on,"
        "guest-stats-polling-interval=10,iommu_platform=off,packed=on,bus=pci.0,addr=0x5",
        "virtio-rng-pci,rng=objrng0,id=rng0,max-bytes=1024,period=1000,bus=pci.0,addr=0x7",
        "virtio-rng-pci,rng=objrng1,id=rng1",
        "virtio-rng-pci,rng=objrng2,id=rng2"]


def test_q35_root_bus_and_model_none():
    argv, diags = qemu(doc("<memballoon model='none'/>\n<rng model='virtio'>"
                           "<backend model='random'>/dev/urandom</backend>"
                           "<address type='pci' domain='0x0000' bus='0x00' slot='0x09'"
                           " function='0x0'/></rng>", machine="q35"))
    assert list(diags) == []
    assert not any("balloon" in word for word in argv)
    assert values(argv, "-device") == ["virtio-rng-pci,rng=objrng0,id=rng0,bus=pcie.0,addr=0x9"]


@pytest.mark.parametrize("devices,code,line,word", [
    ("<memballoon model='xen'/>", "QEMU322", 9, "xen"),
    # libvirt puts q35 devices behind root ports; virtc builds only the root bus so far.
    ("<memballoon model='virtio'>\n<address type='pci' domain='0x0000' bus='0x05' slot='0x00'"
     " function='0x0'/></memballoon>", "QEMU320", 10, "0000:05:00.0"),
    ("<rng model='virtio'><backend model='egd' type='pty'/></rng>", "QEMU320", 9, "pty"),
    ("<rng model='virtio'><backend model='egd' type='tcp'><source host='h' service='1'/>"
     "<protocol type='telnet'/></backend></rng>", "QEMU320", 9, "telnet"),
    ("<memballoon model='virtio'><alias name='ua-1,x'/></memballoon>", "QEMU302", 9, "ua-1,x"),
])
def test_what_qemu_cannot_build_is_reported_on_its_line(devices, code, line, word):
    argv, diags = qemu(doc(devices))
    assert argv is None
    found = [(d.code, d.span.line) for d in diags]
    assert found == [(code, line)], [str(d) for d in diags]
    assert word in next(iter(diags)).message


def test_old_dialects_say_what_they_lack():
    source = doc("<memballoon model='virtio' freePageReporting='on'/>\n"
                 "<rng model='virtio'><backend model='builtin'/></rng>")
    argv, diags = qemu(source, "5.0")       # free page reporting came with QEMU 5.1
    assert argv is None
    assert [(d.code, d.span.line) for d in diags] == [("QEMU301", 9)]
    assert "freePageReporting" in next(iter(diags)).message
    argv, diags = qemu(source, "2.12")      # and rng-builtin with 4.2
    assert [(d.code, d.span.line) for d in diags] == [("QEMU301", 9), ("QEMU301", 10)]
    argv, diags = qemu(source.replace(b" freePageReporting='on'", b""), "6.0")
    assert list(diags) == [] and argv is not None


@harness.needs_qemu
def test_real_qemu_builds_the_devices_as_described(tmp_path):
    """QEMU 7.2 starts the argv (paused, TCG where KVM is missing) and QOM shows each
    property set: the balloon's deflate-on-oom, free-page-reporting and statistics interval,
    each rng's backend object and rate."""
    egd = "<rng model='virtio'><backend model='egd' type='unix'><source mode='bind' path='" \
        f"{tmp_path}/egd.sock'/></backend></rng>"
    argv, diags = qemu(doc(FULL.rsplit("    <rng model='virtio'>\n      <backend model='egd'", 1)[0]
                           + egd))
    assert argv is not None, [str(d) for d in diags]
    wanted = [("/machine/peripheral/balloon0", p) for p in
              ("deflate-on-oom", "free-page-reporting", "guest-stats-polling-interval",
               "packed")]
    wanted += [("/machine/peripheral/rng0", "max-bytes"), ("/machine/peripheral/rng0", "period"),
               ("/objects/objrng0", "filename"), ("/objects/objrng1", "type"),
               ("/objects/objrng2", "chardev"), ("/machine/peripheral/rng1", "rng")]
    result = harness.run_guests([harness.Guest(argv, qom=wanted)])[0]
    assert result.started, result.stderr
    q = result.qom
    assert q["/machine/peripheral/balloon0 deflate-on-oom"] is True
    assert q["/machine/peripheral/balloon0 free-page-reporting"] is True
    assert q["/machine/peripheral/balloon0 guest-stats-polling-interval"] == 10
    assert q["/machine/peripheral/balloon0 packed"] is True
    assert q["/machine/peripheral/rng0 max-bytes"] == 1024
    assert q["/machine/peripheral/rng0 period"] == 1000
    assert q["/objects/objrng0 filename"] == "/dev/random"
    assert q["/objects/objrng1 type"] == "rng-builtin"
    assert q["/objects/objrng2 chardev"] == "charrng2"
    assert q["/machine/peripheral/rng1 rng"] == "/objects/objrng1"


# ------------------------------------------------------------------ Xen

def xen_pv(devices: str) -> bytes:
    return doc(devices, dtype="xen", os_type="linux").replace(
        b"</type>\n", b"</type>\n    <kernel>/boot/vmlinuz</kernel>\n").replace(
        b" machine='pc'", b"")


def test_xen_keeps_its_own_balloon_and_reports_the_rest():
    pv = "<memballoon model='xen'/>"
    diags = Diagnostics()
    assert compile_domain(load(xen_pv(pv)), "xen-xm", diags) is not None and list(diags) == []
    rng = xen_pv(pv + "\n<rng model='virtio'><backend model='random'/></rng>")
    diags = Diagnostics()
    assert compile_domain(load(rng), "xen-xl", diags) is None
    assert [(d.code, d.span.line) for d in diags] == [("XEN470", 11)]


# ------------------------------------------------------------------ the XML writer


def _lowered(source: bytes):
    """The pilot families' nodes as lowered, before post-parse."""
    return tuple(node for node in lowered_families(source) if node.TAG in ("memballoon", "rng"))


CORPUS_FAMILIES = sorted(p for p in (CORPUS / "dumpxml").glob("*.xml")
                         if b"<rng" in p.read_bytes())


@pytest.mark.parametrize("source", [doc(FULL)] + [p.read_bytes() for p in CORPUS_FAMILIES[:8]],
                         ids=["full"] + [p.stem for p in CORPUS_FAMILIES[:8]])
def test_writer_and_lowering_share_one_mapping(source):
    """Lower, write each family element back, lower that again: the same facts, and the
    element libvirt wrote comes back attribute for attribute."""
    nodes = _lowered(source)
    assert nodes
    for node in nodes:
        text = etree.tostring(write(node))
        again, = _lowered(doc(text.decode()))
        assert facts(again) == facts(node)
    originals = [el for el in etree.fromstring(source).find("devices")
                 if el.tag in ("memballoon", "rng")]
    for original, node in zip(originals, nodes):
        written = write(node)
        assert sorted(written.attrib.items()) == sorted(original.attrib.items())
        assert [c.tag for c in written] == [c.tag for c in original]


def test_import_writer_writes_the_families():
    domain = load(doc(FULL))
    text = format_domain(domain, Diagnostics())
    assert "<memballoon model=\"virtio\" autodeflate=\"on\"" in text
    again = load(text.encode())
    assert facts(again.devices.families) == facts(domain.devices.families)


def test_corpus_balloons_and_rngs_lower_without_leftovers():
    """Every <memballoon> and <rng> that virt-install and libvirt wrote is read whole: no
    part of either is reported as not compiled."""
    for path in sorted((CORPUS / "dumpxml").glob("*.xml")):
        loaded = load_bytes(path.read_bytes(), str(path))
        if loaded.node is None:
            continue
        leftovers = [u.path for u in loaded.node.uncompiled
                     if u.path.split("/")[1:2] in (["memballoon"], ["rng"])]
        assert leftovers == [], path.name
        pilots = [n for n in loaded.node.devices.families if n.TAG in ("memballoon", "rng")]
        assert len(pilots) == path.read_bytes().count(b"<memballoon") \
            + path.read_bytes().count(b"<rng ")
