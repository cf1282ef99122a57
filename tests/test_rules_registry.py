"""The rule registry: every code documented, triggered by a fixture, listed in docs/rules.md."""
import re
import subprocess
import sys

import pytest

from broken_cases import cases
from virtc.cli import main
from virtc.compiler.rules import active, registry

# Codes no document can trigger through `virtc validate --compile`, and why. Each one is
# still registered (the code exists for the API or as a backstop behind an earlier stage).
UNREACHABLE = {
    "XML005": "needs a file over the 10 MiB input limit; tests/test_hostile_input.py covers it",
    "XML007": "the corpus reader decodes fixtures as UTF-8, so a file with bad bytes can't "
              "carry the expect header; tests/test_hostile_input.py covers it",
    "XML009": "the Python API's answer for a path it can't read (the command line exits 2 "
              "instead); tests/test_api.py covers it",
    "XSD108": "the root element picks the schema, so a namespaced or wrong-kind root stops "
              "at XML004 first; XSD108 is the API's answer for validate(kind=…) mismatches "
              "and entity references (which XML002 refuses earlier)",
    "QEMU310": "SEM210/SEM206 reject bad and duplicate targets before the backend runs",
    "QEMU313": "SEM209 rejects VNC ports below 5900 before the backend runs",
    "XEN407": "SEM211 rejects a hard disk without a source before the backend runs",
    "XEN411": "SEM210 rejects floppy targets other than fda/fdb before the backend runs",
    "XEN414": "SEM209 rejects VNC ports below 5900 before the backend runs",
    "XEN422": "reachable only from the API with a str that is not valid Unicode",
    "XEN423": "SEM213 rejects Xen PV guests without kernel or bootloader before the backend runs",
}
# Findings about a Xen config being imported: tests/test_xen_import.py has a config for each.
UNREACHABLE.update({code: "import only (virtc import --from xen-xm|xen-xl): a finding about the "
                          "config being read; see tests/test_xen_import.py"
                    for code in ("XEN424", "XEN425", "XEN426", "XEN427", "XEN428", "XEN429",
                                 "XEN431", "XEN432", "XEN502")})
# `virtc run` findings depend on the host (what is installed, which bridges exist):
# tests/test_run.py triggers them.
UNREACHABLE.update({code: "virtc run only: a finding about the host a guest would start on; "
                          "see tests/test_run.py"
                    for code in ("RUN601", "RUN602", "RUN603", "RUN604", "RUN605", "RUN606",
                                 "RUN607")})
# The JSON serializer's type guard: builders give well-typed values, so no document reaches
# it; tests/test_qemu_json.py triggers it on hand-built options.
UNREACHABLE["QEMU440"] = ("a builder value that has no form in QEMU's JSON property type;"
                          " see tests/test_qemu_json.py")
# Host discovery warnings come from probing emulators, not from a document:
# tests/test_capabilities_discovery.py triggers each with a fake emulator.
UNREACHABLE.update({code: "discovery only (virtc capabilities): a probe that fails, times out "
                          "or finds no emulator; see tests/test_capabilities_discovery.py"
                    for code in ("CAP510", "CAP511", "CAP512")})


def test_every_rule_has_a_complete_doc():
    for code, rule in registry().items():
        assert re.fullmatch(r"(XML0|XSD1|SEM[23]|QEMU[34]|XEN[45]|CAP5|RUN6)\d\d", code), code
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name), code
        for part in ("summary", "why", "example", "fix"):
            assert getattr(rule, part).strip(), f"{code} has no {part}"
    names = [r.name for r in registry().values()]
    assert len(names) == len(set(names))


def test_every_rule_has_a_fixture_or_a_reason():
    covered = {c.code for c in cases()}
    reg = set(active())     # a retired code is reported by nothing, so nothing triggers it
    assert covered <= reg, f"fixtures for unregistered codes: {covered - reg}"
    assert set(UNREACHABLE) <= reg, f"stale UNREACHABLE entries: {set(UNREACHABLE) - reg}"
    assert not covered & set(UNREACHABLE), f"now covered, drop from UNREACHABLE: {covered & set(UNREACHABLE)}"
    missing = reg - covered - set(UNREACHABLE)
    assert not missing, f"no fixture in tests/broken/ triggers {sorted(missing)}"


