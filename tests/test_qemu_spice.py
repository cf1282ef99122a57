"""SPICE for QEMU: <graphics type='spice'> with its children, the spicevmc / spiceport /
qemu-vdagent character devices, <redirdev> with <redirfilter>, as libvirt writes them
(the corpus's own argv from libvirt 9.0, and libvirt's tests/qemuxml2argvdata), and as the
real QEMU 7.2 takes them."""
import json
import shlex

import pytest

import qemu_harness as harness
import virtc
from conftest import ROOT
from qemuopts import parse_opts

CORPUS = ROOT / "tests" / "corpus"


def with_native(marker: str):
    return sorted(p for p in (CORPUS / "dumpxml").glob("*.xml")
                  if marker in p.read_text() and (CORPUS / "native" / f"{p.stem}.argv").exists())


WITH_SPICE = with_native("<graphics type='spice'")
WITH_REDIRDEV = with_native("<redirdev")


def domain_with(devices: str, machine: str = "q35") -> bytes:
    return (f"<domain type='kvm'><name>t</name><memory unit='MiB'>128</memory>"
            f"<os><type arch='x86_64' machine='{machine}'>hvm</type></os>"
            f"<devices>{devices}</devices></domain>").encode()


def options_of(words, flag: str):
    """Every value of `flag` in an argv, as (key, value) pairs (a JSON -device too)."""
    out = []
    for f, value in zip(words, words[1:]):
        if f != flag:
            continue
        if value.startswith("{"):
            out.append([(k, str(v)) for k, v in json.loads(value).items()])
        else:
            out.append(parse_opts(value, "head"))
    return out


def libvirt_words(name: str):
    return shlex.split((CORPUS / "native" / f"{name}.argv").read_text())


def our_words(source, **kw):
    """The argv virtc gives, or the options it built when other families (audio, input…)
    keep the whole document from compiling yet."""
    from virtc.backends.qemu.argv import build_options
    from virtc.backends.qemu.context import QemuContext
    from virtc.backends.qemu.dialects import get_dialect
    from virtc.backends.qemu.opts import render
    from virtc.compiler.diagnostics import Diagnostics
    from virtc.compiler.networks import network_table
    from virtc.pipeline import load_bytes

    loaded = load_bytes(source, "t.xml")
    assert loaded.ok, loaded.diagnostics
    diags = Diagnostics()
    ctx = QemuContext(diags, get_dialect("7.2"), network_table(), **kw)
    return render(build_options(loaded.node, ctx), ctx.dialect, diags), diags


def test_the_corpus_has_spice_guests():
    assert len(WITH_SPICE) >= 40 and len(WITH_REDIRDEV) >= 40


@pytest.mark.parametrize("path", WITH_SPICE, ids=lambda p: p.stem)
def test_spice_is_libvirts(path):
    """Option for option libvirt's -spice, but the port: libvirt's domxml-to-native
    pretends 5901 for autoport, a real start takes the first free port (5900 on a quiet
    host), which is what virtc writes (QEMU400)."""
    words, diags = our_words(path.read_bytes())
    [ours] = options_of(words, "-spice")
    [theirs] = options_of(libvirt_words(path.stem), "-spice")
    assert dict(ours)["port"] == "5900" and dict(theirs)["port"] == "5901"
    assert [kv for kv in ours if kv[0] != "port"] == [kv for kv in theirs if kv[0] != "port"]
    assert "QEMU400" in [d.code for d in diags]
    assert not [d for d in diags if d.code == "QEMU320" and "graphics" in d.message]


@pytest.mark.parametrize("path", WITH_REDIRDEV, ids=lambda p: p.stem)
def test_redirdevs_are_libvirts(path):
    words, _ = our_words(path.read_bytes())
    theirs = libvirt_words(path.stem)

    def redir(ws):
        chardevs = [o for o in options_of(ws, "-chardev") if dict(o)["id"].startswith("charredir")]
        devices = [o for o in options_of(ws, "-device") if ("driver", "usb-redir") in o
                   or ("head", "usb-redir") in o]
        return chardevs, [sorted((k, v) for k, v in d if k not in ("driver", "head"))
                          for d in devices]

    assert redir(words) == redir(theirs)
    assert redir(words)[0], "no usb-redir built"


