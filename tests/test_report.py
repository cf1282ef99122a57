"""The five output formats, as CI systems read them: snapshots plus the fields they need."""
import json
import os
import xml.etree.ElementTree as ET

import pytest

from virtc.cli import main

# A clean domain, one with a warning, and two with errors (one per file).
FILES = [
    "examples/kvm-demo2.xml",
    "tests/golden/net-bridge-legacy-dev.xml",
    "tests/golden/bad-duplicate-mac.xml",
    "tests/golden/bad-spec-qemu-as-printed.xml",
]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif", "junit"])
def test_format_snapshot(capsys, snapshot, fmt):
    code, out, err = run(capsys, "validate", "--format", fmt, *FILES)
    assert code == 1
    assert out == snapshot


def test_text_lines_have_the_documented_shape(capsys):
    code, out, _ = run(capsys, "validate", *FILES)
    lines = out.splitlines()
    assert lines[0] == ("tests/golden/bad-duplicate-mac.xml:11:7: error: SEM207 MAC address "
                        "52:54:00:00:00:01 is used by two interfaces")
    assert lines[1].startswith("    hint: ")
    assert lines[-1] == "4 files: 2 errors, 1 warning"


def test_sarif_has_what_code_scanning_needs(capsys):
    code, out, _ = run(capsys, "validate", "--format", "sarif", *FILES)
    doc = json.loads(out)
    assert doc["version"] == "2.1.0" and "sarif-2.1.0" in doc["$schema"]
    (run_,) = doc["runs"]
    rules = run_["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["SEM207", "SEM218", "XSD102"]
    assert all(r["shortDescription"]["text"] and r["help"]["text"] for r in rules)
    results = run_["results"]
    assert {r["ruleId"] for r in results} == {"SEM207", "SEM218", "XSD102"}
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        loc = r["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"].startswith("tests/golden/")
        assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert loc["region"]["startLine"] >= 1 and loc["region"]["startColumn"] >= 1
    xsd = next(r for r in results if r["ruleId"] == "XSD102")
    assert xsd["level"] == "error" and xsd["locations"][0]["physicalLocation"]["region"]["startLine"] == 23


def test_junit_has_one_testcase_per_file(capsys):
    code, out, _ = run(capsys, "validate", "--format", "junit", *FILES)
    suites = ET.fromstring(out)
    cases = suites.findall("./testsuite/testcase")
    assert sorted(c.get("name") for c in cases) == sorted(FILES)
    failed = {c.get("name") for c in cases if c.find("failure") is not None}
    assert failed == {"tests/golden/bad-duplicate-mac.xml", "tests/golden/bad-spec-qemu-as-printed.xml"}
    assert suites.get("tests") == "4" and suites.get("failures") == "2"


def test_github_escapes_what_the_runner_would_split(capsys):
    from virtc.compiler.diagnostics import Diagnostic, Severity, Span
    from virtc.cli.report.github import format_one

    d = Diagnostic("SEM207", Severity.WARNING, "100% bad, truly\nso", Span("a,b:c.xml", 3, 4), "fix it")
    assert format_one(d) == ("::warning file=a%2Cb%3Ac.xml,line=3,col=4,title=SEM207::"
                             "SEM207 100%25 bad, truly%0Aso%0Ahint: fix it")


def test_exit_zero_and_warnings_as_errors(capsys):
    warn = "tests/golden/net-bridge-legacy-dev.xml"
    assert run(capsys, "validate", warn)[0] == 0
    code, out, _ = run(capsys, "validate", "--warnings-as-errors", warn)
    assert code == 1 and "error: SEM218" in out and out.endswith("1 file: 1 error, 0 warnings\n")
    assert run(capsys, "validate", "--exit-zero", *FILES)[0] == 0
    assert run(capsys, "validate", "--exit-zero", "no/such.xml")[0] == 2


def test_machine_formats_keep_stdout_clean(capsys):
    code, out, err = run(capsys, "validate", "--format", "json", *FILES)
    json.loads(out)
    assert err.strip() == "4 files: 2 errors, 1 warning"


def test_output_file(capsys, tmp_path):
    target = tmp_path / "virtc.sarif"
    code, out, err = run(capsys, "validate", "--format", "sarif", "-o", str(target), *FILES)
    assert code == 1 and out == ""
    assert json.loads(target.read_text())["version"] == "2.1.0"


def test_parallel_output_is_identical(capsys):
    serial = run(capsys, "validate", "tests/golden", "tests/broken")
    parallel = run(capsys, "validate", "-j", "4", "tests/golden", "tests/broken")
    assert serial == parallel


def test_directories_recurse_sorted_and_skip_hidden(capsys, tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / ".git").mkdir()
    good = open("examples/kvm-demo2.xml").read()
    for rel in ("b/z.xml", "a.xml", ".git/x.xml", "b/notes.txt"):
        (tmp_path / rel).write_text(good)
    (tmp_path / "c.xml").write_text("<pool type='dir'/>")
    code, out, _ = run(capsys, "validate", "--format", "junit", str(tmp_path))
    names = [c.get("name") for c in ET.fromstring(out).iter("testcase")]
    assert names == [str(tmp_path / n) for n in ("a.xml", "b/z.xml", "c.xml")]
    assert code == 1 and "XML004" in out      # an unknown root is an error


def test_progress_bar_only_on_a_tty_and_only_when_slow():
    import io

    from virtc.cli.batch import Progress

    class Tty(io.StringIO):
        def isatty(self):
            return True

    quiet = Progress(io.StringIO(), delay=0)
    quiet(1, 2)
    assert quiet.stream.getvalue() == ""
    fast = Progress(Tty(), delay=60)
    fast(1, 2)
    assert fast.stream.getvalue() == ""
    slow = Progress(Tty(), delay=0)
    slow(2, 2)
    slow.close()
    assert "2/2 files" in slow.stream.getvalue()


def test_external_relaxng_schema(capsys):
    code, out, _ = run(capsys, "validate", "--schema", "domain=tests/broken/extra.rng",
                       "examples/kvm-demo2.xml", "examples/qemu-fedora-i686.xml")
    assert code == 1
    assert "examples/qemu-fedora-i686.xml:1:1: error: XSD109 extra.rng:" in out
    assert "kvm-demo2" not in out.split("\n    hint")[0]


@pytest.mark.skipif(not os.path.exists("/usr/share/libvirt/schemas/domain.rng"),
                    reason="libvirt's schemas are not installed")
def test_libvirt_domain_rng_cross_check(capsys):
    rng = "/usr/share/libvirt/schemas/domain.rng"
    assert run(capsys, "validate", "--schema", f"domain={rng}", "examples/kvm-demo2.xml")[0] == 0
    code, out, _ = run(capsys, "validate", "--schema", f"domain={rng}",
                       "tests/golden/bad-spec-qemu-as-printed.xml")
    assert code == 1 and ":11:" in out and "XSD109 domain.rng" in out


def test_bad_schema_is_a_usage_error(capsys, tmp_path):
    bad = tmp_path / "s.rng"
    bad.write_text("<grammar xmlns='http://relaxng.org/ns/structure/1.0'><start/></grammar>")
    code, _, err = run(capsys, "validate", "--schema", str(bad), "examples/kvm-demo2.xml")
    assert code == 2 and "does not compile" in err
