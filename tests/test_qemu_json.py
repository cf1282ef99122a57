"""-device, -object and -netdev in JSON, and -accel: libvirt's spelling of a dialect.

A document written for today's libvirt (a <controller> or <video>) gets it from its QEMU
version on; a 2007-style document keeps key=value unless the dialect is "X.Y+libvirt".

QEMU's JSON options are typed: an integer property wants a JSON number, a boolean true or
false, a string property a string even when it holds digits (usb-tablet's port "1"). The
serializer takes each property's type from backends/qemu/json_types.py, which
tools/json_types/generate.py asks of the installed QEMU. These tests check the table against
that QEMU, the types against libvirt 9.0's own JSON argv (tests/corpus/native), and the
result in the real qemu-system-x86_64: the JSON spelling builds exactly the machine that the
key=value spelling builds (`info qtree`, every device with every property value).
"""
from __future__ import annotations

import importlib.util
import json
import pathlib
import shlex
from typing import Any, Dict, List, Optional
from unittest import mock

import pytest

from goldens import CASES as GOLDEN_CASES, GOLDEN, compile_case
from qemu_harness import Guest, needs_qemu, qemu_path, run_guests, run_paused
from qemuopts import IMPLIED, option_dict, options, split_argv
from test_qemu_pci_real import CASES as CORPUS_CASES, private, trimmed
from virtc.backends.qemu import json_types
from virtc.backends.qemu import dialects
from virtc.backends.qemu.dialects import get_dialect
from virtc.backends.qemu.opts import Option, Opts, render
from virtc.compiler.diagnostics import Diagnostics
from virtc.pipeline import CompileOptions, run

ROOT = pathlib.Path(__file__).resolve().parent.parent
NATIVE = ROOT / "tests" / "corpus" / "native"
JSON = "7.2+libvirt"
JSON_FLAGS = {"-device": json_types.DEVICE, "-object": json_types.OBJECT,
              "-netdev": json_types.NETDEV}


def one(flag: str, opts: Opts, version: str = JSON) -> Any:
    diags = Diagnostics()
    argv = render([Option(flag, opts)], get_dialect(version), diags)
    assert argv is not None, [str(d) for d in diags]
    return json.loads(argv[1])


def compiled(name: str, version: str, doc: Optional[bytes] = None) -> List[str]:
    """A corpus document (written for today's libvirt, so spelled as libvirt spells
    `version`), as test_qemu_pci_real trims it (or `doc`, a private copy of it)."""
    result = run(doc or trimmed(name), f"{name}.xml", CompileOptions(target="qemu",
                                                                     qemu_version=version))
    assert result.ok, [str(d) for d in result.diagnostics]
    assert isinstance(result.output, list)
    return result.output


def keyval(name: str, version: str = "7.2", doc: Optional[bytes] = None) -> List[str]:
    """The same document in virtc's key=value spelling of the same QEMU, the one a
    2007-style document gets: libvirt's spelling held back."""
    with mock.patch.object(dialects, "libvirt_spelling", lambda dialect: dialect):
        return compiled(name, version, doc)


# ------------------------------------------------------------------ the typed serializer

def test_values_take_the_json_type_of_their_qemu_property():
    assert one("-device", Opts.of("pcie-root-port", ("port", "16"), ("chassis", 1),
                                  ("id", "pci.1"), ("bus", "pcie.0"),
                                  ("multifunction", True), ("addr", "0x2"))) == {
        "driver": "pcie-root-port", "port": 16, "chassis": 1, "id": "pci.1",
        "bus": "pcie.0", "multifunction": True, "addr": "0x2"}
    # a USB port is a string property, a PCI address a "slot.function" string
    assert one("-device", Opts.of("usb-tablet", ("bus", "usb.0"), ("port", 1)))["port"] == "1"
    assert one("-device", Opts.of("virtio-blk-pci", ("addr", "0x2.0x1"), ("bootindex", "1"),
                                  ("write-cache", True)))[
        "addr"] == "0x2.0x1"
    typed = one("-device", Opts.of("virtio-blk-pci", ("bootindex", "1"), ("write-cache", True)))
    assert typed == {"driver": "virtio-blk-pci", "bootindex": 1, "write-cache": "on"}
    # sizes: key=value reads suffixes, JSON wants bytes
    assert one("-object", Opts.of("memory-backend-ram", ("id", "pc.ram"), ("size", "1024M"),
                                  ("share", "on")))[
        "size"] == 1 << 30
    assert one("-device", Opts.of("qxl-vga", ("ram_size", "0x4000000"), ("vgamem_mb", 16)))[
        "ram_size"] == 64 << 20


