"""The schema stage: what a user sees when a document's shape is wrong, and that it's cheap when right."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from importlib.resources import files
from pathlib import Path

import pytest
from lxml import etree

from virtc.compiler.diagnostics import Diagnostics
from virtc.compiler.rules import registry
from virtc.compiler.validate import validate

CASES = Path(__file__).parent / "schema_cases"


def parse(data: bytes):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(data, parser).getroottree()


def check(text, kind="domain"):
    data = text.encode() if isinstance(text, str) else text
    diags = Diagnostics()
    ok = validate(parse(data), kind, "t.xml", data, diags)
    return ok, list(diags)


def line_of(text: str, needle: str) -> int:
    lines = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(lines) == 1, f"{needle!r} must appear on exactly one line"
    return lines[0]


# --------------------------------------------------------------------------- schemas load

@pytest.mark.parametrize("kind", ["domain", "network"])
def test_schema_loads_in_lxml_and_xmlschema(kind):
    import xmlschema

    # Loaded by path, as virtc loads it, so that each family's xs:include resolves.
    path = str(files("virtc.schemas").joinpath(f"{kind}.xsd"))
    etree.XMLSchema(etree.parse(path))
    model = xmlschema.XMLSchema10(path)
    assert kind in model.elements


# --------------------------------------------------------------------------- valid documents

VALID = sorted((CASES / "valid").glob("*.xml"))


@pytest.mark.parametrize("path", VALID, ids=[p.stem for p in VALID])
def test_spec_examples_validate(path):
    kind = "network" if path.stem.startswith("network") else "domain"
    ok, diags = check(path.read_bytes(), kind)
    assert ok and diags == []


def test_every_spec_example_is_covered():
    stems = {p.stem for p in VALID}
    assert {"xen_pv_fc4", "xen_lifecycle", "xen_hvm_fv0", "kvm_demo2", "qemu_fedora_i686",
            "qemu_networking_options"} <= stems


# --------------------------------------------------------------------------- one defect each

BASE = textwrap.dedent("""\
    <domain type='qemu'>
      <name>QEmu-fedora-i686</name>
      <uuid>c7a5fdbd-cdaf-9455-926a-d65c16db1809</uuid>
      <memory>219200</memory>
      <currentMemory>219200</currentMemory>
      <vcpu>2</vcpu>
      <os>
        <type arch='i686' machine='pc'>hvm</type>
        <boot dev='cdrom'/>
      </os>
      <clock offset='utc'/>
      <on_crash>destroy</on_crash>
      <features>
        <acpi/>
      </features>
      <devices>
        <emulator>/usr/bin/qemu</emulator>
        <disk type='file' device='cdrom'>
          <source file='/home/user/boot.iso'/>
          <target dev='hdc'/>
          <readonly/>
        </disk>
        <interface type='network'>
          <source network='default'/>
          <mac address='52:54:00:12:34:56'/>
        </interface>
        <graphics type='vnc' port='-1'/>
        <serial type='pty'>
          <protocol type='raw'/>
          <target port='0'/>
        </serial>
        <input type='mouse' bus='ps2'/>
      </devices>
    </domain>
    """)

# (id, replace this, with this, diagnostic points at this (the element's "<", or the
#  attribute or text the finding is about), code, words the message names, words the hint names)
DEFECTS = [
    ("misspelt-element", "<interface type='network'>\n      <source network='default'/>\n"
     "      <mac address='52:54:00:12:34:56'/>\n    </interface>",
     "<interfce type='network'/>", "<interfce", "XSD101", ["interfce", "devices"], ["interface"]),
    ("graphics-type-enum", "type='vnc'", "type='vns'", "type='vns'", "XSD103",
     ["graphics", "type", "vns"], ["vnc"]),
    ("misspelt-attribute", "<disk type='file'", "<disk tpye='file'", "tpye=", "XSD102",
     ["disk", "tpye"], ["'type'"]),
    ("memory-not-a-number", "<memory>219200</memory>", "<memory>abc</memory>", "abc</memory>",
     "XSD106", ["memory", "abc"], ["whole number"]),
    ("missing-name", "  <name>QEmu-fedora-i686</name>\n", "", "<domain", "XSD105",
     ["domain", "name"], ["<name>"]),
    ("missing-memory", "  <memory>219200</memory>\n", "", "<domain", "XSD105",
     ["domain", "memory"], ["<memory>"]),
    ("disk-without-target", "      <target dev='hdc'/>\n", "", "<disk", "XSD105",
     ["disk", "target"], ["<target dev='…'/>"]),
    ("boot-dev-enum", "<boot dev='cdrom'/>", "<boot dev='cdrm'/>", "dev='cdrm'", "XSD103",
     ["boot", "dev", "cdrm"], ["cdrom", "fd, hd, cdrom, network"]),
    ("boot-without-dev", "<boot dev='cdrom'/>", "<boot/>", "<boot", "XSD104",
     ["boot", "dev"], ["dev=", "cdrom"]),
    ("duplicate-vcpu", "<vcpu>2</vcpu>", "<vcpu>2</vcpu>\n  <vcpu>4</vcpu>", "<vcpu>4", "XSD107",
     ["vcpu", "domain"], ["line 6"]),
    ("lifecycle-text-enum", "<on_crash>destroy</on_crash>", "<on_crash>restrat</on_crash>",
     "restrat", "XSD106", ["on_crash", "restrat"], ["restart"]),
    ("domain-unknown-attribute", "<domain type='qemu'>", "<domain type='qemu' ide='3'>",
     "ide='3'", "XSD102", ["domain", "ide", "3"], ["'id'"]),
    ("domain-type-enum", "<domain type='qemu'>", "<domain type='kvmm'>", "type='kvmm'", "XSD103",
     ["domain", "type", "kvmm"], ["kvm"]),
    ("domain-id-not-int", "<domain type='qemu'>", "<domain type='qemu' id='first'>", "id='first'",
     "XSD103", ["domain", "id", "first"], ["whole number"]),
    ("os-type-text-enum", ">hvm</type>", ">hvn</type>", "hvn", "XSD106", ["type", "hvn"],
     ["hvm"]),
    ("emulator-outside-devices", "  <clock offset='utc'/>\n",
     "  <clock offset='utc'/>\n  <emulator>/usr/bin/kvm</emulator>\n", "<emulator>/usr/bin/kvm",
     "XSD101", ["emulator", "domain"], ["<devices>"]),
    ("vcpu-zero", "<vcpu>2</vcpu>", "<vcpu>0</vcpu>", "0</vcpu>", "XSD106", ["vcpu", "0"],
     ["greater than 0"]),
    ("readonly-with-text", "<readonly/>", "<readonly>yes</readonly>", "yes</", "XSD106",
     ["readonly", "yes"], ["empty"]),
    ("input-type-enum", "<input type='mouse'", "<input type='mous'", "type='mous'", "XSD103",
     ["input", "mous"], ["mouse"]),
    ("clock-without-offset", "<clock offset='utc'/>", "<clock/>", "<clock", "XSD104",
     ["clock", "offset"], ["utc, localtime"]),
    ("interface-without-type", "<interface type='network'>", "<interface>", "<interface",
     "XSD104", ["interface", "type"], ["network"]),
    ("serial-protocol-enum", "<protocol type='raw'/>", "<protocol type='telent'/>",
     "type='telent'", "XSD103", ["protocol", "telent"], ["telnet"]),
    ("serial-target-negative-port", "<target port='0'/>", "<target port='-2'/>",
     "port='-2'", "XSD103", ["target", "port", "-2"], ["0 or more"]),
    ("features-misspelt", "<acpi/>", "<acip/>", "<acip", "XSD101", ["acip", "features"],
     ["<acpi>"]),
    ("graphics-port-not-number", "port='-1'", "port='auto'", "port='auto'", "XSD103",
     ["graphics", "port", "auto"], ["whole number"]),
    ("disk-source-misspelt", "<source file='/home/user/boot.iso'/>",
     "<source fiel='/home/user/boot.iso'/>", "fiel=", "XSD102", ["source", "fiel"],
     ["'file'"]),
    ("mac-without-address", "<mac address='52:54:00:12:34:56'/>", "<mac/>", "<mac", "XSD104",
     ["mac", "address"], ["address="]),
    ("bridge-source-wrong-attribute", "<interface type='network'>\n      <source network=",
     "<interface type='bridge'>\n      <source name=", "name='default'", "XSD102",
     ["source", "name", "bridge"], ["bridge='default'"]),
    ("disk-bus-enum", "<target dev='hdc'/>", "<target dev='hdc' bus='ied'/>", "bus='ied'",
     "XSD103", ["target", "bus", "ied"], ["ide"]),
    ("text-in-devices", "<devices>\n", "<devices>\n    stray words\n", "stray words", "XSD106",
     ["devices", "stray words"], ["child elements"]),
    ("child-in-simple-element", "<emulator>/usr/bin/qemu</emulator>",
     "<emulator>/usr/bin/qemu<path/></emulator>", "<path/>", "XSD101", ["path", "emulator"],
     ["remove <path>"]),
    ("empty-name", "<name>QEmu-fedora-i686</name>", "<name></name>", "<name>", "XSD106",
     ["name", "empty"], ["non-empty"]),
]


@pytest.mark.parametrize("case", DEFECTS, ids=[c[0] for c in DEFECTS])
def test_one_defect_one_precise_diagnostic(case):
    _, old, new, at, code, message_words, hint_words = case
    assert BASE.count(old) == 1
    doc = BASE.replace(old, new)
    ok, diags = check(doc)
    assert not ok
    assert [d.code for d in diags] == [code], [f"{d.code} {d.message}" for d in diags]
    diag = diags[0]
    line = line_of(doc, at)
    assert (diag.span.line, diag.span.column) == (line, doc.splitlines()[line - 1].index(at) + 1)
    for word in message_words:
        assert word in diag.message
    for word in hint_words:
        assert word in diag.hint
    for noise in ("{", "Expected is", "/domain/"):
        assert noise not in diag.message


def test_base_document_is_valid():
    assert check(BASE) == (True, [])


# --------------------------------------------------------------------------- the spec page

def spec_qemu_example() -> str:
    fixed = (CASES / "valid" / "qemu_fedora_i686.xml").read_text()
    return fixed.replace("<source network='default'/>", "<source name='default'/>")


def test_spec_source_name_mistake_points_at_the_line_and_says_network():
    doc = spec_qemu_example()
    ok, diags = check(doc)
    assert not ok
    first = diags[0]
    line = line_of(doc, "<source name='default'/>")
    assert (first.span.line, first.span.column) == \
        (line, doc.splitlines()[line - 1].index("name=") + 1)   # the attribute, not <source
    assert "network" in first.message
    assert "network='default'" in first.hint


# --------------------------------------------------------------------------- positions & ranking

def test_position_is_the_start_of_a_tag_that_spans_lines():
    doc = BASE.replace("<graphics type='vnc' port='-1'/>",
                       "<graphics\n        port='-1'\n        keymap='en-us'/>")
    ok, diags = check(doc)
    assert [(d.code, d.span.line, d.span.column) for d in diags] == \
        [("XSD104", line_of(doc, "<graphics"), 5)]


def test_attribute_on_a_later_line_of_its_tag_is_reported_on_its_own_line():
    doc = BASE.replace("<graphics type='vnc' port='-1'/>",
                       "<graphics\n        port='-1'\n        type='vnx'/>")
    ok, diags = check(doc)
    assert [(d.code, d.span.line, d.span.column) for d in diags] == \
        [("XSD103", line_of(doc, "type='vnx'"), 9)]


def test_markup_inside_comments_and_cdata_does_not_shift_positions():
    doc = BASE.replace("<devices>\n",
                       "<devices><!-- <disk type='x'> -->\n"
                       "    <emulator><![CDATA[<disk>]]></emulator>\n"
                       "    <input type='tablet'/><input type='pen'/>\n")
    ok, diags = check(doc)
    assert [(d.code, d.span.line, d.span.column) for d in diags] == \
        [("XSD103", line_of(doc, "'pen'"), len("    <input type='tablet'/><input ") + 1)]


def test_misspelt_required_child_is_reported_once():
    doc = BASE.replace("<memory>219200</memory>", "<memroy>219200</memroy>")
    ok, diags = check(doc)
    assert [d.code for d in diags] == ["XSD101"]
    assert "<memory>" in diags[0].hint and "requires" in diags[0].hint


def test_misspelt_required_attribute_is_reported_once():
    ok, diags = check(BASE.replace("<boot dev='cdrom'/>", "<boot dve='cdrom'/>"))
    assert [d.code for d in diags] == ["XSD102"]
    assert "'dev'" in diags[0].hint


def test_all_errors_reported_shallowest_first():
    doc = (BASE.replace("<readonly/>", "<readonly>x</readonly>")
               .replace("<clock offset='utc'/>", "<clock offset='gmt'/>")
               .replace("<domain type='qemu'>", "<domain type='qemu' foo='1'>"))
    ok, diags = check(doc)
    assert [d.code for d in diags] == ["XSD102", "XSD103", "XSD106"]
    assert [d.span.line for d in diags] == [1, line_of(doc, "<clock"), line_of(doc, "<readonly")]


# --------------------------------------------------------------------------- wrong kind, network

def test_network_checked_as_domain_is_one_clear_error():
    data = (CASES / "valid" / "network_default.xml").read_bytes()
    ok, diags = check(data, "domain")
    assert [(d.code, d.span.line) for d in diags] == [("XSD108", 1)]
    assert "<network>" in diags[0].message and "network" in diags[0].hint


def test_namespaced_domain_is_rejected_without_brace_noise():
    ok, diags = check("<domain xmlns='http://libvirt.org/schemas/domain'><name>a</name></domain>")
    assert [d.code for d in diags] == ["XSD108"]
    assert "{" not in diags[0].message and "xmlns" in diags[0].hint


@pytest.mark.parametrize("old,new,code,hint", [
    ("<forward mode='nat'/>", "<forward mode='nta'/>", "XSD103", "nat"),
    ("stp='on'", "stp='yes'", "XSD103", "on, off"),
    ("end='192.168.122.254'", "", "XSD104", "end="),
    ("<tftp root=", "<tfpt root=", "XSD101", "<tftp>"),
])
def test_network_defects(old, new, code, hint):
    doc = (CASES / "valid" / "network_default.xml").read_text().replace(old, new)
    ok, diags = check(doc, "network")
    assert [d.code for d in diags] == [code]
    assert hint in diags[0].hint


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError):
        check(BASE, "pool")


# --------------------------------------------------------------------------- rules & cost

def test_every_schema_code_is_registered_with_docs():
    rules = {c: r for c, r in registry().items() if c.startswith("XSD")}
    assert set(rules) == {f"XSD10{i}" for i in range(1, 10)}   # XSD109: --schema FILE
    for rule in rules.values():
        assert rule.family == "schema" and rule.severity.value == "error"
        assert all([rule.name, rule.summary, rule.why, rule.example, rule.fix])


def test_valid_document_does_not_import_xmlschema():
    script = textwrap.dedent(f"""
        import sys
        from lxml import etree
        from virtc.compiler.diagnostics import Diagnostics
        from virtc.compiler.validate import validate
        data = open({str(CASES / "valid" / "xen_hvm_fv0.xml")!r}, "rb").read()
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        tree = etree.fromstring(data, parser).getroottree()
        for _ in range(3):
            assert validate(tree, "domain", "x.xml", data, Diagnostics())
        print("xmlschema" in sys.modules)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