# libvirt's tests/qemuxml2argvdata/graphics-spice.xml and its x86_64-latest.args. The
# test suite's qemu.conf sets spice_password, so its argv lacks disable-ticketing=on,
# which a default qemu.conf (libvirt's real argv in the corpus, and virtc) gives.
LIBVIRT_GRAPHICS_SPICE = """
<graphics type='spice' port='5903' tlsPort='5904' autoport='no' listen='127.0.0.1' defaultMode='secure'>
  <listen type='address' address='127.0.0.1'/>
  <channel name='main' mode='secure'/>
  <channel name='inputs' mode='insecure'/>
  <image compression='auto_glz'/>
  <jpeg compression='auto'/>
  <zlib compression='auto'/>
  <playback compression='on'/>
  <streaming mode='filter'/>
  <clipboard copypaste='no'/>
  <filetransfer enable='no'/>
</graphics>
<video><model type='qxl' ram='65536' vram='32768' vgamem='8192' heads='1'/></video>"""
LIBVIRT_GRAPHICS_SPICE_ARGS = (
    "port=5903,tls-port=5904,addr=127.0.0.1,x509-dir=/etc/pki/libvirt-spice,"
    "tls-channel=default,tls-channel=main,plaintext-channel=inputs,"
    "image-compression=auto_glz,jpeg-wan-compression=auto,zlib-glz-wan-compression=auto,"
    "playback-compression=on,streaming-video=filter,disable-copy-paste=on,"
    "disable-agent-file-xfer=on,seamless-migration=on")


def test_libvirts_graphics_spice_test():
    result = virtc.compile(domain_with(LIBVIRT_GRAPHICS_SPICE, "pc"), qemu_version="7.2")
    assert result.ok, result.diagnostics
    [spice] = options_of(result.argv, "-spice")
    theirs = parse_opts(LIBVIRT_GRAPHICS_SPICE_ARGS, "head")
    assert [kv for kv in spice if kv != ("disable-ticketing", "on")] == theirs
    assert ("disable-ticketing", "on") in spice
    assert [d.code for d in result.diagnostics] == ["QEMU403"]


def test_libvirts_usb_redir_filter_test():
    """libvirt's tests/qemuxml2argvdata/usb-redir-filter: the same filter= on each device."""
    devices = """
    <controller type='usb' index='0' model='ich9-ehci1'/>
    <controller type='usb' index='0' model='ich9-uhci1'><master startport='0'/></controller>
    <controller type='usb' index='0' model='ich9-uhci2'><master startport='2'/></controller>
    <controller type='usb' index='0' model='ich9-uhci3'><master startport='4'/></controller>
    <graphics type='spice' autoport='yes'/>
    <redirdev bus='usb' type='spicevmc'><address type='usb' bus='0' port='4'/></redirdev>
    <redirdev bus='usb' type='spicevmc'><address type='usb' bus='0' port='5'/></redirdev>
    <redirfilter>
      <usbdev class='0x08' vendor='0x15E1' product='0x2007' version='1.10' allow='yes'/>
      <usbdev class='-1' vendor='-1' product='-1' version='-1' allow='no'/>
    </redirfilter>"""
    result = virtc.compile(domain_with(devices, "pc"), qemu_version="7.2")
    assert result.ok, result.diagnostics
    redirs = [d for d in map(dict, options_of(result.argv, "-device"))
              if d.get("driver", d.get("head")) == "usb-redir"]
    assert [(d["id"], d["chardev"], d["bus"], d["port"], d["filter"]) for d in redirs] == [
        ("redir0", "charredir0", "usb.0", "4", "0x08:0x15E1:0x2007:0x0110:1|-1:-1:-1:-1:0"),
        ("redir1", "charredir1", "usb.0", "5", "0x08:0x15E1:0x2007:0x0110:1|-1:-1:-1:-1:0")]
    chardevs = [o for o in options_of(result.argv, "-chardev")]
    assert [("head", "spicevmc"), ("id", "charredir0"), ("name", "usbredir")] in chardevs


