"""The Python API for scripts: virtc.validate() and virtc.compile() (docs/api.md)."""
import doctest
import json
import pathlib
import subprocess
import sys
import textwrap
import zipfile

import pytest

import virtc
from broken_cases import cases
from conftest import EXAMPLES, ROOT
from virtc.cli import main



def test_docs_api_md_examples_run_as_doctests():
    failures, attempted = doctest.testfile(str(ROOT / "docs" / "api.md"), module_relative=False,
                                           optionflags=doctest.ELLIPSIS, verbose=False)
    assert attempted >= 15
    assert failures == 0


def test_importing_virtc_loads_no_pipeline_and_no_lxml():
    code = ("import sys, virtc; "
            "print(sorted(m for m in sys.modules if m.startswith(('virtc.', 'lxml', 'xmlschema', 'jinja2'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("case", [c for c in cases()
                                  if not {"capabilities", "schema"} & set(c.options)],
                         ids=lambda c: c.id)
def test_a_broken_document_is_diagnostics_never_an_exception(case):
    """Every rule's broken document: validate() and compile() return its finding at its
    line, and never raise (documents needing a host capabilities file are left to the CLI)."""
    data = case.path.read_bytes()
    target = case.options.get("target")
    result = virtc.compile(case.path, target, qemu_version=case.options.get("qemu-version", "7.2"),
                           xen_version=case.options.get("xen-version"))
    found = {(d.code, d.span.line) for d in virtc.validate(data) + result.diagnostics}
    assert (case.code, case.line) in found
    if result.errors:
        assert not result.ok and result.argv is None and result.config is None


@pytest.mark.parametrize("source", [b"", b"\x00\x01binary", b"<domain", b"<network/>",
                                    b"<!DOCTYPE d [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><d>&x;</d>",
                                    "tests", "no/such/file.xml"])
def test_unreadable_or_hostile_input_is_an_error_diagnostic(source):
    assert any(d.severity.value == "error" for d in virtc.validate(source))
    result = virtc.compile(source)
    assert not result.ok and result.output is None and result.errors


def test_a_path_like_and_bytes_give_the_same_result():
    path = EXAMPLES / "qemu-fedora-i686.xml"
    a = virtc.compile(path, qemu_version="7.2")
    b = virtc.compile(str(path), qemu_version="7.2")
    c = virtc.compile(path.read_bytes(), qemu_version="7.2")
    assert a.ok and a.argv == b.argv == c.argv


def test_compile_gives_exactly_the_command_lines_argv(capsys):
    """The API and `virtc compile --format json` are the same compiler."""
    for name, target in [("qemu-fedora-i686.xml", "qemu"), ("kvm-demo2.xml", "qemu"),
                         ("xen-hvm-fv0.xml", "xen-xm"), ("xen-pv-fc4.xml", "xen-xl")]:
        path = str(EXAMPLES / name)
        result = virtc.compile(path, target, qemu_version="7.2")
        assert result.ok and result.target == target
        assert main(["compile", path, "--target", target, "--qemu-version", "7.2",
                     "--format", "json"]) == 0
        printed = capsys.readouterr().out
        if target == "qemu":
            assert result.argv == json.loads(printed) and result.config is None
        else:
            assert result.config == json.loads(printed)["config"] and result.argv is None


def test_target_follows_the_domain_type_unless_given():
    assert virtc.compile(EXAMPLES / "xen-pv-fc4.xml").target == "xen-xm"
    assert virtc.compile(EXAMPLES / "kvm-demo2.xml", qemu_version="7.2").target == "qemu"
    with pytest.raises(ValueError, match="unknown target 'lxc'"):
        virtc.compile(EXAMPLES / "kvm-demo2.xml", "lxc")
    with pytest.raises(virtc.UnknownVersion, match="did you mean"):
        virtc.compile(EXAMPLES / "kvm-demo2.xml", qemu_version="7.3")


def test_networks_resolve_a_named_network_and_report_their_own_problems(tmp_path):
    net = tmp_path / "lab.xml"
    net.write_text("<network><name>lab</name><bridge name='br-lab'/></network>")
    domain = (EXAMPLES / "kvm-demo2.xml").read_text().replace(
        "<interface type='user'>", "<interface type='network'><source network='lab'/>")
    assert "source network='lab'" in domain
    result = virtc.compile(domain.encode(), qemu_version="7.2", networks=[net])
    assert result.ok, result.diagnostics
    assert any("br=br-lab" in arg for arg in result.argv)
    # Without the network, the domain names a network nobody defined.
    assert not virtc.compile(domain.encode(), qemu_version="7.2").ok
    # A network document with a problem: its finding comes back with the domain's.
    bad = tmp_path / "bad.xml"
    bad.write_text("<network><nme>lab</nme></network>")
    codes = [d.code for d in virtc.validate(EXAMPLES / "kvm-demo2.xml", networks=[bad])]
    assert codes and all(c.startswith("XSD") for c in codes)


def test_a_network_document_validates_but_does_not_compile():
    doc = b"<network><name>lab</name><bridge name='br-lab'/></network>"
    assert virtc.validate(doc) == []
    result = virtc.compile(doc)
    assert not result.ok and [d.code for d in result.errors] == ["XML004"]


def test_mypy_strict_accepts_a_script_using_the_api(virtc_wheel, tmp_path):
    """py.typed ships in the wheel, and a script using the API type-checks under --strict.

    mypy can't follow setuptools' editable-install import hook, so virtc is installed from
    the wheel into a bare virtual environment that mypy inspects.
    """
    assert "virtc/py.typed" in zipfile.ZipFile(virtc_wheel).namelist()
    env = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    (site,) = env.glob("lib/python3*/site-packages")
    zipfile.ZipFile(virtc_wheel).extractall(site)
    script = tmp_path / "launch.py"
    script.write_text(textwrap.dedent('''\
        import subprocess
        from typing import List, Optional

        import virtc


        def launch_command(path: str) -> Optional[List[str]]:
            for d in virtc.validate(path):
                line: int = d.span.line
                print(f"{d.span.file}:{line}: {d.severity.value}: {d.code} {d.message}")
            result = virtc.compile(path, qemu_version="7.2")
            if not result.ok:
                return None
            argv: Optional[List[str]] = result.argv
            return argv


        def xen_config(data: bytes) -> str:
            result = virtc.compile(data, target="xen-xl")
            return result.config or ""


        def run(path: str) -> int:
            argv = launch_command(path)
            return subprocess.run(argv).returncode if argv else 1
        '''))
    proc = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental",
                           "--python-executable", str(env / "bin" / "python"), str(script)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # And mypy does look at virtc's types: a wrong use is an error.
    script.write_text("import virtc\nx: int = virtc.compile('a.xml').argv\n")
    proc = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental",
                           "--python-executable", str(env / "bin" / "python"), str(script)],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and "incompatible types in assignment" in proc.stdout.lower()
    # virtc.Severity is an enum to mypy: its .value is a str and a match over its members is
    # exhaustive (assert_never), as with enum.Enum before the IR's enums became Choice classes.
    script.write_text(textwrap.dedent('''\
        from typing import assert_never

        import virtc


        def severity(d: virtc.Diagnostic) -> str:
            return d.severity.value


        def is_fatal(d: virtc.Diagnostic) -> bool:
            sev = d.severity
            if sev is virtc.Severity.ERROR:
                return True
            elif sev is virtc.Severity.WARNING or sev is virtc.Severity.INFO:
                return False
            else:
                assert_never(sev)
        '''))
    proc = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental",
                           "--python-executable", str(env / "bin" / "python"), str(script)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