def test_docs_rules_md_is_up_to_date(capsys):
    assert main(["rules", "--format", "markdown"]) == 0
    generated = capsys.readouterr().out
    with open("docs/rules.md", encoding="utf-8") as fh:
        assert fh.read() == generated, "regenerate: virtc rules --format markdown > docs/rules.md"


def test_rules_lists_every_code(capsys):
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    assert [line.split()[0] for line in out.splitlines()] == list(registry())


@pytest.mark.parametrize("key", ["SEM206", "sem206", "duplicate-disk-target"])
def test_rule_prints_one_doc(capsys, key):
    assert main(["rule", key]) == 0
    out = capsys.readouterr().out
    assert out.startswith("SEM206 duplicate-disk-target")
    for heading in ("What it catches:", "Why it matters:", "Example:", "Fix:"):
        assert heading in out


def test_unknown_rule_is_a_usage_error_with_suggestions(capsys):
    assert main(["rule", "SEM2066"]) == 2
    err = capsys.readouterr().err
    assert "unknown rule 'SEM2066'" in err and "did you mean" in err and "SEM206" in err


# ------------------------------------------------------------ code constants and severities

def test_every_code_constant_is_one_documented_rule():
    """The constants call sites import (compiler/rules/codes.py, and the codes a device
    family declares) and the docs list the same codes, with the same severity; a retired
    code keeps its doc but has no constant, so nothing can report it."""
    from virtc.compiler.rules import codes

    table = registry()   # loads every family module, and with it the codes each declares
    constants = codes.all_codes()
    assert set(constants) == set(active())
    for code, rule in active().items():
        assert constants[code].severity is rule.severity, code
    core = {name: c for name, c in vars(codes).items() if isinstance(c, codes.Code)}
    assert [name for name, c in core.items() if name != c.code] == []
    for code, rule in table.items():
        if rule.retired:
            assert code not in constants, f"retired {code} must not be reportable"


def test_a_call_site_gets_the_severity_its_code_carries():
    from virtc.compiler.diagnostics import Diagnostics, Severity, Span
    from virtc.compiler.rules.codes import QEMU306, SEM218

    diags = Diagnostics()
    diags.add(SEM218, "m", Span())
    diags.add(QEMU306, "m", Span())
    diags.add("SEM218", "m", Span())     # the string form still works, same result
    assert [(d.code, d.severity) for d in diags] == [
        ("SEM218", Severity.WARNING), ("QEMU306", Severity.WARNING),
        ("SEM218", Severity.WARNING)]
    assert all(type(d.code) is str for d in diags)
    with pytest.raises(KeyError, match="SEM999"):
        diags.add("SEM999", "m", Span())


def test_a_misspelled_code_fails_at_import():
    with pytest.raises(ImportError):
        exec("from virtc.compiler.rules.codes import SEM2018", {})


def test_diagnostics_and_rules_import_without_a_cycle():
    """The code constants depend on nothing but compiler/node.py (a leaf: its `Choice` is
    their Severity), the diagnostics model on the constants only: neither loads the rules'
    documentation, which only `virtc rules` and renderers need."""
    probe = ("import sys, virtc.compiler.node; "
             "assert [m for m in sys.modules if m.startswith('virtc.')] == "
             "['virtc.compiler', 'virtc.compiler.node'], sys.modules; "
             "import virtc.compiler.rules.codes as c; "
             "assert not [m for m in sys.modules if m.startswith('virtc.') and m not in "
             "('virtc', 'virtc.compiler', 'virtc.compiler.node', 'virtc.compiler.rules', "
             "'virtc.compiler.rules.codes')], "
             "sorted(m for m in sys.modules if m.startswith('virtc.')); "
             "import virtc.compiler.diagnostics; "
             "docs = [m for m in sys.modules if m.startswith('virtc.compiler.rules.') "
             "and m != 'virtc.compiler.rules.codes']; assert not docs, docs")
    subprocess.run([sys.executable, "-c", probe], check=True)