def test_redirdevs_without_an_address_take_the_next_usb_ports():
    result = virtc.compile(domain_with(
        "<controller type='usb' model='qemu-xhci'/><graphics type='spice' autoport='yes'/>"
        "<redirdev bus='usb' type='spicevmc'/><redirdev bus='usb' type='spicevmc'/>"
        "<redirdev bus='usb' type='spicevmc'><address type='usb' bus='0' port='1'/></redirdev>"),
        qemu_version="7.2")
    ports = {dict(o)["id"]: dict(o).get("port") for o in options_of(result.argv, "-device")
             if o[0][1] == "usb-redir"}
    assert ports == {"redir0": "2", "redir1": "3", "redir2": "1"}


@pytest.mark.parametrize("graphics, spice", [
    # a unix socket: the given path, or spice.sock in the runtime directory
    ("<graphics type='spice'><listen type='socket' socket='/tmp/s,1.sock'/></graphics>",
     "unix=on,addr=/tmp/s,,1.sock,disable-ticketing=on,seamless-migration=on"),
    ("<graphics type='spice'><listen type='socket'/><gl enable='yes' rendernode='/dev/dri/renderD128'/></graphics>",
     "unix=on,addr=/run/virtc/t/spice.sock,disable-ticketing=on,gl=on,"
     "rendernode=/dev/dri/renderD128,seamless-migration=on"),
    # no listening at all: QEMU needs some port, 0 opens none
    ("<graphics type='spice'><listen type='none'/></graphics>",
     "port=0,disable-ticketing=on,seamless-migration=on"),
    # autoport with a secure default: the TLS port is asked for, the plain port too
    ("<graphics type='spice' autoport='yes' defaultMode='secure'/>",
     "port=5900,tls-port=5901,addr=127.0.0.1,disable-ticketing=on,"
     "x509-dir=/etc/pki/libvirt-spice,tls-channel=default,seamless-migration=on"),
    ("<graphics type='spice' port='5910' autoport='no' keymap='de'><mouse mode='server'/></graphics>",
     "port=5910,addr=127.0.0.1,agent-mouse=off,disable-ticketing=on,seamless-migration=on"),
])
def test_spice_listens(graphics, spice):
    words, _ = our_words(domain_with(graphics))
    assert words[words.index("-spice") + 1] == spice


def test_a_spice_password_goes_in_a_secret_object():
    result = virtc.compile(domain_with(
        "<graphics type='spice' port='5900' autoport='no' passwd='a,b'/>"), qemu_version="7.2")
    assert result.ok
    argv = result.argv
    assert argv[argv.index("-object") + 1] == \
        "secret,id=graphics-spice-password,data=a,,b,format=raw"
    assert argv[argv.index("-spice") + 1] == \
        "port=5900,addr=127.0.0.1,password-secret=graphics-spice-password,seamless-migration=on"
    assert [d.code for d in result.diagnostics] == ["QEMU401"]
    old = virtc.compile(domain_with("<graphics type='spice' port='5900' autoport='no' "
                                    "passwd='a'/>"), qemu_version="5.0")
    assert "-object" not in old.argv and [d.code for d in old.diagnostics] == ["QEMU308"]


def test_spice_is_not_in_qemu_before_0_14():
    result = virtc.compile(domain_with("<graphics type='spice' autoport='yes'/>", "pc"),
                           qemu_version="0.12")
    assert not result.ok and [d.code for d in result.errors] == ["QEMU301"]