# --------------------------------------------------------------------------- robustness

def test_unexpanded_entity_is_reported_not_crashed_on():
    doc = ("<!DOCTYPE domain [<!ENTITY nm 'fc4'>]>\n<domain>\n  <name>&nm;</name>\n"
           "  <memory>1</memory>\n  <os><type>hvm</type></os>\n</domain>\n")
    ok, diags = check(doc)
    assert [(d.code, d.span.line, d.span.column) for d in diags] == [("XSD108", 3, 3)]
    assert "&nm;" in diags[0].message


def test_problems_without_an_explanation_still_surface_cleanly(monkeypatch):
    import virtc.compiler.schema_findings as stage

    monkeypatch.setattr(stage, "explain_element", lambda *args: [])
    ok, diags = check(BASE.replace("<acpi/>", "<acip/>"))
    assert not ok and [d.code for d in diags] == ["XSD108"]
    assert diags[0].span.line == line_of(BASE, "<features>")
    assert "acip" in diags[0].message
    for noise in ("{", "Expected is", "Tag ("):
        assert noise not in diags[0].message


QEMU_NS = "http://libvirt.org/schemas/domain/qemu/1.0"


@pytest.mark.parametrize("body,line,hint", [
    # A misspelling inside libvirt's own namespace gets a did-you-mean with the prefix.
    ("<qemu:comandline><qemu:arg value='-S'/></qemu:comandline>", 5,
     "did you mean <qemu:commandline>?"),
    ("<qemu:commandline>\n<qemu:argg value='-S'/></qemu:commandline>", 6,
     "did you mean <qemu:arg>?"),
    ("<qemu:commandline>\n<qemu:xyzzy/></qemu:commandline>", 6,
     "in this namespace: qemu:arg, qemu:env"),
    # A namespace libvirt doesn't know: not a did-you-mean, and never Clark notation.
    ("<qemu:commandline>\n<foo:bar xmlns:foo='urn:x'/></qemu:commandline>", 6,
     "no element <bar> in namespace 'urn:x'"),
])
def test_namespaced_misspellings_get_hints_in_the_documents_own_prefixes(body, line, hint):
    from virtc.pipeline import load_bytes

    text = (f"<domain type='kvm' xmlns:qemu='{QEMU_NS}'>\n  <name>t</name>\n"
            f"  <memory>65536</memory>\n  <os><type>hvm</type></os>\n{body}\n</domain>")
    found = [d for d in load_bytes(text.encode(), "ns.xml").diagnostics if d.code == "XSD101"]
    assert [d.span.line for d in found] == [line]
    assert hint in found[0].hint and "{" not in found[0].hint


@pytest.mark.parametrize("element, value, form", [
    ("<shmem name='{}'><model type='ivshmem-plain'/></shmem>", "../../var/lib/x", "[^/]*"),
    ("<qemu:commandline><qemu:env name='{}' value='v'/></qemu:commandline>", "A=B",
     "[a-zA-Z0-9_]+"),
])
def test_a_name_of_the_wrong_form_is_said_to_be_of_the_wrong_form(element, value, form):
    """A value that is text but not of its attribute's form (libvirt's schema pattern) is
    told so with the form, not called 'not text' with the hint 'write it as text'."""
    import virtc

    where = element.format(value)
    devices, extra = (where, "") if where.startswith("<shmem") else ("", where)
    doc = (f"<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>"
           f"<name>t</name><memory>65536</memory><os><type>hvm</type></os>"
           f"<devices>{devices}</devices>{extra}</domain>").encode()
    [finding] = virtc.validate(doc)
    assert finding.code == "XSD103" and f"name='{value}'" in finding.message
    assert finding.message.endswith(f"is not text matching {form}"), finding.message
    assert finding.hint == f"write 'name' as text matching {form}"
