"""Startup pays only for what the command uses (pre-commit runs virtc on every commit).

A valid document never needs xmlschema (it only explains failures), and a QEMU compile
never needs jinja2 (it only lays out Xen configs). Checked in a fresh interpreter.
"""
import json
import pathlib
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


ROOT = pathlib.Path(__file__).resolve().parent.parent


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


# ------------------------------------------------------------------ what validate imports

FULL_PROBE = """
import contextlib, io, json, sys
from virtc.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""

# A q35 guest as `virsh dumpxml` writes it: <features>, <clock>, <pm>, 20 controllers,
# video, sound, a balloon, channels; no <memoryBacking>, <iothreads> or <maxMemory>.
DUMPXML = "tests/corpus/dumpxml/multi-nic.xml"


def modules_after(*argv):
    """Exit status and every module (full dotted names) a fresh `virtc ARGV` imported."""
    out = subprocess.run([sys.executable, "-c", FULL_PROBE, *argv], capture_output=True,
                         text=True, check=True, cwd=ROOT).stdout
    result = json.loads(out.splitlines()[-1])
    return result["code"], set(result["modules"])


def test_validate_imports_only_what_its_rules_read():
    """`virtc validate` (the pre-commit hook) checks a document; it compiles nothing. So it
    imports no backend and no library only a failure or a backend needs, the QEMU driver's
    defaults (addresses, implicit controllers) are not computed, and of the domain-level
    and device modules only those whose rules apply to what the document has: <features>,
    <clock> and <pm> have no rule, nor have controllers, video or the balloon (a <sound>
    has one: SEM306, an <audio id> that no <audio> has). Each
    of these costs a cold run milliseconds (benchmarks/bench.py, figure 5)."""
    code, modules = modules_after("validate", DUMPXML)
    assert code == 0
    assert not {m for m in modules if m.startswith("virtc.backends")}
    assert not {"xmlschema", "jinja2", "argparse", "hashlib"} & modules
    not_needed = {"virtc.compiler.postparse.qemu", "virtc.compiler.postparse.pci",
                  "virtc.compiler.postparse.firmware", "virtc.compiler.postparse.machine",
                  "virtc.compiler.platform.features", "virtc.compiler.platform.clock",
                  "virtc.compiler.platform.lifecycle", "virtc.compiler.memory",
                  "virtc.compiler.platform.cpu",
                  "virtc.compiler.devices.controller", "virtc.compiler.devices.video",
                  "virtc.compiler.devices.memballoon",
                  "virtc.compiler.schema_findings", "virtc.compiler.external_schema"}
    assert not not_needed & modules, sorted(not_needed & modules)
    # The guard can fail: the families whose rules apply are there, and the same document
    # compiled loads what the validate left out.
    assert {"virtc.compiler.devices.disk", "virtc.compiler.devices.interface"} <= modules
    code, modules = modules_after("validate", "--compile", DUMPXML)
    assert {"virtc.backends.qemu", "virtc.compiler.postparse.qemu",
            "virtc.compiler.platform.features", "virtc.compiler.devices.controller",
            "virtc.compiler.platform.cpu"} <= modules


def test_a_domain_level_module_is_imported_only_for_its_element():
    """compiler/memory.py serves <memoryBacking>, <iothreads> and <maxMemory>: a validate of
    a document without them doesn't import it (above), one with them does. The same for
    compiler/platform/cpu.py and what its rules read (a <topology>, <vcpu current>…)."""
    code, modules = modules_after("validate", "tests/corpus/dumpxml/hugepages.xml")
    assert code == 0 and "virtc.compiler.memory" in modules
    code, modules = modules_after("validate", "tests/broken/SEM260-topology-vcpus.xml")
    assert code == 1 and "virtc.compiler.platform.cpu" in modules


def _documents():
    return sorted({*ROOT.glob("tests/corpus/*/*.xml"), *ROOT.glob("tests/golden/*.xml"),
                   *ROOT.glob("tests/broken/*.xml"), *ROOT.glob("tests/schema_cases/**/*.xml"),
                   *ROOT.glob("examples/*.xml"), *ROOT.glob("tests/golden_xen/*.xml")})


def test_validate_finds_what_a_full_load_finds():
    """A validate that compiles nothing skips what only the backends read (the devices no
    rule reads, <features>, <clock>, <pm>, the QEMU driver's defaults): its findings must
    be exactly those of a full load, for every document the tests have."""
    from corpus_mutations import Mutator, mutants, originals, schema_enumerations
    from virtc.pipeline import load_bytes

    docs = [(str(p.relative_to(ROOT)), p.read_bytes()) for p in _documents()]
    assert len(docs) > 400
    enums, texts = schema_enumerations()
    docs += [(name, doc) for name, doc, _ in mutants(600, 20261130, Mutator(enums, texts),
                                                     originals())]
    differ = []
    for name, data in docs:
        quick = load_bytes(data, name, for_backends=False)
        full = load_bytes(data, name)
        if [str(d) for d in quick.diagnostics] != [str(d) for d in full.diagnostics]:
            differ.append(name)
    assert not differ, differ[:10]