def test_xen_reports_the_spice_settings_xl_has_no_key_for():
    doc = (b"<domain type='xen'><name>t</name><memory unit='MiB'>128</memory>"
           b"<os><type>hvm</type><loader>/usr/lib/xen/boot/hvmloader</loader></os><devices>"
           b"<graphics type='spice' port='5900' autoport='no'><image compression='off'/>"
           b"<streaming mode='all'/></graphics></devices></domain>")
    result = virtc.compile(doc, target="xen-xl")
    assert [(d.code, d.span.line) for d in result.errors] == [("XEN440", 1), ("XEN440", 1)]
    assert ["image" in d.message or "streaming" in d.message for d in result.errors] == [True] * 2


# ---------------------------------------------------------------------------- real QEMU

REAL = """
<controller type='usb' model='qemu-xhci'/>
<serial type='spiceport'>
  <source channel='org.qemu.console.serial.0'/>
  <target type='isa-serial' port='0'/>
</serial>
<channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel>
<graphics type='spice' autoport='yes' passwd='s3cret,x'>
  <listen type='address' address='127.0.0.1'/>
  <channel name='main' mode='insecure'/>
  <image compression='auto_glz'/>
  <jpeg compression='auto'/>
  <zlib compression='never'/>
  <playback compression='off'/>
  <streaming mode='filter'/>
  <mouse mode='client'/>
  <clipboard copypaste='no'/>
  <filetransfer enable='no'/>
</graphics>
<video><model type='qxl'/></video>
<redirdev bus='usb' type='spicevmc'/>
<redirdev bus='usb' type='tcp'>
  <source mode='bind' host='127.0.0.1' service='4000'/>
  <protocol type='raw'/>
</redirdev>
<redirfilter>
  <usbdev class='0x08' vendor='0x15E1' product='0x2007' version='1.10' allow='yes'/>
  <usbdev allow='no'/>
</redirfilter>"""

REAL_SOCKET = """
<channel type='qemu-vdagent'>
  <source><clipboard copypaste='yes'/><mouse mode='client'/></source>
  <target type='virtio'/>
</channel>
<graphics type='spice'><listen type='socket' socket='{socket}'/></graphics>
<video><model type='virtio'/></video>"""


def _lines(argv):
    return "\n".join(argv[1:])


@harness.needs_qemu
def test_real_qemu_takes_spice_and_its_devices(snapshot):
    """QEMU 7.2 starts with the display (password set: auth 'spice'), the agent channel,
    the spiceport serial, both redirections on the ports post-parse gave them."""
    result = virtc.compile(domain_with(REAL), qemu_version="7.2")
    assert result.ok, result.diagnostics
    run = harness.run_guests([harness.Guest(result.argv, queries=(
        "query-spice", "query-chardev"))])[0]
    assert run.started, run.stderr
    spice = run.replies["query-spice"]
    assert (spice["enabled"], spice["auth"], spice["port"], spice["host"]) == \
        (True, "spice", 5900, "127.0.0.1")
    chardevs = {c["label"]: c["filename"] for c in run.replies["query-chardev"]}
    assert chardevs["charchannel0"] == "spicevmc" and chardevs["charredir0"] == "spicevmc"
    assert chardevs["charserial0"] == "spiceport"
    assert chardevs["charredir1"].startswith("disconnected:tcp:127.0.0.1:4000,server=on")
    for redir, port in (("redir0", "1"), ("redir1", "2")):
        assert f'id "{redir}"' in run.qtree and "usb-redir" in run.qtree
    assert _lines(result.argv) == snapshot


@harness.needs_qemu
def test_real_qemu_takes_a_spice_socket_and_qemu_vdagent(tmp_path, snapshot):
    socket = tmp_path / "spice.sock"
    result = virtc.compile(domain_with(REAL_SOCKET.format(socket=socket)), qemu_version="7.2")
    assert result.ok, result.diagnostics
    run = harness.run_guests([harness.Guest(result.argv, queries=(
        "query-spice", "query-chardev"))])[0]
    assert run.started, run.stderr
    assert run.replies["query-spice"]["enabled"] is True
    chardevs = {c["label"]: c["filename"] for c in run.replies["query-chardev"]}
    assert chardevs["charchannel0"] == "qemu-vdagent"
    assert _lines(result.argv).replace(str(socket), "SOCKET") == snapshot


