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
# Every corpus document with a channel: unix sockets (the guest agent), the SPICE agent
# (spicevmc) and QEMU's own agent (qemu-vdagent), numbered as libvirt numbers them.
# (A document without libvirt's argv beside it, one libvirt couldn't start here, is skipped.)
WITH_CHANNELS = sorted(p for p in (CORPUS / "dumpxml").glob("*.xml")
                       if "<channel type=" in p.read_text()
                       and (CORPUS / "native" / f"{p.stem}.argv").exists())


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
        if their_chardev.get("path", "").startswith("/var/lib/libvirt/qemu/channel/target/"):
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


def test_spice_and_qemu_agent_channels_are_libvirts():
    ours, diags = our_channels((CORPUS / "dumpxml" / "channels.xml").read_bytes())
    assert ours["charchannel1"][0] == {"backend": "spicevmc", "id": "charchannel1",
                                       "name": "vdagent"}
    assert ours["charchannel1"][1]["name"] == "com.redhat.spice.0"
    # The document's qemu-vdagent channel takes the same port name, which QEMU refuses
    # (libvirt writes it anyway): QEMU407 on it, and the next channel keeps its number.
    assert "charchannel2" not in ours and "charchannel3" in ours
    assert [d.code for d in diags] == ["QEMU407"]


def test_a_qemu_vdagent_channel_is_libvirts():
    doc = (b"<domain type='kvm'><name>t</name><memory unit='MiB'>256</memory>"
           b"<os><type arch='x86_64' machine='q35'>hvm</type></os><devices>"
           b"<channel type='qemu-vdagent'><source><clipboard copypaste='no'/>"
           b"<mouse mode='server'/></source><target type='virtio'/></channel>"
           b"</devices></domain>")
    ours, diags = our_channels(doc)
    # libvirt's tests/qemuxml2argvdata/channel-qemu-vdagent.x86_64-latest.args
    assert ours["charchannel0"][0] == {"backend": "qemu-vdagent", "id": "charchannel0",
                                       "name": "vdagent", "clipboard": "off", "mouse": "off"}
    assert ours["charchannel0"][1]["name"] == "com.redhat.spice.0"
    assert list(diags) == []


def test_a_spice_channel_without_a_name_is_the_agents():
    doc = (b"<domain type='kvm'><name>t</name><memory unit='MiB'>256</memory>"
           b"<os><type arch='x86_64' machine='q35'>hvm</type></os><devices>"
           b"<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/>"
           b"</channel><channel type='spicevmc'><target type='virtio'/></channel>"
           b"<graphics type='spice' autoport='yes'/></devices></domain>")
    ours, _ = our_channels(doc)
    assert ours["charchannel1"] == (
        {"backend": "spicevmc", "id": "charchannel1", "name": "vdagent"},
        {"driver": "virtserialport", "bus": "virtio-serial0.0", "nr": "2",
         "chardev": "charchannel1", "id": "channel1", "name": "com.redhat.spice.0"})
