"""The <tpm> family: libvirt's defaults, its checks, and the QEMU options libvirt gives."""
import json
import pathlib
import shlex

import pytest

import virtc
from conftest import ROOT
from qemuopts import IMPLIED, parse_opts
from virtc.backends.qemu.devices import tpm as qemu_tpm
from virtc.backends.qemu.dialects import get_dialect
from virtc.backends.qemu.context import QemuContext
from virtc.backends.qemu.opts import render
from virtc.compiler.diagnostics import Diagnostics
from virtc.compiler.networks import network_table
from virtc.pipeline import load_bytes

CORPUS = ROOT / "tests" / "corpus"
WITH_TPM = sorted(p for p in (CORPUS / "dumpxml").glob("*.xml") if "<tpm" in p.read_text())


def domain_with(devices: str, machine: str = "q35") -> bytes:
    return (f"<domain type='kvm'><name>t</name><memory unit='MiB'>256</memory>"
            f"<os><type arch='x86_64' machine='{machine}'>hvm</type></os>"
            f"<devices>{devices}</devices></domain>").encode()


def tpm_options(source: bytes, runtime_dir=None):
    """The QEMU options the tpm builder gives for the document's one <tpm>, as
    (flag, {key: value}) pairs in order."""
    loaded = load_bytes(source, "t.xml")
    assert loaded.ok, loaded.diagnostics
    (node,) = [n for n in loaded.node.devices.families if n.TAG == "tpm"]
    diags = Diagnostics()
    ctx = QemuContext(diags, get_dialect("7.2"), network_table(), runtime_dir=runtime_dir)
    words = render(qemu_tpm.build(node, loaded.node, ctx), ctx.dialect, diags)
    pairs = [(words[i], words[i + 1]) for i in range(0, len(words), 2)]
    return [(flag, dict(parse_opts(value, IMPLIED[flag]))) for flag, value in pairs], diags


def libvirt_tpm_options(name: str):
    """The same options in libvirt's own argv (`virsh domxml-to-native`) of a corpus
    document: -tpmdev key=value, -device JSON."""
    words = shlex.split((CORPUS / "native" / f"{name}.argv").read_text())
    out = []
    for flag, value in zip(words, words[1:]):
        if flag == "-tpmdev":
            out.append((flag, dict(parse_opts(value, "type"))))
        elif flag == "-device" and value.startswith("{") and "tpm" in json.loads(value)["driver"]:
            out.append((flag, {k: str(v) for k, v in json.loads(value).items()}))
    return out


def test_the_corpus_has_tpm_documents():
    assert len(WITH_TPM) >= 5


@pytest.mark.parametrize("path", WITH_TPM, ids=lambda p: p.stem)
def test_tpmdev_and_device_are_libvirts(path):
    ours, _ = tpm_options(path.read_bytes())
    ours = [(flag, opts) for flag, opts in ours if flag != "-chardev"]
    theirs = libvirt_tpm_options(path.stem)
    assert ours == theirs
    # libvirt's domxml-to-native leaves the chardev a null one (it starts no swtpm); a real
    # start, like virtc's, connects it to swtpm's socket.
    chardev = tpm_options(path.read_bytes(), runtime_dir="/run/x")[0][0]
    assert chardev == ("-chardev", {"backend": "socket", "id": "chrtpm",
                                    "path": "/run/x/tpm0-swtpm.sock"})


@pytest.mark.parametrize("devices, model, version", [
    # Each checked against libvirt 9.0: `virsh define`, then `virsh dumpxml --inactive`.
    ("<tpm><backend type='emulator'/></tpm>", "tpm-tis", "1.2"),
    ("<tpm model='tpm-tis'><backend type='emulator'/></tpm>", "tpm-tis", "1.2"),
    ("<tpm model='tpm-crb'><backend type='emulator'/></tpm>", "tpm-crb", "2.0"),
    ("<tpm model='tpm-tis'><backend type='emulator' version='2.0'/></tpm>", "tpm-tis", "2.0"),
])
def test_defaults_are_libvirts(devices, model, version):
    loaded = load_bytes(domain_with(devices), "t.xml")
    (node,) = loaded.node.devices.families
    assert (node.model.value, node.backend.version, node.info.alias) == (model, version, "tpm0")


def test_passthrough_opens_the_host_tpm():
    options, diags = tpm_options(domain_with("<tpm><backend type='passthrough' version='2.0'/></tpm>"))
    # libvirt drops version= on a passthrough backend and fills in /dev/tpm0.
    assert options == [
        ("-tpmdev", {"type": "passthrough", "id": "tpm-tpm0", "path": "/dev/tpm0"}),
        ("-device", {"driver": "tpm-tis", "tpmdev": "tpm-tpm0", "id": "tpm0"})]
    assert list(diags) == []


def test_an_external_swtpm_is_reached_on_its_socket():
    options, _ = tpm_options(domain_with(
        "<tpm model='tpm-crb'><backend type='external'>"
        "<source type='unix' mode='connect' path='/run/my,swtpm.sock'/></backend></tpm>"))
    assert options[0] == ("-chardev", {"backend": "socket", "id": "chrtpm",
                                       "path": "/run/my,swtpm.sock"})
    assert options[1] == ("-tpmdev", {"type": "emulator", "id": "tpm-tpm0", "chardev": "chrtpm"})


def test_compile_notes_that_an_emulated_tpm_needs_swtpm():
    result = virtc.compile(domain_with("<tpm model='tpm-crb'><backend type='emulator'/></tpm>"),
                           qemu_version="7.2")
    assert result.ok
    assert [(d.code, d.severity.value) for d in result.diagnostics] == [("QEMU330", "info")]
    assert "/run/virtc/t/tpm0-swtpm.sock" in result.diagnostics[0].message
    assert "socket,id=chrtpm,path=/run/virtc/t/tpm0-swtpm.sock" in result.argv


@pytest.mark.parametrize("devices, code", [
    # libvirt: "only a single TPM non-proxy device is supported"
    ("<tpm><backend type='emulator'/></tpm><tpm model='tpm-crb'><backend type='emulator'/></tpm>",
     "SEM226"),
    # libvirt: "Unsupported interface 'tpm-crb' for TPM 1.2"
    ("<tpm model='tpm-crb'><backend type='emulator' version='1.2'/></tpm>", "SEM227"),
    # libvirt: "missing external TPM backend type"
    ("<tpm><backend type='external'/></tpm>", "SEM227"),
])
def test_what_libvirt_refuses_is_an_error(devices, code):
    assert [d.code for d in virtc.validate(domain_with(devices))] == [code]


def test_a_tpm_model_of_another_architecture_is_not_compiled():
    result = virtc.compile(domain_with("<tpm model='tpm-spapr'><backend type='emulator'/></tpm>"),
                           qemu_version="7.2")
    assert not result.ok and [d.code for d in result.errors] == ["QEMU320"]
    assert virtc.validate(domain_with("<tpm model='tpm-spapr'><backend type='emulator'/></tpm>")) == []