# ---------------------------------------------------------------------------- smartcards

WITH_SMARTCARD = with_native("<smartcard")


@pytest.mark.parametrize("path", WITH_SMARTCARD, ids=lambda p: p.stem)
def test_smartcards_and_their_readers_are_libvirts(path):
    words, _ = our_words(path.read_bytes())

    def cards(ws):
        chardevs = [o for o in options_of(ws, "-chardev")
                    if dict(o)["id"].startswith("charsmartcard")]
        devices = [sorted((k, v) for k, v in d if k not in ("driver", "head"))
                   + [("driver", dict(d).get("driver", dict(d).get("head")))]
                   for d in options_of(ws, "-device")
                   if dict(d).get("driver", dict(d).get("head", "")).startswith(
                       ("usb-ccid", "ccid-card"))]
        return chardevs, devices

    assert cards(words) == cards(libvirt_words(path.stem))
    assert cards(words)[1], "no smartcard built"


@pytest.mark.parametrize("card, device", [
    # libvirt's tests/qemuxml2argvdata/smartcard-host.x86_64-latest.args
    ("<smartcard mode='host'/>",
     {"driver": "ccid-card-emulated", "backend": "nss-emulated", "id": "smartcard0",
      "bus": "ccid0.0"}),
    # …/smartcard-host-certificates.x86_64-latest.args
    ("<smartcard mode='host-certificates'><certificate>cert1</certificate>"
     "<certificate>cert2</certificate><certificate>cert3</certificate></smartcard>",
     {"driver": "ccid-card-emulated", "backend": "certificates", "cert1": "cert1",
      "cert2": "cert2", "cert3": "cert3", "db": "/etc/pki/nssdb", "id": "smartcard0",
      "bus": "ccid0.0"}),
])
def test_emulated_smartcards_are_libvirts(card, device):
    """QEMU's emulated card needs the host's NSS database (it refuses to start without
    one: "failed to initialize vcard"), so these are checked against libvirt's own test
    argv only; the reader comes with the card, on the first free USB port."""
    result = virtc.compile(domain_with("<controller type='usb' model='qemu-xhci'/>" + card),
                           qemu_version="7.2")
    assert result.ok, result.diagnostics
    devices = [dict(o) for o in options_of(result.argv, "-device")]
    assert {"driver": "usb-ccid", "id": "ccid0", "bus": "usb.0", "port": "1"} in devices
    assert device in devices


@harness.needs_qemu
def test_real_qemu_takes_a_passthrough_smartcard(snapshot):
    result = virtc.compile(domain_with(
        "<controller type='usb' model='qemu-xhci'/><graphics type='spice' autoport='yes'/>"
        "<smartcard mode='passthrough' type='spicevmc'/>"
        "<smartcard mode='passthrough' type='tcp'><source mode='bind' host='127.0.0.1'"
        " service='2001'/><protocol type='raw'/><address type='ccid' controller='1'"
        " slot='0'/></smartcard>"), qemu_version="7.2")
    assert result.ok, result.diagnostics
    run = harness.run_guests([harness.Guest(result.argv, queries=("query-chardev",))])[0]
    assert run.started, run.stderr
    chardevs = {c["label"]: c["filename"] for c in run.replies["query-chardev"]}
    assert chardevs["charsmartcard0"] == "spicevmc"
    assert chardevs["charsmartcard1"].startswith("disconnected:tcp:127.0.0.1:2001,server=on")
    for name in ("ccid0", "ccid1", "smartcard0", "smartcard1"):
        assert f'id "{name}"' in run.qtree
    assert _lines(result.argv) == snapshot
