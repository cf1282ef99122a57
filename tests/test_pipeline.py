"""The one orchestrator (api/pipeline.py): parse → validate → lower → post-parse → checks →
backend, returning a typed result that the CLI and the batch only render."""
from __future__ import annotations

import pathlib

import pytest

from virtc.cli import main
from virtc.compiler import ir
from virtc.pipeline import CompileOptions, Compiled, UnknownVersion, compile_loaded, load_bytes, run

ROOT = pathlib.Path(__file__).resolve().parent.parent
KVM = (ROOT / "examples" / "kvm-demo2.xml").read_bytes()
XEN = (ROOT / "examples" / "xen-pv-fc4.xml").read_bytes()
NETWORK = (ROOT / "examples" / "networks" / "default.xml").read_bytes()


def test_run_gives_the_argv_with_its_target_and_findings():
    result = run(KVM, "kvm.xml", CompileOptions(qemu_version="7.2"))
    assert isinstance(result, Compiled) and result.ok
    assert result.target == "qemu" and isinstance(result.loaded.node, ir.Domain)
    assert result.output[0].endswith("qemu-system-x86_64") and "-machine" in result.output


def test_run_picks_the_domains_own_target_or_the_one_asked_for():
    assert run(XEN, "xen.xml").target == "xen-xm"
    xl = run(XEN, "xen.xml", CompileOptions(target="xen-xl"))
    assert xl.target == "xen-xl" and isinstance(xl.output, str) and "name" in xl.output


def test_the_cli_prints_exactly_what_run_returns(capsys, tmp_path):
    path = tmp_path / "kvm.xml"
    path.write_bytes(KVM)
    assert main(["compile", str(path), "--qemu-version", "7.2", "--format", "lines"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed == run(KVM, str(path), CompileOptions(qemu_version="7.2")).output


@pytest.mark.parametrize("change,stage", [
    ((b"<memory>", b"<memory unit='lightyears'>"), "XSD"),               # schema
    ((b"<vcpu>", b"<currentMemory>999999999</currentMemory><vcpu>"), "SEM"),  # checks
    ((b"</devices>", b"<memballoon model='xen'/></devices>"), "QEMU"),  # backend
])
def test_an_error_at_any_stage_leaves_no_output(change, stage):
    result = run(KVM.replace(*change), "b.xml", CompileOptions(qemu_version="7.2"))
    assert result.output is None and not result.ok
    assert result.diagnostics[0].code.startswith(stage), [str(d) for d in result.diagnostics]


def test_a_backend_error_is_in_the_result_not_raised():
    balloon = KVM.replace(b"</devices>", b"<memballoon model='xen'/></devices>")
    result = run(balloon, "m.xml", CompileOptions(qemu_version="7.2"))
    assert result.output is None
    assert [d.code for d in result.diagnostics] == ["QEMU322"]


def test_a_document_that_is_not_a_domain_does_not_compile():
    result = run(NETWORK, "net.xml")
    assert result.output is None and [d.code for d in result.diagnostics] == ["XML004"]


def test_a_valid_domain_no_backend_compiles_is_a_compile_finding():
    lxc = b"""<domain type='lxc'><name>c</name><memory>65536</memory>
<os><type>exe</type><init>/bin/sh</init></os></domain>"""
    loaded = load_bytes(lxc, "lxc.xml")
    assert loaded.diagnostics == []           # valid: validate says nothing
    result = compile_loaded(loaded)
    assert [d.code for d in result.diagnostics] == ["QEMU320"] and result.output is None


def test_an_unknown_version_is_a_usage_error_not_a_finding():
    with pytest.raises(UnknownVersion, match="did you mean"):
        run(KVM, "kvm.xml", CompileOptions(qemu_version="7.3"))
    with pytest.raises(UnknownVersion):
        run(XEN, "xen.xml", CompileOptions(xen_version="99"))


def test_post_parse_runs_before_the_checks_and_the_backend():
    rng = KVM.replace(b"</devices>", b"<rng model='virtio'><backend model='random'/></rng>"
                      b"</devices>")
    result = run(rng, "r.xml", CompileOptions(qemu_version="7.2"))
    assert "rng-random,id=objrng0,filename=/dev/random" in result.output