def test_netdev_lists_and_the_head_keys():
    net = one("-netdev", Opts.of("user", ("id", "net0"), ("hostfwd", "tcp::2222-:22"),
                                 ("hostfwd", "udp::53-:53")))
    assert net == {"type": "user", "id": "net0",
                   "hostfwd": [{"str": "tcp::2222-:22"}, {"str": "udp::53-:53"}]}
    assert one("-netdev", Opts.of("tap", ("id", "n"), ("vhost", "on"), ("queues", "4"))) == {
        "type": "tap", "id": "n", "vhost": True, "queues": 4}
    assert one("-object", Opts.of("iothread", ("id", "iothread1"), ("poll-max-ns", "32768")))[
        "poll-max-ns"] == 32768


def test_a_value_without_a_json_form_is_qemu440():
    diags = Diagnostics()
    for opts in (Opts.of("pcie-root-port", ("port", "sixteen")),
                 Opts.of("virtio-net-pci", ("mac", "52:54:00:00:00:01"),
                         ("mac", "52:54:00:00:00:02")),
                 Opts.of("virtio-balloon-pci", ("deflate-on-oom", "maybe"))):
        assert render([Option("-device", opts)], get_dialect(JSON), diags) is None
    found = list(diags)
    assert [d.code for d in found] == ["QEMU440"] * 3
    assert "'port'" in found[0].message and "'sixteen'" in found[0].message
    assert "given twice" in found[1].message and "not a boolean" in found[2].message


def test_the_plain_version_keeps_key_value_and_machine_accel():
    opts = Opts.of("usb-tablet", ("bus", "usb.0"), ("port", "1"))
    diags = Diagnostics()
    assert render([Option("-device", opts)], get_dialect("7.2"), diags) == [
        "-device", "usb-tablet,bus=usb.0,port=1"]
    # QEMU 6.0 takes JSON -object but not -device (json-cli-hotplug is 7.0's)
    six = get_dialect("6.0+libvirt")
    assert render([Option("-device", opts)], six, diags) == ["-device", "usb-tablet,bus=usb.0,port=1"]
    assert render([Option("-object", Opts.of("iothread", ("id", "t")))], six, diags) == [
        "-object", '{"qom-type":"iothread","id":"t"}']


HOSTILE = ['a,b', 'a",\\"b', "}{", "x\\u0000", 'é,"}\\n', "a\nb", "--daemonize"]


@pytest.mark.parametrize("text", HOSTILE)
def test_json_strings_are_escaped_by_json_dumps(text):
    """No comma doubling (QEMU's JSON parser reads the text as is) and no injection: the
    value reads back as itself and nothing else becomes a key."""
    got = one("-object", Opts.of("rng-random", ("id", "objrng0"), ("filename", text)))
    assert got == {"qom-type": "rng-random", "id": "objrng0", "filename": text}


def test_a_nul_byte_still_cannot_be_carried():
    diags = Diagnostics()
    opts = Opts.of("rng-random", ("id", "r"), ("filename", "/dev/\0random"))
    assert render([Option("-object", opts)], get_dialect(JSON), diags) is None
    assert [d.code for d in diags] == ["QEMU302"]


def test_free_text_from_a_document_reaches_qemu_as_itself(tmp_path):
    path = '/dev/u,ran"dom}{'
    doc = f"""<domain type='qemu'><name>r</name><memory>65536</memory>
      <os><type machine='q35'>hvm</type></os>
      <devices><rng model='virtio'><backend model='random'>{path.replace('"', '&quot;')}</backend>
      </rng></devices></domain>""".encode()
    result = run(doc, "r.xml", CompileOptions(target="qemu", qemu_version=JSON))
    assert result.ok, [str(d) for d in result.diagnostics]
    (rng,) = options(result.output, "-object")
    assert rng == {"qom-type": "rng-random", "id": "objrng0", "filename": path}
    # and the shell form splits back into the same words
    line = " ".join(shlex.quote(w) for w in result.output)
    assert shlex.split(line) == result.output


