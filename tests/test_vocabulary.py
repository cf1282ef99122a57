"""One vocabulary source (compiler/vocabulary.py) feeds the schema's enumerations and the
IR's enums. These tests check that the schema is generated from it, that every IR enum is a
subset of its entry, and that each entry says what libvirt's own grammar says, at the
places the entry names.
"""
from __future__ import annotations

import difflib
import enum
import importlib
import importlib.util
import pathlib
import pkgutil
import shutil
import subprocess
import sys
import types

import pytest
from lxml import etree

import vocabulary_places as vp
from virtc.compiler.node import Choice

ROOT = pathlib.Path(__file__).resolve().parent.parent
NEWER_SAMPLES = ROOT / "tests" / "schema_cases" / "newer-libvirt"

_spec = importlib.util.spec_from_file_location(
    "vocabulary_generate", ROOT / "tools" / "vocabulary" / "generate.py")
gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen)

VOCABULARY = vp.load_vocabulary()
ENTRIES = VOCABULARY.ENTRIES

# Where virtc's vocabulary and libvirt 9.0's grammar differ on purpose (besides the values
# an entry lists as `newer`). Each is also in docs/libvirt-differences.md.
LIBVIRT_ONLY = {
    ("interface-type", "internal"):
        "VirtualBox's internal networks: left out so that the 2007 page's "
        "<source name='default'/> mistake gets a network= hint",
}
OPEN_IN_LIBVIRT = {
    "char-source-mode":
        "libvirt's grammar takes any text for a character device's <source mode>; its "
        "parser accepts only bind and connect, so virtc catches a misspelling up front",
}


# ------------------------------------------------------------------ the schema is generated

def test_schema_is_generated_from_the_vocabulary():
    stale = [(path, old, new) for path, old, new in
             gen.generate(VOCABULARY, gen.schema_files()) if old != new]
    diff = "".join(line for path, old, new in stale for line in difflib.unified_diff(
        old.splitlines(True), new.splitlines(True), str(path), str(path), n=1))
    assert not stale, ("the schema's enumerations differ from compiler/vocabulary.py; run "
                       "`python tools/vocabulary/generate.py`:\n" + diff[:3000])


