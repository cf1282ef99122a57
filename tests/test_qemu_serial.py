"""Serial ports and consoles as today's documents write them (<target type> and <model>):
-chardev plus the -device libvirt gives each (isa-serial, pci-serial, virtconsole)."""
import json
import shlex

import pytest

import virtc
from conftest import ROOT
from qemu_harness import needs_qemu, run_paused
from qemuopts import parse_opts

CORPUS = ROOT / "tests" / "corpus"
# (hugepages has no libvirt argv: domxml-to-native needs a mounted hugetlbfs there.)
WITH_SERIAL = sorted(p for p in (CORPUS / "dumpxml").glob("*.xml")
                     if "<target type='isa-serial'" in p.read_text()
                     and (CORPUS / "native" / f"{p.stem}.argv").exists())


def serial_options(argv):
    """-chardev charserialN options and the -device of each serial, from an argv."""
    chardevs, devices = {}, {}
    for flag, value in zip(argv, argv[1:]):
        if flag == "-chardev" and "id=charserial" in value:
            opts = dict(parse_opts(value, "backend"))
            chardevs[opts["id"]] = opts
        elif flag == "-device" and "charserial" in value:
            opts = ({k: str(v) for k, v in json.loads(value).items()} if value.startswith("{")
                    else dict(parse_opts(value, "driver")))
            devices[opts["chardev"]] = opts
    return chardevs, devices


def domain(devices: str, machine="pc") -> bytes:
    return (f"<domain type='qemu'><name>s</name><memory unit='MiB'>128</memory>"
            f"<os><type arch='x86_64' machine='{machine}'>hvm</type></os>"
            f"<devices>{devices}</devices></domain>").encode()


def test_the_corpus_writes_serial_targets():
    assert len(WITH_SERIAL) >= 50


@pytest.mark.parametrize("path", WITH_SERIAL, ids=lambda p: p.stem)
def test_serial_ports_are_libvirts(path):
    from virtc.backends.qemu.devices.chardev import build_all
    from virtc.backends.qemu.context import QemuContext
    from virtc.backends.qemu.dialects import get_dialect
    from virtc.backends.qemu.opts import render
    from virtc.compiler.diagnostics import Diagnostics
    from virtc.compiler.networks import network_table
    from virtc.pipeline import load_bytes

    loaded = load_bytes(path.read_bytes(), str(path))
    diags = Diagnostics()
    ctx = QemuContext(diags, get_dialect("7.2"), network_table())
    d = loaded.node.devices
    ours = render(build_all(d.serials + d.parallels + d.consoles, loaded.node, ctx),
                  ctx.dialect, diags)
    theirs = shlex.split((CORPUS / "native" / f"{path.stem}.argv").read_text())
    assert serial_options(ours) == serial_options(theirs)
    assert [x.code for x in diags] == []


def test_a_2007_serial_keeps_its_serial_option():
    result = virtc.compile(domain("<serial type='pty'/>"), qemu_version="7.2")
    assert "-serial" in result.argv and "isa-serial" not in " ".join(result.argv)


@needs_qemu
def test_qemu_starts_isa_and_pci_serial_ports():
    result = virtc.compile(domain(
        "<serial type='pty'><target type='isa-serial' port='0'><model name='isa-serial'/>"
        "</target></serial><serial type='unix'><source mode='bind' path='/tmp/virtc-s1.sock'/>"
        "<target type='pci-serial' port='1'/></serial>"
        "<console type='pty'><target type='serial' port='0'/></console>"), qemu_version="7.2")
    assert result.ok, result.diagnostics
    assert "pci-serial,chardev=charserial1,id=serial1" in result.argv
    assert "isa-serial,chardev=charserial0,id=serial0,index=0" in result.argv
    out = run_paused(result.argv)
    assert out.started, out.stderr


@pytest.mark.parametrize("devices, code", [
    ("<console type='pty'><target type='sclp' port='0'/></console>", "QEMU320"),
])
def test_targets_virtc_does_not_build_are_reported(devices, code):
    result = virtc.compile(domain(devices), qemu_version="7.2")
    assert [d.code for d in result.errors] == [code]
    assert virtc.validate(domain(devices)) == []


def test_xen_has_only_isa_serial_ports_and_its_pv_console():
    doc = (b"<domain type='xen'><name>x</name><memory>65536</memory><os><type>hvm</type>"
           b"<loader>/usr/lib/xen/boot/hvmloader</loader></os><devices>"
           b"<serial type='pty'><target type='pci-serial' port='0'/></serial></devices></domain>")
    result = virtc.compile(doc)
    assert [d.code for d in result.errors] == ["XEN440"]
