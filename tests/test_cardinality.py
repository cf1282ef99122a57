"""Counts the XSD can't say: children libvirt allows once (compiler/single_children.py,
generated from libvirt's RelaxNG), checked both ways against libvirt on the corpus."""
from __future__ import annotations

import copy
import pathlib
import random
import subprocess
import sys

import pytest
from lxml import etree

from virtc.compiler.single_children import SINGLE
from virtc.pipeline import load_bytes

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
DOCS = sorted([*CORPUS.glob("print-xml/*.xml"), *CORPUS.glob("dumpxml/*.xml")])
LIBVIRT_RNG = pathlib.Path("/usr/share/libvirt/schemas/domain.rng")
PER_DOC = 4


@pytest.fixture(scope="module")
def libvirt_rng():
    if not LIBVIRT_RNG.exists():
        pytest.skip("libvirt's RelaxNG schemas are not installed (Debian: libvirt0)")
    return etree.RelaxNG(etree.parse(str(LIBVIRT_RNG)))


def test_the_table_is_what_libvirts_grammar_says():
    if not LIBVIRT_RNG.exists():
        pytest.skip("libvirt's RelaxNG schemas are not installed (Debian: libvirt0)")
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "cardinality" / "generate.py"),
                           "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # Spot checks against libvirt's documentation: one <source>, <target> and <mac> per
    # device; <boot dev> and <graphics><listen> may repeat.
    assert {"source", "target", "driver"} <= SINGLE[("domain", "devices", "disk")]
    assert {"mac", "model", "source"} <= SINGLE[("domain", "devices", "interface")]
    assert "boot" not in SINGLE[("domain", "os")]
    assert "listen" not in SINGLE.get(("domain", "devices", "graphics"), ())


def _context(el):
    names = []
    while el is not None:
        names.append(el.tag)
        el = el.getparent()
    return tuple(reversed(names))[-3:]


def _duplicates(path, want_single: bool):
    """Mutants of `path`, each with one child element duplicated right after itself: a
    child libvirt allows once (want_single) or one it lets repeat."""
    tree = etree.parse(str(path))
    candidates = []
    for el in tree.getroot().iter():
        if not isinstance(el.tag, str) or "{" in el.tag:
            continue
        single = SINGLE.get(_context(el), ())
        for i, child in enumerate(el):
            if isinstance(child.tag, str) and "{" not in child.tag \
                    and (child.tag in single) == want_single:
                candidates.append((tree.getpath(el), i))
    rng = random.Random(path.name)
    for where, i in rng.sample(candidates, min(PER_DOC, len(candidates))):
        mutant = copy.deepcopy(tree)
        parent = mutant.xpath(where)[0]
        child = parent[i]
        twin = copy.deepcopy(child)
        twin.tail = child.tail
        child.addnext(twin)
        yield f"{where}/{child.tag}", etree.tostring(mutant), twin.sourceline


@pytest.mark.parametrize("path", DOCS, ids=[f"{p.parent.name}/{p.stem}" for p in DOCS])
def test_a_child_libvirt_allows_once_is_an_error_twice(libvirt_rng, path):
    for what, text, _ in _duplicates(path, want_single=True):
        assert not libvirt_rng.validate(etree.fromstring(text)), f"libvirt accepts {what} twice"
        loaded = load_bytes(text, "mutant.xml")
        found = [d for d in loaded.diagnostics if d.code == "XSD107"]
        assert found, (what, [str(d) for d in loaded.diagnostics])
        tag = what.rsplit("/", 1)[1]
        assert f"<{tag}>" in found[0].message and "line" in found[0].hint


@pytest.mark.parametrize("path", DOCS[::4], ids=[f"{p.parent.name}/{p.stem}" for p in DOCS[::4]])
def test_a_child_libvirt_lets_repeat_is_no_count_error(libvirt_rng, path):
    for what, text, _ in _duplicates(path, want_single=False):
        accepted = libvirt_rng.validate(etree.fromstring(text))
        codes = [d.code for d in load_bytes(text, "mutant.xml").diagnostics]
        if accepted:
            assert "XSD107" not in codes, what


def test_the_repeat_is_reported_on_its_own_line():
    text = b"""<domain type='kvm'>
  <name>t</name>
  <memory>65536</memory>
  <os><type>hvm</type></os>
  <devices>
    <interface type='user'>
      <mac address='52:54:00:00:00:01'/>
      <mac address='52:54:00:00:00:02'/>
    </interface>
  </devices>
</domain>"""
    diags = load_bytes(text, "two-macs.xml").diagnostics
    assert [(d.code, d.span.line) for d in diags] == [("XSD107", 8)]
    assert "first is at line 7" in diags[0].hint


@pytest.mark.parametrize("tuning,code", [
    ("<seclabel type='static' model='selinux'/>", "XSD105"),            # no <label>
    ("<seclabel type='none' model='none'><label>x</label></seclabel>", "XSD101"),
    ("<seclabel type='none' model='none' relabel='yes'/>", "XSD103"),
    ("<cputune><vcpupin vcpu='65536' cpuset='1'/></cputune>", "XSD103"),  # libvirt's vcpuid
    ("<seclabel type='static' model='selinux' relabel='no'><label>l</label></seclabel>", None),
    ("<cputune><vcpupin vcpu='65535' cpuset='1'/></cputune>", None),
    ("<devices><interface type='network'><source network='default' type='unix'/>"
     "</interface></devices>", "XSD102"),
    ("<devices><interface type='bridge'><source bridge='br0' macTableManager='libvirt'/>"
     "</interface></devices>", None),
    ("<devices><memory model='dimm'><target><node>0</node></target></memory></devices>",
     "XSD105"),
    ("<devices><memory model='dimm'/></devices>", "XSD105"),
])
def test_seclabel_types_and_vcpu_numbers_as_libvirts_grammar_says(libvirt_rng, tuning, code):
    """Found by the corpus mutants: libvirt's grammar gives each <seclabel> type its own
    children and relabel= values, numbers vCPUs with an unsignedShort, and gives a network
    or bridge interface's <source> its own attributes."""
    text = (f"<domain type='kvm'><name>t</name><memory>65536</memory>{tuning}"
            "<os><type>hvm</type></os></domain>").encode()
    codes = [d.code for d in load_bytes(text, "t.xml").diagnostics if d.severity.value == "error"]
    assert codes == ([code] if code else [])
    assert libvirt_rng.validate(etree.fromstring(text)) is (code is None)


@pytest.mark.parametrize("model,code", [
    ("<model type='bochs' vram='16384' ram='65536'/>", "XSD102"),       # ram= is qxl's
    ("<model type='virtio' heads='1' vgamem='16384'/>", "XSD102"),     # vgamem= too
    ("<model type='vga' vram64='65536'/>", "XSD102"),
    ("<model type='qxl' ram='65536' vram='65536' vgamem='16384' vram64='0' heads='1'/>", None),
    ("<model type='bochs' vram='16384' heads='1'/>", None),
])
def test_video_model_attributes_as_libvirts_grammar_says(libvirt_rng, model, code):
    """Found by the corpus mutants: ram=, vgamem= and vram64= belong to qxl alone."""
    text = ("<domain type='kvm'><name>t</name><memory>65536</memory>"
            f"<os><type>hvm</type></os><devices><video>{model}</video></devices></domain>").encode()
    codes = [d.code for d in load_bytes(text, "t.xml").diagnostics if d.severity.value == "error"]
    assert codes == ([code] if code else [])
    assert libvirt_rng.validate(etree.fromstring(text)) is (code is None)
