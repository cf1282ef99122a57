"""The real-tool corpus (tests/corpus): documents virt-install and libvirt wrote.

tools/corpus/make_corpus.sh made them with virt-install 4.1.0 and libvirt 9.0.0 (see
tests/corpus/README.md for each exact command). libvirt accepts every one of them, so
virtc must too: a false error here is a user switching virtc off in CI.
"""
from __future__ import annotations

import pathlib
import random
import re
import shutil
import subprocess

import pytest
from lxml import etree

from virtc.pipeline import compile_domain, load_bytes
from virtc.compiler import ir
from virtc.compiler.diagnostics import Diagnostics, Severity

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
DOCS = sorted([*CORPUS.glob("print-xml/*.xml"), *CORPUS.glob("dumpxml/*.xml")])
LIBVIRT_RNG = pathlib.Path("/usr/share/libvirt/schemas/domain.rng")
IDS = [f"{p.parent.name}/{p.stem}" for p in DOCS]


def test_corpus_is_large_and_covers_both_forms():
    assert len(DOCS) >= 60
    assert {p.parent.name for p in DOCS} == {"print-xml", "dumpxml"}
    commands = (CORPUS / "commands.tsv").read_text()
    for path in CORPUS.glob("print-xml/*.xml"):
        assert f"{path.stem}\t" in commands, f"{path.name} has no recorded command"


@pytest.mark.parametrize("path", DOCS, ids=IDS)
def test_virtc_validates_real_documents_without_errors(path):
    loaded = load_bytes(path.read_bytes(), str(path))
    errors = [d for d in loaded.diagnostics if d.severity is Severity.ERROR]
    assert errors == [], errors
    assert loaded.node is not None


@pytest.mark.parametrize("path", DOCS, ids=IDS)
def test_compile_reports_what_it_does_not_compile_and_never_crashes(path):
    loaded = load_bytes(path.read_bytes(), str(path))
    diags = Diagnostics()
    out = compile_domain(loaded.node, "qemu", diags, qemu_version="7.2")
    codes = {d.code for d in diags}
    # Every finding is a coded one at a real line; the corpus is today's vocabulary, most of
    # which the QEMU backend does not compile yet (issue: QEMU for today's guests).
    assert all(d.span.line > 0 for d in diags), list(diags)
    assert out is None or isinstance(out, list)
    if out is None:
        assert "QEMU320" in codes or any(d.severity is Severity.ERROR for d in diags)


@pytest.fixture(scope="module")
def libvirt_rng():
    if not LIBVIRT_RNG.exists():
        pytest.skip("libvirt's RelaxNG schemas are not installed (Debian: libvirt0)")
    return etree.RelaxNG(etree.parse(str(LIBVIRT_RNG)))


@pytest.mark.parametrize("path", DOCS, ids=IDS)
def test_libvirt_relaxng_accepts_every_corpus_document(libvirt_rng, path):
    """The differential's other side: the corpus is valid for libvirt's own schema."""
    assert libvirt_rng.validate(etree.parse(str(path))), libvirt_rng.error_log


@pytest.mark.skipif(shutil.which("virt-xml-validate") is None,
                    reason="virt-xml-validate is not installed (Debian: libvirt-clients)")
def test_virt_xml_validate_itself_accepts_a_sample():
    for path in DOCS[::16]:
        run = subprocess.run(["virt-xml-validate", str(path), "domain"],
                             capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stdout + run.stderr


# ------------------------------------------------------------------ misspellings

def _mutants(path: pathlib.Path, rng: random.Random):
    """(kind, line, right spelling, mutated text): one element name, one attribute name and
    one enumerated value misspelled (a letter doubled), each on a line of its own."""
    text = path.read_text()
    lines = text.splitlines(keepends=True)
    tree = etree.parse(str(path))
    elements = [e for e in tree.iter(etree.Element)
                if "}" not in e.tag and e.getparent() is not None
                and "metadata" not in [a.tag for a in e.iterancestors()]
                and lines[e.sourceline - 1].count("<") == 1 and len(e.tag) > 3]
    out = []
    el = rng.choice(elements)
    line = lines[el.sourceline - 1]
    bad = el.tag[:2] + el.tag[2] * 2 + el.tag[3:]
    new = re.sub(rf"<{el.tag}\b", f"<{bad}", line, count=1)
    new = re.sub(rf"</{el.tag}>", f"</{bad}>", new, count=1)
    if f"</{el.tag}>" not in line and not line.rstrip().endswith("/>"):
        new = None                               # its end tag is on another line
    if new:
        out.append(("element", el.sourceline, el.tag, _swap(lines, el.sourceline, new)))
    with_attrs = [e for e in elements if e.attrib]
    el = rng.choice(with_attrs)
    name = rng.choice(sorted(el.attrib))
    line = lines[el.sourceline - 1]
    bad = name + name[-1]
    new = re.sub(rf"\b{name}=", f"{bad}=", line, count=1)
    out.append(("attribute", el.sourceline, name, _swap(lines, el.sourceline, new)))
    typed = [(e, a) for e in with_attrs for a in ("type", "model", "bus", "mode", "device")
             if a in e.attrib and e.get(a).isalpha() and len(e.get(a)) > 2]
    if typed:
        el, name = rng.choice(typed)
        value = el.get(name)
        line = lines[el.sourceline - 1]
        bad = value[:-1] + value[-1] * 2 + "x"
        new = line.replace(f"{name}='{value}'", f"{name}='{bad}'").replace(
            f'{name}="{value}"', f'{name}="{bad}"')
        out.append(("value", el.sourceline, value, _swap(lines, el.sourceline, new)))
    return out


def _swap(lines, n, new):
    return "".join(lines[: n - 1] + [new] + lines[n:])


# Where libvirt's RelaxNG leaves a value as free text but libvirt's parser takes only a
# closed list, virtc's schema follows the parser. Each is listed, with its reason, in
# docs/libvirt-differences.md.
STRICTER_THAN_LIBVIRT_RNG = {("source", "mode")}


def _known_stricter(diag) -> bool:
    return any(f"attribute '{attr}' of <{tag}>" in diag.message
               for tag, attr in STRICTER_THAN_LIBVIRT_RNG)


def test_misspellings_in_real_documents_are_caught_with_the_right_spelling(libvirt_rng):
    """Both ways against libvirt: a mutant libvirt's RelaxNG rejects is an error on its
    line (and the hint names the right spelling in at least 95% of cases); a mutant libvirt
    accepts (a NIC model or a security driver is free text) gets no error from virtc."""
    rng = random.Random(2026)
    total = named = 0
    missed, false_errors = [], []
    for path in DOCS:
        for kind, line, right, text in _mutants(path, rng):
            loaded = load_bytes(text.encode(), path.name)
            errors = [d for d in loaded.diagnostics if d.severity is Severity.ERROR]
            if libvirt_rng.validate(etree.fromstring(text.encode()).getroottree()):
                if [d for d in errors if not _known_stricter(d)]:
                    false_errors.append((path.name, kind, line, [str(d.span) for d in errors]))
                continue
            total += 1
            on_line = [d for d in errors if d.span.line == line]
            if not on_line:
                missed.append((path.name, kind, line, right, [str(d.span) for d in errors]))
                continue
            if any(d.hint and right in d.hint for d in on_line):
                named += 1
    assert missed == [], missed[:5]
    assert false_errors == [], false_errors[:5]
    assert total >= 2.5 * len(DOCS)
    assert named / total >= 0.95, f"{named}/{total} hints name the right spelling"
