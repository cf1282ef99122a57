"""schemas/bundle/: the one-file schema libxml2 compiles on every run is current, safe, and
accepts and refuses exactly what the source schema does, with the same messages."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest
from lxml import etree

from corpus_mutations import ROOT, Mutator, mutants, originals, schema_enumerations
from virtc import schemas

TOOL = ROOT / "tools" / "schema_bundle" / "generate.py"
HARDENED = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=False)
MUTANTS = 1500
EXPECTED = re.compile(r"\s*Expected is (one of )?\(.*?\)\.?")
SEED = 20261130


def test_the_bundle_is_what_the_tool_makes_of_the_source():
    """Edit schemas/ without re-running the tool, and this fails, naming the command."""
    run = subprocess.run([sys.executable, str(TOOL), "--check"], capture_output=True,
                         text=True)
    assert run.returncode == 0, run.stderr


@pytest.mark.parametrize("kind", schemas.KINDS)
def test_the_bundle_is_plain_local_xml(kind):
    """libxml2 reads the bundle itself (not through virtc's hardened parser): it must hold
    no DTD, no entity and nothing remote, and import only files beside it in schemas/."""
    data = pathlib_bytes(schemas.bundle_path(kind))
    assert b"<!DOCTYPE" not in data and b"<!ENTITY" not in data and b"&" not in data
    root = etree.fromstring(data, HARDENED)
    xs = "{http://www.w3.org/2001/XMLSchema}"
    assert not root.findall(xs + "include"), "includes are inlined"
    for imp in root.findall(xs + "import"):
        location = imp.get("schemaLocation")
        assert location.startswith("../domain/ns-") and "://" not in location
    assert len(data) < 0.8 * sum(len(pathlib_bytes(p)) for p in source_files(kind))


def pathlib_bytes(path) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def source_files(kind):
    base = ROOT / "schemas"
    return [base / f"{kind}.xsd", *((base / "domain").glob("*.xsd") if kind == "domain" else ())]


@pytest.fixture(scope="module")
def both():
    source = etree.XMLSchema(etree.parse(schemas.path("domain"), HARDENED))
    bundle = etree.XMLSchema(file=schemas.bundle_path("domain"))
    return source, bundle


@pytest.fixture(scope="module")
def threaded():
    """The bundle as `virtc validate` gets it: compiled in a second thread
    (validate.prepare), used in this one."""
    import threading

    box = {}
    worker = threading.Thread(target=lambda: box.setdefault(
        "schema", etree.XMLSchema(file=schemas.bundle_path("domain"))))
    worker.start()
    worker.join()
    return box["schema"]


def _misspell(root, rng) -> str:
    """An element renamed or an unknown one added: what the flattened choices must refuse."""
    elements = [el for el in root.iter() if isinstance(el.tag, str)]
    el = rng.choice(elements[1:] or elements)
    if rng.random() < 0.5:
        old, el.tag = el.tag, el.tag + rng.choice(("x", "s", "_"))
        return f"rename <{old}>"
    parent = rng.choice([p for p in elements if p.tag in ("domain", "devices")] or elements)
    parent.insert(rng.randrange(len(parent) + 1), etree.Element(rng.choice(("disks", "vidoe",
                                                                             "cpus", "foo"))))
    return f"add under <{parent.tag}>"


def _verdict(schema, doc):
    try:
        ok = schema.validate(doc)
    except etree.XMLSchemaValidateError:      # unexpanded entities: libxml2 can't check
        return "unchecked", []
    # libxml2 lists at most ten expected names, in the order of its automaton's
    # transitions, which the flat choices change; virtc drops that list from its fallback
    # message (schema_findings._fallback), so a user never sees it.
    return ok, [(e.line, EXPECTED.sub("", e.message)) for e in schema.error_log]


def test_same_verdicts_and_messages_on_the_corpus_and_its_mutants(both, threaded):
    source, bundle = both
    enums, texts = schema_enumerations()
    mutator = Mutator(enums, texts)
    mutator.tree_ops = [*mutator.tree_ops, _misspell, _misspell, _misspell]
    bases = originals()
    docs = [(name, data) for name, data in bases]
    docs += [(name, data) for name, data, _ in mutants(MUTANTS, SEED, mutator, bases)]
    checked, invalid, differ = 0, 0, []
    for name, data in docs:
        try:
            doc = etree.fromstring(data, HARDENED).getroottree()
        except etree.XMLSyntaxError:
            continue                          # not well-formed: no schema sees it
        checked += 1
        want, got = _verdict(source, doc), _verdict(bundle, doc)
        invalid += want[0] is False
        if want != got:
            differ.append((name, want, got))
        if _verdict(threaded, doc) != got:
            differ.append((name, "compiled in another thread", got))
    assert not differ, differ[:3]
    # The comparison means something only if both kinds of outcome were seen often.
    assert checked > 1000 and 300 < invalid < checked - 300, (checked, invalid)


def test_virtc_validate_compiles_the_bundle(tmp_path, monkeypatch):
    """The fast path reads the bundle, not the source: a bundle that refuses <domain>
    makes every document fail, while the source is untouched."""
    from virtc.compiler import validate as validate_module

    broken = tmp_path / "domain.xsd"
    broken.write_text('<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
                      '<xs:element name="other"/></xs:schema>')
    monkeypatch.setattr(validate_module.schemas, "bundle_path", lambda kind: str(broken))
    monkeypatch.setattr(validate_module, "_LXML_SCHEMAS", {})
    monkeypatch.setattr(validate_module, "_PENDING", {})
    from virtc.compiler.diagnostics import Diagnostics
    doc = (ROOT / "tests" / "corpus" / "dumpxml" / "multi-nic.xml").read_bytes()
    tree = etree.fromstring(doc, HARDENED)
    diags = Diagnostics()
    assert validate_module.validate(tree, "domain", "multi-nic.xml", doc, diags) is False
    monkeypatch.setattr(validate_module, "_LXML_SCHEMAS", {})
    monkeypatch.undo()
    diags = Diagnostics()
    assert validate_module.validate(tree, "domain", "multi-nic.xml", doc, diags) is True


def test_the_bundle_loads_from_a_path_with_spaces(tmp_path):
    """Installed under a folder with spaces (or non-ASCII), the imports still resolve."""
    import shutil
    root = tmp_path / "my virt é" / "schemas"
    shutil.copytree(ROOT / "schemas", root, ignore=shutil.ignore_patterns("__pycache__"))
    schema = etree.XMLSchema(file=str(root / "bundle" / "domain.xsd"))
    doc = etree.parse(str(ROOT / "tests" / "corpus" / "dumpxml" / "qemu-commandline.xml"),
                      HARDENED)
    assert schema.validate(doc), schema.error_log


def test_the_command_line_compiles_the_schema_ahead_and_still_reports_its_errors(
        tmp_path, monkeypatch):
    """`virtc validate` starts libxml2's compile in a second thread (validate.prepare) and
    takes that schema; a schema that fails to compile there is compiled again in the
    caller's thread, whose error is the one raised."""
    from virtc.compiler import validate as validate_module

    monkeypatch.setattr(validate_module, "_LXML_SCHEMAS", {})
    monkeypatch.setattr(validate_module, "_PENDING", {})
    validate_module.prepare("domain")
    [(worker, box)] = validate_module._PENDING.values()
    schema = validate_module._lxml_schema("domain")
    assert not worker.is_alive() and box["schema"] is schema
    assert not validate_module._PENDING and validate_module._lxml_schema("domain") is schema

    broken = tmp_path / "domain.xsd"
    broken.write_text("<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema'><xs:nonsense/>"
                      "</xs:schema>")
    monkeypatch.setattr(validate_module.schemas, "bundle_path", lambda kind: str(broken))
    monkeypatch.setattr(validate_module, "_LXML_SCHEMAS", {})
    validate_module.prepare("domain")
    with pytest.raises(etree.XMLSchemaParseError):
        validate_module._lxml_schema("domain")
    validate_module.prepare("network")
    validate_module.settle()                  # what a process pool does before forking
    assert not validate_module._PENDING
