"""<channel> for QEMU: the character device and virtio-serial port libvirt gives each one."""
import json
import shlex

import pytest

from conftest import ROOT
from qemuopts import parse_opts
from virtc.backends.qemu.context import QemuContext
from virtc.backends.qemu.devices import channel as qemu_channel
from virtc.backends.qemu.dialects import get_dialect
from virtc.backends.qemu.opts import render
from virtc.compiler.diagnostics import Diagnostics
from virtc.compiler.networks import network_table
from virtc.pipeline import load_bytes

CORPUS = ROOT / "tests" / "corpus"
# Documents whose channels are all unix sockets: the types the character device IR doesn't
# read yet (spicevmc, qemu-vdagent) are reported as not compiled, so libvirt's channel
# numbering can only be compared where every channel is built.
WITH_CHANNELS = sorted(p for p in (CORPUS / "dumpxml").glob("*.xml")
                       if "<channel type='unix'" in p.read_text()
                       and p.read_text().count("<channel ") == p.read_text().count("<channel type='unix'"))


def our_channels(source: bytes, runtime_dir="/run/test"):
    """chardev id -> (chardev options, virtserialport options) for each channel virtc builds."""
    loaded = load_bytes(source, "t.xml")
    assert loaded.ok, loaded.diagnostics
    diags = Diagnostics()
    ctx = QemuContext(diags, get_dialect("7.2"), network_table(), runtime_dir=runtime_dir)
    found = {}
    for node in loaded.node.devices.families:
        if node.TAG != "channel":
            continue
        words = render(qemu_channel.build(node, loaded.node, ctx), ctx.dialect, diags)
        if not words:
            continue
        chardev = dict(parse_opts(words[1], "backend"))
        found[chardev["id"]] = (chardev, dict(parse_opts(words[3], "driver")))
    return found, diags


def libvirt_channels(name: str):
    words = shlex.split((CORPUS / "native" / f"{name}.argv").read_text())
    chardevs, ports = {}, {}
    for flag, value in zip(words, words[1:]):
        if flag == "-chardev" and "id=charchannel" in value:
            opts = dict(parse_opts(value, "backend"))
            chardevs[opts["id"]] = opts
        elif flag == "-device" and '"virtserialport"' in value:
            opts = {k: str(v) for k, v in json.loads(value).items()}
            ports[opts["chardev"]] = opts
    return {cid: (chardevs[cid], ports[cid]) for cid in chardevs}


def test_the_corpus_has_guest_agent_channels():
    assert len(WITH_CHANNELS) >= 8


@pytest.mark.parametrize("path", WITH_CHANNELS, ids=lambda p: p.stem)
def test_unix_channels_are_libvirts(path):
    ours, _ = our_channels(path.read_bytes())
    theirs = libvirt_channels(path.stem)
    assert ours, "no channel built"
    for cid, (chardev, port) in ours.items():
        their_chardev, their_port = theirs[cid]
        assert port == their_port
        # A channel without a source path listens where the guest's runtime files go:
        # libvirt's channel directory, virtc's runtime directory; the name is the target's.
        if their_chardev["path"].startswith("/var/lib/libvirt/qemu/channel/target/"):
            assert chardev["path"] == "/run/test/" + port["name"]
            chardev = {**chardev, "path": their_chardev["path"]}
        assert chardev == their_chardev


def test_a_channel_without_an_address_takes_the_next_port():
    doc = (b"<domain type='kvm'><name>t</name><memory unit='MiB'>256</memory>"
           b"<os><type arch='x86_64' machine='q35'>hvm</type></os><devices>"
           b"<channel type='unix'><source mode='bind' path='/tmp/a,b.sock'/>"
           b"<target type='virtio' name='org.example.one'/></channel>"
           b"<channel type='pty'><target type='virtio' name='org.example.two'/></channel>"
           b"</devices></domain>")
    ours, diags = our_channels(doc, runtime_dir=None)
    assert ours["charchannel0"] == (
        {"backend": "socket", "id": "charchannel0", "path": "/tmp/a,b.sock", "server": "on",
         "wait": "off"},
        {"driver": "virtserialport", "bus": "virtio-serial0.0", "nr": "1",
         "chardev": "charchannel0", "id": "channel0", "name": "org.example.one"})
    assert ours["charchannel1"][0] == {"backend": "pty", "id": "charchannel1"}
    assert ours["charchannel1"][1]["nr"] == "2"
    assert list(diags) == []


def test_a_guestfwd_channel_is_not_compiled_yet():
    doc = (b"<domain type='kvm'><name>t</name><memory unit='MiB'>256</memory>"
           b"<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>"
           b"<channel type='pty'><target type='guestfwd' address='10.0.2.1' port='4600'/>"
           b"</channel></devices></domain>")
    ours, diags = our_channels(doc)
    assert ours == {} and [d.code for d in diags] == ["QEMU320"]


def test_channel_types_the_ir_does_not_read_are_reported():
    import virtc

    result = virtc.compile(CORPUS / "dumpxml" / "channels.xml", qemu_version="7.2")
    lines = {d.span.line for d in result.diagnostics if d.code == "QEMU320"}
    text = (CORPUS / "dumpxml" / "channels.xml").read_text().splitlines()
    assert {n for n, line in enumerate(text, 1)
            if "<channel type='spicevmc'" in line or "<channel type='qemu-vdagent'" in line} <= lines