def test_generator_command_line_reports_in_sync():
    run = subprocess.run([sys.executable, "tools/vocabulary/generate.py", "--check"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert (run.returncode, run.stderr) == (0, "")
    assert run.stdout.startswith("in sync: ")


def _copy_schemas(tmp_path) -> pathlib.Path:
    shutil.copytree(ROOT / "schemas", tmp_path / "schemas")
    return tmp_path / "schemas"


def _vocabulary_with(**changed):
    """The vocabulary with some entries replaced: name -> (values, notes)."""
    entries = dict(ENTRIES)
    for key, (values, notes) in changed.items():
        name = key.replace("_", "-")
        old = entries[name]
        entries[name] = VOCABULARY.Entry(name, old.xsd, old.where, values, notes, {}, None)
    return types.SimpleNamespace(ENTRIES=entries)


def _write(results) -> None:
    for path, _old, new in results:
        path.write_text(new, encoding="utf-8")


def test_generator_rewrites_only_the_changed_enumeration(tmp_path):
    schemas = _copy_schemas(tmp_path)
    disk = schemas / "domain" / "disk.xsd"
    before = disk.read_text()
    vocabulary = _vocabulary_with(disk_bus=(("virtio", "sata", "scsi"),
                                            {"sata": "a note of the vocabulary's"}))
    results = gen.generate(vocabulary, gen.schema_files(schemas))
    assert [p.name for p, old, new in results if old != new] == ["disk.xsd"]
    _write(results)

    after = disk.read_text()
    changed = [line for line in difflib.ndiff(before.splitlines(), after.splitlines())
               if line.startswith(("- ", "+ "))]
    assert all("xs:enumeration" in line or "<!--" in line for line in changed), changed
    assert after.count("\n") == before.count("\n") - 6   # 9 values and a note: 3 and a note
    tree = etree.parse(str(disk))
    ns = {"xs": "http://www.w3.org/2001/XMLSchema"}
    assert tree.xpath("//xs:simpleType[@name='diskBus']//xs:enumeration/@value",
                      namespaces=ns) == ["virtio", "sata", "scsi"]
    assert tree.xpath("//xs:simpleType[@name='diskBus']//comment()",
                      namespaces=ns)[0].text == " a note of the vocabulary's "
    # the schema still compiles, and now refuses a bus it no longer lists
    schema = etree.XMLSchema(etree.parse(str(schemas / "domain.xsd")))
    domain = etree.fromstring(
        "<domain type='kvm'><name>g</name><memory>1024</memory><os><type>hvm</type></os>"
        "<devices><disk type='file' device='disk'><source file='/d.img'/>"
        "<target dev='hda' bus='ide'/></disk></devices></domain>")
    assert not schema.validate(domain)
    assert "'ide'" in str(schema.error_log.last_error)

    again = gen.generate(vocabulary, gen.schema_files(schemas))
    assert all(old == new for _p, old, new in again), "a second run changed something"


def test_generator_refuses_an_enumeration_no_entry_owns(tmp_path):
    schemas = _copy_schemas(tmp_path)
    hub = schemas / "domain" / "hub.xsd"
    hub.write_text(hub.read_text().replace(
        "</xs:schema>",
        '  <xs:simpleType name="hubSpeed">\n    <xs:restriction base="xs:token">\n'
        '      <xs:enumeration value="full"/>\n    </xs:restriction>\n  </xs:simpleType>\n'
        "</xs:schema>"))
    with pytest.raises(gen.VocabularyError, match=r"hub\.xsd:\d+: simpleType hubSpeed"):
        gen.generate(VOCABULARY, gen.schema_files(schemas))


def test_generator_refuses_an_inline_enumeration(tmp_path):
    schemas = _copy_schemas(tmp_path)
    hub = schemas / "domain" / "hub.xsd"
    text = hub.read_text()
    assert '<xs:attribute name="type" type="hubType"' in text
    hub.write_text(text.replace(
        '<xs:attribute name="type" type="hubType"',
        '<xs:attribute name="speed"><xs:simpleType><xs:restriction base="xs:token">'
        '<xs:enumeration value="full"/></xs:restriction></xs:simpleType></xs:attribute>\n'
        '    <xs:attribute name="type" type="hubType"'))
    with pytest.raises(gen.VocabularyError, match=r"hub\.xsd:\d+: an inline enumeration"):
        gen.generate(VOCABULARY, gen.schema_files(schemas))


def test_generator_refuses_an_entry_without_its_simple_type(tmp_path):
    schemas = _copy_schemas(tmp_path)
    hub = schemas / "domain" / "hub.xsd"
    hub.write_text(hub.read_text().replace('name="hubType"', 'name="hubKind"')
                   .replace('type="hubType"', 'type="hubKind"'))
    with pytest.raises(gen.VocabularyError, match="hubKind"):
        gen.generate(VOCABULARY, gen.schema_files(schemas))   # hubKind: no entry
    entries = {n: e for n, e in ENTRIES.items()}
    entries["hub-kind"] = VOCABULARY.Entry("hub-kind", "hubKind", ("devices/hub@type",),
                                           ("usb",), {}, {}, None)
    with pytest.raises(gen.VocabularyError, match=r"hub-type \(hubType\)"):
        gen.generate(types.SimpleNamespace(ENTRIES=entries), gen.schema_files(schemas))


def test_vocabulary_imports_nothing():
    """It may be imported on the fast path: no lxml, no dataclasses, not even typing."""
    code = ("import sys, virtc.compiler; before = set(sys.modules); "
            "import virtc.compiler.vocabulary; print(sorted(set(sys.modules) - before))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert run.stdout.strip() == "['virtc.compiler.vocabulary']", run.stderr


# ------------------------------------------------------------------ the IR's enums

def _ir_modules():
    modules = [importlib.import_module("virtc.compiler.ir"),
               importlib.import_module("virtc.compiler.memory")]
    for package in ("devices", "platform"):      # the families and the platform elements
        try:
            found = importlib.import_module(f"virtc.compiler.{package}")
        except ImportError:
            continue
        for info in pkgutil.iter_modules(found.__path__):
            modules.append(importlib.import_module(f"{found.__name__}.{info.name}"))
    return modules


def ir_enums():
    """Every enum class defined in compiler/ir.py, compiler/memory.py, compiler/devices/*.py
    and compiler/platform/*.py, by key."""
    found = {}
    for module in _ir_modules():
        short = module.__name__.removeprefix("virtc.compiler.")
        for obj in vars(module).values():
            if (isinstance(obj, type) and issubclass(obj, (enum.Enum, Choice))
                    and obj.__module__ == module.__name__):
                found[f"{short}.{obj.__name__}"] = obj
    return found


def test_ir_enums_are_found():
    assert {"devices.disk.DiskBus", "ir.NetType", "devices.chardev.CharKind"} <= set(ir_enums())


def test_every_ir_enum_is_a_subset_of_its_vocabulary():
    problems = []
    for key, cls in sorted(ir_enums().items()):
        if key in VOCABULARY.IR_ENUMS_WITHOUT_VOCABULARY:
            continue
        name = VOCABULARY.IR_ENUMS.get(key)
        if name is None:
            problems.append(f"{key}: no vocabulary entry; add it to IR_ENUMS in "
                            f"compiler/vocabulary.py (or to IR_ENUMS_WITHOUT_VOCABULARY "
                            f"with the reason)")
            continue
        allowed = ENTRIES[name].values
        for member in cls:
            if member.value not in allowed:
                problems.append(f"{key}.{member.name} = {member.value!r} is not a value of "
                                f"vocabulary {name} ({', '.join(allowed)})")
    assert not problems, "\n".join(problems)


def test_ir_enum_tables_name_real_enums_and_entries():
    enums = ir_enums()
    stale = [key for key in (*VOCABULARY.IR_ENUMS, *VOCABULARY.IR_ENUMS_WITHOUT_VOCABULARY)
             if key not in enums]
    assert not stale, f"compiler/vocabulary.py names IR enums that don't exist: {stale}"
    unknown = {k: v for k, v in VOCABULARY.IR_ENUMS.items() if v not in ENTRIES}
    assert not unknown, f"IR_ENUMS points at unknown entries: {unknown}"
    both = set(VOCABULARY.IR_ENUMS) & set(VOCABULARY.IR_ENUMS_WITHOUT_VOCABULARY)
    assert not both


def test_a_stray_ir_value_is_named_in_the_failure(monkeypatch):
    """The check above fails with the enum's name and the value that strays."""
    Stray = type(Choice)("DiskBus", (Choice,), {"IDE": "ide", "FLOPPY_BUS": "flopy"})
    Stray.__module__ = "virtc.compiler.devices.disk"
    disk = importlib.import_module("virtc.compiler.devices.disk")
    monkeypatch.setattr(disk, "DiskBus", Stray)
    with pytest.raises(AssertionError, match=r"devices\.disk\.DiskBus\.FLOPPY_BUS = 'flopy' is not a "
                                             r"value of vocabulary disk-bus"):
        test_every_ir_enum_is_a_subset_of_its_vocabulary()


# ------------------------------------------------------------------ libvirt's grammar

@pytest.fixture(scope="module")
def router():
    return vp.Router(ENTRIES.values())


@pytest.fixture(scope="module")
def libvirt(router):
    """Entry name -> (values libvirt 9.0 lists at its places, the open places, the places)."""
    out = {}
    for place, found in vp.rng_places().items():
        entry = router.route(place)
        if entry is None:
            continue
        values, open_places, places = out.setdefault(entry.name, ([], [], []))
        values.extend(v for v in found.values if v not in values)
        places.append(vp.place_str(place))
        if found.open:
            open_places.append(vp.place_str(place))
    return out


@pytest.mark.parametrize("name", sorted(n for n, e in ENTRIES.items() if e.where))
def test_entry_agrees_with_libvirt(name, libvirt):
    entry = ENTRIES[name]
    values, open_places, places = libvirt.get(name, ([], [], []))
    if not places:
        assert set(entry.values) == set(entry.newer), (
            f"vocabulary {name}: libvirt 9.0's grammar has none of its places "
            f"{entry.where}, and not every value is listed as newer")
        return
    lacking = [v for v in values if v not in entry.values and (name, v) not in LIBVIRT_ONLY]
    assert not lacking, (f"vocabulary {name} lacks {lacking}, which libvirt lists at "
                         f"{', '.join(places[:3])}")
    extra = [v for v in entry.values if v not in values and v not in entry.newer]
    if open_places and name in OPEN_IN_LIBVIRT:
        return
    assert not extra, (f"vocabulary {name} lists {extra}, which libvirt 9.0 doesn't at "
                       f"{', '.join(places[:3])}; if libvirt added them later, list them "
                       f"in the entry's newer= with a sample in {NEWER_SAMPLES.name}/")


@pytest.mark.parametrize("name", sorted(n for n, e in ENTRIES.items() if not e.where))
def test_entry_without_places_agrees_with_its_libvirt_define(name):
    entry = ENTRIES[name]
    found = vp.rng_define_values(entry.rng)
    assert (set(found.values), found.open) == (set(entry.values), False)


def test_newer_values_are_newer_and_have_samples(router, libvirt):
    seen = set()
    for path in sorted(NEWER_SAMPLES.glob("*.xml")):
        root = etree.parse(str(path)).getroot()
        for el in root.iter(etree.Element):
            place = tuple(vp.local(a.tag) for a in reversed(list(el.iterancestors()))) + (
                vp.local(el.tag),)
            candidates = [(place + ("@" + vp.local(k),), v) for k, v in el.attrib.items()]
            if el.text and el.text.strip():
                candidates.append((place, el.text))
            for where, value in candidates:
                entry = router.route(where)
                if entry is not None:
                    seen.add((entry.name, " ".join(value.split())))
    problems = []
    for name, entry in ENTRIES.items():
        for value, version in entry.newer.items():
            if (name, value) not in seen:
                problems.append(f"{name} {value!r} (libvirt {version}): no sample in "
                                f"{NEWER_SAMPLES.relative_to(ROOT)} uses it")
            if value in libvirt.get(name, ([],))[0]:
                problems.append(f"{name} {value!r}: libvirt 9.0 already has it")
            if value not in entry.values:
                problems.append(f"{name} {value!r}: newer, but not one of its values")
    assert not problems, "\n".join(problems)


def test_every_difference_from_libvirt_is_still_needed(libvirt):
    for (name, value), reason in LIBVIRT_ONLY.items():
        assert value in libvirt[name][0] and value not in ENTRIES[name].values, reason
    for name, reason in OPEN_IN_LIBVIRT.items():
        values, open_places, _places = libvirt[name]
        assert open_places, reason
        assert set(ENTRIES[name].values) - set(values), reason


# ------------------------------------------------------------------ the entries' places

@pytest.fixture(scope="module")
def xsd_places():
    return vp.xsd_places()


def test_every_schema_enumeration_belongs_to_the_entry_of_its_place(router, xsd_places):
    by_type = {e.xsd: e for e in ENTRIES.values()}
    problems = []
    for place, type_names in sorted(xsd_places.items()):
        text = vp.place_str(place)
        for type_name in type_names:
            entry = by_type.get(type_name)
            if entry is None:
                problems.append(f"{text}: enumeration {type_name or '(anonymous)'} has no "
                                f"vocabulary entry")
                continue
            routed = router.route(place)
            owner = routed.name if routed else "no entry"
            if entry.where and routed is not entry:
                problems.append(f"{text}: the schema uses {type_name} ({entry.name}) but "
                                f"the place belongs to {owner}")
            if not entry.where and routed is not None:
                problems.append(f"{text}: the schema uses {type_name} ({entry.name}) but "
                                f"{routed.name} claims the place")
    assert not problems, "\n".join(problems)


def test_every_place_an_entry_names_is_in_the_schema(xsd_places):
    problems = []
    for entry in ENTRIES.values():
        for suffix in entry.where:
            pattern = vp.parse_suffix(suffix)
            if not any(place[-len(pattern):] == pattern for place in xsd_places):
                problems.append(f"{entry.name}: no place in the schema ends with {suffix}")
    assert not problems, "\n".join(problems)