# ------------------------------------------------------------------------- retired codes

def test_a_retired_code_stays_documented_and_is_never_reported(capsys):
    from virtc.compiler.diagnostics import Diagnostics, Span

    retired = {code for code, rule in registry().items() if rule.retired}
    assert retired >= {"QEMU312", "XEN417"}
    assert main(["rule", "QEMU312"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("QEMU312 source-incomplete (qemu, retired)") and "SEM201" in out
    assert main(["rules"]) == 0
    assert "XEN417   retired  char-device-incomplete" in capsys.readouterr().out
    for code in retired:
        with pytest.raises(KeyError):
            Diagnostics().add(code, "m", Span())


DOMAIN = """<domain type='{type}'>
  <name>t</name>
  <memory>65536</memory>
  <os>
    <type>hvm</type>{loader}
  </os>
  <devices>
    {device}
  </devices>
</domain>
"""
HVMLOADER = "\n    <loader>/usr/lib/xen/boot/hvmloader</loader>"


@pytest.mark.parametrize("device,code", [
    ("<serial type='file'><target port='0'/></serial>", "SEM220"),
    ("<serial type='tcp'><source mode='connect' host='127.0.0.1'/></serial>", "SEM220"),
    ("<interface type='mcast'><source port='5558'/></interface>", "SEM201"),
])
@pytest.mark.parametrize("target", ["qemu", "xen-xm", "xen-xl"])
def test_no_backend_runs_on_a_domain_the_checks_reject(tmp_path, capsys, device, code, target):
    """The backends trust the checked IR (what QEMU312 and XEN417 used to check again):
    the API, compile and validate --compile stop at the semantic finding."""
    from virtc.pipeline import CompileOptions, run

    xen = target != "qemu"
    path = tmp_path / "d.xml"
    path.write_text(DOMAIN.format(type="xen" if xen else "kvm",
                                  loader=HVMLOADER if xen else "", device=device))
    result = run(path.read_bytes(), str(path), CompileOptions(target=target))
    assert result.output is None and [d.code for d in result.diagnostics] == [code]
    for argv in (["compile", "--target", target, str(path)],
                 ["validate", "--compile", "--format", "json", str(path)]):
        assert main(argv) == 1
        err = capsys.readouterr()
        shown = err.out + err.err
        assert code in shown, shown
        assert "QEMU3" not in shown and "XEN4" not in shown, shown


# ------------------------------------------------------------ call sites name constants

SOURCE_DIRS = ("compiler", "backends", "cli", "api")
# Files whose call sites still spell codes as strings (diags.add("SEM201", …)); each entry
# is a file to convert, not a place where strings are fine.
STRING_CODES_LEFT: set = set()


def _string_codes(path):
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    # A device family defines its own constants: Code("SEM225", Severity.ERROR).
    defined = {id(node.args[0]) for node in ast.walk(tree)
               if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Code"
               and node.args}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and re.fullmatch(r"(XML|XSD|SEM|QEMU|XEN|CAP)\d{3}", node.value)
            and id(node) not in defined]


def test_no_call_site_spells_a_code_as_a_string():
    """A code in the source is a constant (from compiler.rules.codes, or a device family's
    own), so a misspelling fails at import. Only the registry's docs name codes as text."""
    import pathlib

    root = pathlib.Path(__file__).resolve().parent.parent
    found = {}
    for top in SOURCE_DIRS:
        for path in sorted((root / top).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            if rel.startswith("compiler/rules/"):
                continue
            hits = _string_codes(path)
            if hits:
                found[rel] = hits
    assert set(found) <= STRING_CODES_LEFT, {f: found[f] for f in set(found) - STRING_CODES_LEFT}
    assert STRING_CODES_LEFT <= set(found), f"converted, drop: {STRING_CODES_LEFT - set(found)}"


def test_a_constant_and_its_string_are_the_same_key():
    from virtc.compiler.rules.codes import SEM218, XSD101

    assert SEM218 == "SEM218" and "SEM218" == SEM218 and SEM218 != XSD101
    assert {"SEM218": 1}[SEM218] == 1 and {SEM218: 1}["SEM218"] == 1
