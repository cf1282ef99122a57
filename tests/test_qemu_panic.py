"""The <panic> family for QEMU: pvpanic as libvirt writes it, in libvirt's argv and in the
real QEMU."""
import json
import shlex

import pytest

import qemu_harness as harness
import virtc
from conftest import ROOT
from virtc.backends.qemu.context import QemuContext
from virtc.backends.qemu.devices import panic as qemu_panic
from virtc.backends.qemu.dialects import get_dialect
from virtc.backends.qemu.opts import render
from virtc.compiler.diagnostics import Diagnostics
from virtc.compiler.networks import network_table
from virtc.pipeline import load_bytes

CORPUS = ROOT / "tests" / "corpus"
WITH_PANIC = sorted(p for p in (CORPUS / "dumpxml").glob("*.xml") if "<panic" in p.read_text())


def domain_with(devices: str, machine: str = "q35") -> bytes:
    return (f"<domain type='kvm'><name>t</name><memory unit='MiB'>128</memory>"
            f"<os><type arch='x86_64' machine='{machine}'>hvm</type></os>"
            f"<devices>{devices}</devices></domain>").encode()


def panic_argv(source: bytes, version: str = "7.2"):
    loaded = load_bytes(source, "t.xml")
    assert loaded.ok, loaded.diagnostics
    diags = Diagnostics()
    ctx = QemuContext(diags, get_dialect(version), network_table())
    options = [o for n in loaded.node.devices.families if n.TAG == "panic"
               for o in qemu_panic.build(n, loaded.node, ctx)]
    return render(options, ctx.dialect, diags), [d.code for d in diags]


def libvirt_panic_devices(name: str):
    words = shlex.split((CORPUS / "native" / f"{name}.argv").read_text())
    return [json.loads(v) for f, v in zip(words, words[1:])
            if f == "-device" and "pvpanic" in v]


def test_the_corpus_has_panic_documents():
    assert len(WITH_PANIC) >= 2


@pytest.mark.parametrize("path", WITH_PANIC, ids=lambda p: p.stem)
def test_pvpanic_is_libvirts(path):
    words, codes = panic_argv(path.read_bytes())
    ours = [{"driver": w} for w in words[1::2]]
    assert ours == libvirt_panic_devices(path.stem)
    # model='hyperv' is hv-crash on -cpu, not a device (test_hyperv_panic_is_hv_crash).
    assert codes == []


@pytest.mark.parametrize("devices, words", [
    # The default model on x86 is isa (libvirt's post-parse); no id, as libvirt writes it.
    ("<panic/>", ["-device", "pvpanic"]),
    ("<panic model='isa'><address type='isa' iobase='0x506'/></panic>",
     ["-device", "pvpanic,ioport=1286"]),
    ("<panic model='pvpanic'/>", ["-device", "pvpanic-pci,id=panic0"]),
    ("<panic model='pvpanic'><address type='pci' domain='0' bus='0' slot='9' function='0'/></panic>",
     ["-device", "pvpanic-pci,id=panic0,bus=pcie.0,addr=0x9"]),
])
def test_devices(devices, words):
    assert panic_argv(domain_with(devices)) == (words, [])


def test_pvpanic_pci_needs_qemu_6():
    assert panic_argv(domain_with("<panic model='pvpanic'/>"), "5.0") == ([], ["QEMU301"])


def test_hyperv_panic_is_hv_crash():
    """libvirt's win10-hyperv argv: -cpu host,…,hv-reset=on,hv-crash (a bare hv-crash)."""
    words = shlex.split((CORPUS / "native" / "win10-hyperv.argv").read_text())
    theirs = words[words.index("-cpu") + 1].split(",")
    result = virtc.compile((CORPUS / "dumpxml" / "win10-hyperv.xml").read_bytes(),
                           qemu_version="7.2")
    ours = result.argv[result.argv.index("-cpu") + 1].split(",") if result.argv else None
    assert "hv-crash" in theirs
    if ours is None:                 # the document may hold families others still build
        from virtc.backends.qemu.platform.features import cpu_properties
        loaded = load_bytes((CORPUS / "dumpxml" / "win10-hyperv.xml").read_bytes(), "w.xml")
        ours = [f"{k}=on" if v is True else str(v) for k, v in
                cpu_properties(loaded.node, get_dialect("7.2"))]
    assert "hv-crash=on" in ours
    without = virtc.compile(domain_with(""), qemu_version="7.2").argv
    assert not any("hv-crash" in w for w in without)


@pytest.mark.parametrize("model", ["pseries", "s390"])
def test_models_virtc_cannot_build_are_reported(model):
    result = virtc.compile(domain_with(f"<panic model='{model}'/>"), qemu_version="7.2")
    assert not result.ok and [d.code for d in result.errors] == ["QEMU320"]


@harness.needs_qemu
def test_real_qemu_builds_both_pvpanics():
    result = virtc.compile(domain_with(
        "<panic model='isa'><address type='isa' iobase='0x506'/></panic>"
        "<panic model='pvpanic'/>"), qemu_version="7.2")
    assert result.ok, result.diagnostics
    run = harness.run_guests([harness.Guest(result.argv, qom=[
        ("/machine/peripheral/panic1", "type"),
        ("/machine/peripheral-anon/device[0]", "ioport")])])[0]
    assert run.started, run.stderr
    assert run.qom == {"/machine/peripheral/panic1 type": "pvpanic-pci",
                       "/machine/peripheral-anon/device[0] ioport": 0x506}