# ------------------------------------------------------------------ -accel

def test_accel_replaces_machine_accel_in_the_libvirt_spelling():
    for argv in (compiled("tcg-qemu64-pc", "7.2"), compiled("tcg-qemu64-pc", "5.0")):
        machine = option_dict("-machine", dict(split_argv(argv))["-machine"])
        assert "accel" not in machine
        assert dict(split_argv(argv))["-accel"] == "tcg"
    # before 5.0, and for a 2007-style document, -machine accel=
    for argv in (compiled("tcg-qemu64-pc", "3.1"),
                 compile_case(GOLDEN / "spec-kvm.xml", qemu_version="7.2")[1]):
        assert "-accel" not in argv
        assert "accel" in option_dict("-machine", dict(split_argv(argv))["-machine"])
    spelled = compile_case(GOLDEN / "spec-kvm.xml", qemu_version=JSON)[1]
    assert dict(split_argv(spelled))["-accel"] == "kvm"


def test_a_2007_document_keeps_key_value_unless_asked():
    for case, heads in (("net-two-nics", ('{"driver"', '{"type"')),
                        ("qemu-buses", ('{"driver"',))):
        plain = compile_case(GOLDEN / f"{case}.xml", qemu_version="7.2")[1]
        spelled = compile_case(GOLDEN / f"{case}.xml", qemu_version=JSON)[1]
        assert not any(w.startswith("{") for w in plain)
        for head in heads:
            assert any(w.startswith(head) for w in spelled), (case, head)


# ------------------------------------------------------------------ the table and libvirt

def test_every_option_virtc_writes_is_in_the_table():
    """A driver missing from the table would keep the builder's types unchecked."""
    missing = set()
    docs = [(name, trimmed(name)) for name in CORPUS_CASES]
    for name, doc in docs:
        argv = run(doc, f"{name}.xml", CompileOptions(target="qemu", qemu_version=JSON)).output
        for flag, table in JSON_FLAGS.items():
            missing |= {(flag, o[_head(flag)]) for o in options(argv, flag)
                        if o[_head(flag)] not in table}
    for path in GOLDEN_CASES:
        _, argv, _ = compile_case(path, qemu_version=JSON)
        if isinstance(argv, list):
            for flag, table in JSON_FLAGS.items():
                missing |= {(flag, o[_head(flag)]) for o in options(argv, flag)
                            if o[_head(flag)] not in table}
    assert not missing


def _head(flag: str) -> str:
    return IMPLIED[flag]


def libvirt_options(name: str) -> Dict[str, Dict[str, Any]]:
    """id → the JSON option libvirt 9.0 wrote for QEMU 7.2 (tests/corpus/native)."""
    words = shlex.split((NATIVE / f"{name}.argv").read_text())
    out = {}
    for flag, value in zip(words, words[1:]):
        if flag in JSON_FLAGS and value.startswith("{"):
            data = json.loads(value)
            out[f"{flag} {data.get('id')}"] = data
    return out


def test_property_types_agree_with_libvirts_json():
    """Every property that virtc and libvirt both give a device (or object, or netdev) of
    the same id has the same JSON type in both argvs, over the corpus documents."""
    compared = set()
    for name in CORPUS_CASES:
        theirs = libvirt_options(name)
        for flag in JSON_FLAGS:
            for ours in options(compiled(name, JSON), flag):
                other = theirs.get(f"{flag} {ours.get('id')}")
                for key in set(ours) & set(other or {}):
                    assert type(ours[key]) is type(other[key]), (name, ours, key, other[key])
                    compared.add((ours[_head(flag)], key))
    kinds = {type(v) for name in CORPUS_CASES for o in libvirt_options(name).values()
             for v in o.values()}
    assert kinds >= {int, str, bool}
    # the typed ones that matter: root ports (ints), addresses (strings), booleans
    assert {("pcie-root-port", "chassis"), ("pcie-root-port", "port"),
            ("virtio-blk-pci", "addr"), ("pcie-root-port", "multifunction")} <= compared
    assert len(compared) >= 40, sorted(compared)


