"""Startup pays only for what the command uses (pre-commit runs virtc on every commit).

A valid document never needs xmlschema (it only explains failures), and a QEMU compile
never needs jinja2 (it only lays out Xen configs). Checked in a fresh interpreter.
"""
import json
import subprocess
import sys

import pytest

PROBE = """
import contextlib, io, json, sys
from virtc.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(m.split(".")[0] for m in sys.modules)}))
"""


def loaded_after(*argv):
    out = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True,
                         check=True).stdout
    result = json.loads(out.splitlines()[-1])
    return result["code"], set(result["modules"])


@pytest.mark.parametrize("argv", [
    ["validate", "examples/kvm-demo2.xml"],
    ["validate", "examples/xen-hvm-fv0.xml", "examples/qemu-fedora-i686.xml"],
    ["compile", "--target", "qemu", "--qemu-version", "7.2", "examples/kvm-demo2.xml"],
    ["compile", "examples/qemu-fedora-i686.xml", "--format", "json"],
])
def test_fast_paths_import_neither_xmlschema_nor_jinja2(argv):
    code, modules = loaded_after(*argv)
    assert code == 0
    assert "xmlschema" not in modules
    assert "jinja2" not in modules


def test_the_slow_paths_do_load_them():
    """The guard above can fail: these paths really import the libraries it looks for."""
    code, modules = loaded_after("validate", "tests/golden/bad-spec-qemu-as-printed.xml")
    assert code == 1 and "xmlschema" in modules
    code, modules = loaded_after("compile", "examples/xen-pv-fc4.xml")
    assert code == 0 and "jinja2" in modules


@pytest.mark.parametrize("argv", [
    ["validate", "a.xml"],
    ["validate", "a.xml", "dir", "b c.xml"],
    ["validate", "--compile", "a.xml"],
    ["validate", "--exit-zero", "a.xml", "b.xml", "--warnings-as-errors", "--compile"],
])
def test_the_hooks_command_line_skips_argparse_but_means_the_same(argv):
    """`virtc validate [--compile] FILE…` (the pre-commit hooks) is read without argparse;
    the namespace must be exactly what argparse builds, defaults included."""
    from virtc.cli.arguments import parser as _parser, quick_args as _quick_args

    quick = _quick_args(argv)
    assert quick is not None
    assert vars(quick) == vars(_parser().parse_args(argv))


@pytest.mark.parametrize("argv", [
    ["validate"], ["validate", "--compile"], ["validate", "-j", "2", "a.xml"],
    ["validate", "--format", "json", "a.xml"], ["validate", "--comp", "a.xml"],
    ["validate", "-", "a.xml"], ["validate", "--help"], ["compile", "a.xml"], [],
    ["validate", "a.xml", "--compile", "b.xml"],   # argparse refuses a second run of paths
])
def test_any_other_command_line_goes_through_argparse(argv):
    from virtc.cli.arguments import quick_args as _quick_args

    assert _quick_args(argv) is None


def test_a_valid_file_loads_no_argparse():
    """What the hooks run on every commit pays for no argument parser."""
    code, modules = loaded_after("validate", "examples/kvm-demo2.xml")
    assert code == 0 and "argparse" not in modules