@needs_qemu
def test_the_table_is_what_the_installed_qemu_says():
    """The generated table is current: re-asking this QEMU gives the same module."""
    spec = importlib.util.spec_from_file_location(
        "generate", ROOT / "tools" / "json_types" / "generate.py")
    assert spec is not None and spec.loader is not None
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    path = qemu_path()
    assert path is not None
    text = generate.render(path)
    assert text == (ROOT / "backends" / "qemu" / "json_types.py").read_text(encoding="utf-8")


# ------------------------------------------------------------------ real QEMU

@needs_qemu
@pytest.mark.parametrize("name", CORPUS_CASES)
def test_json_spelling_builds_the_same_machine_in_real_qemu(name, tmp_path):
    """Both spellings start, paused, and QEMU's `info qtree` (every device on its bus with
    every property's value) is the same: each JSON value reached its property as the
    key=value text did. -accel and accel= pick the same accelerator."""
    doc = private(name, tmp_path)
    keyval_argv, spelled = keyval(name, doc=doc), compiled(name, "7.2", doc)
    assert spelled == compiled(name, JSON, doc)
    assert ("-device" in keyval_argv) == any(w.startswith('{"driver"') for w in spelled)
    assert "-accel" in spelled
    first, second = run_guests([Guest(keyval_argv)], bridges=("virbr0", "br0"))[0], \
        run_guests([Guest(spelled)], bridges=("virbr0", "br0"))[0]
    assert first.started, first.stderr
    assert second.started, second.stderr
    assert first.qtree and second.qtree == first.qtree


@needs_qemu
@pytest.mark.parametrize("device, error", [
    ('{"driver":"pcie-root-port","port":"16","chassis":1,"id":"pci.1","bus":"pcie.0"}',
     "Parameter 'port' expects uint64"),
    ('{"driver":"usb-tablet","bus":"usb.0","port":1}',
     "Invalid parameter type for 'port', expected: string"),
])
def test_qemu_refuses_a_json_value_of_the_wrong_type(device, error):
    """Why the table exists: the same values with the other JSON type stop QEMU."""
    argv = ["qemu-system-x86_64", "-machine", "q35", "-accel", "tcg", "-nodefaults",
            "-display", "none", "-device", '{"driver":"qemu-xhci","id":"usb"}',
            "-device", device]
    qemu = run_paused(argv)
    assert not qemu.started
    assert error in qemu.stderr


NET_GOLDENS = ("net-two-nics", "net-mcast", "net-user-mac", "net-bridge")


@needs_qemu
@pytest.mark.parametrize("case", NET_GOLDENS)
def test_a_2007_document_in_the_libvirt_spelling_builds_the_same_machine(case):
    """JSON -netdev and -device of 2007-style NICs ("7.2+libvirt") start, and QEMU's
    `info qtree` and `info network` are those of the key=value argv."""
    plain = compile_case(GOLDEN / f"{case}.xml", qemu_version="7.2")[1]
    spelled = compile_case(GOLDEN / f"{case}.xml", qemu_version=JSON)[1]
    assert any(w.startswith('{"type"') for w in spelled)
    first = run_guests([Guest(plain)], bridges=("virbr0", "br0"))[0]
    second = run_guests([Guest(spelled)], bridges=("virbr0", "br0"))[0]
    assert first.started, first.stderr
    assert second.started, second.stderr
    assert (second.qtree, second.network) == (first.qtree, first.network)


MANY = """<domain type='kvm'>
  <name>json-many</name>
  <memory unit='MiB'>256</memory>
  <memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>
  <iothreads>1</iothreads>
  <os><type arch='x86_64' machine='q35'>hvm</type><boot dev='hd'/></os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='{image}'/><target dev='vda' bus='virtio'/>
    </disk>
    <controller type='usb' model='qemu-xhci'/>
    <controller type='virtio-serial'/>
    <interface type='user'><mac address='52:54:00:4a:53:4e'/><model type='virtio'/></interface>
    <input type='tablet' bus='usb'/>
    <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
    <video><model type='qxl' ram='65536' vram='65536' vgamem='16384' heads='1'/></video>
    <memballoon model='virtio'><stats period='10'/></memballoon>
    <rng model='virtio'><rate bytes='1024' period='1000'/><backend model='random'>/dev/urandom</backend></rng>
    <watchdog model='i6300esb' action='pause'/>
    <panic model='pvpanic'/>
  </devices>
</domain>
"""


@needs_qemu
def test_many_property_types_start_in_real_qemu(tmp_path):
    """Integers (root-port port and chassis, qxl sizes, rng rate, balloon polling, memory
    sizes), booleans (multifunction, share), strings holding digits (USB ports, the
    virtio-serial port's name), PCI addresses: QEMU takes each, and QOM reads them back."""
    image = tmp_path / "disk.img"
    image.write_bytes(b"\0" * 65536)
    result = run(MANY.format(image=image).encode(), "many.xml",
                 CompileOptions(target="qemu", qemu_version=JSON, runtime_dir=str(tmp_path)))
    assert result.ok, [str(d) for d in result.diagnostics]
    argv = result.output
    devices = {o.get("id"): o for o in options(argv, "-device")}
    root = next(o for o in devices.values() if o["driver"] == "pcie-root-port")
    tablet = next(o for o in devices.values() if o["driver"] == "usb-tablet")
    assert isinstance(root["port"], int) and isinstance(root["chassis"], int)
    assert isinstance(tablet["port"], str)
    qemu = run_guests([Guest(argv, qom=[(f"/machine/peripheral/{root['id']}", "chassis"),
                                        ("/machine/peripheral/video0", "vgamem_mb"),
                                        ("/machine/peripheral/rng0", "max-bytes"),
                                        ("/objects/pc.ram", "share")])])[0]
    assert qemu.started, qemu.stderr
    assert qemu.qom[f"/machine/peripheral/{root['id']} chassis"] == root["chassis"]
    assert qemu.qom["/machine/peripheral/video0 vgamem_mb"] == 16
    assert qemu.qom["/machine/peripheral/rng0 max-bytes"] == 1024
    assert qemu.qom["/objects/pc.ram share"] is True
    # the tablet has no id: `info qtree` shows it on the USB port the JSON string named
    block = qemu.qtree.split("dev: usb-tablet", 1)[1].split("dev: ", 1)[0]
    assert f'port = "{tablet["port"]}"' in [line.strip() for line in block.splitlines()]


DIRTY = """<domain type='kvm'>
  <name>dirty-ring</name>
  <memory unit='MiB'>128</memory>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <features><kvm><dirty-ring state='on'{size}/></kvm></features>
  <devices><controller type='usb' model='none'/></devices>
</domain>
"""


def test_the_kvm_dirty_ring_rides_on_accel():
    """<kvm><dirty-ring> is an -accel kvm property (QEMU 6.1+): written where -accel is,
    QEMU320 where only -machine accel= is (a 2007-style dialect, or 5.0), and without a
    size virtc doesn't guess one."""
    doc = DIRTY.format(size=" size='4096'").encode()
    result = run(doc, "d.xml", CompileOptions(target="qemu", qemu_version="7.2"))
    assert result.ok, [str(d) for d in result.diagnostics]
    assert dict(split_argv(result.output))["-accel"] == "kvm,dirty-ring-size=4096"
    for version, text in (("5.0", doc), ("7.2", DIRTY.format(size="").encode())):
        result = run(text, "d.xml", CompileOptions(target="qemu", qemu_version=version))
        assert not result.ok
        assert [(d.code, d.span.line) for d in result.diagnostics] == [("QEMU320", 5)]


@needs_qemu
def test_real_qemu_takes_the_dirty_ring_on_accel():
    """KVM takes the ring size (where this host has KVM; TCG, which the harness uses
    without it, has no ring and the harness drops KVM's properties with -accel kvm)."""
    doc = DIRTY.format(size=" size='4096'").encode()
    result = run(doc, "d.xml", CompileOptions(target="qemu", qemu_version="7.2"))
    qemu = run_paused(result.output)
    assert qemu.started, qemu.stderr
