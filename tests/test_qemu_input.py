"""The <input> family for QEMU: USB and virtio mice, tablets and keyboards, passthrough and
evdev devices, as libvirt 9.0 writes them (its argv beside each corpus document, and its
tests/qemuxml2argvdata), and as the real QEMU 7.2 builds them."""
import json
import shlex
import subprocess

import pytest

import qemu_harness as harness
import virtc
from conftest import ROOT
from qemuopts import parse_opts
from virtc.backends.qemu.context import QemuContext
from virtc.backends.qemu.devices import input as qemu_input
from virtc.backends.qemu.dialects import get_dialect
from virtc.backends.qemu.opts import render
from virtc.compiler.diagnostics import Diagnostics
from virtc.compiler.networks import network_table
from virtc.pipeline import load_bytes

CORPUS = ROOT / "tests" / "corpus"
DRIVERS = ("usb-tablet", "usb-mouse", "usb-kbd", "virtio-mouse-pci", "virtio-tablet-pci",
           "virtio-keyboard-pci", "virtio-input-host-pci")
WITH_INPUTS = sorted(p.stem for p in (CORPUS / "dumpxml").glob("*.xml")
                     if (CORPUS / "native" / f"{p.stem}.argv").exists())


def domain_with(devices: str, machine: str = "q35") -> bytes:
    """A document written for today's libvirt (it has a USB controller): post-parse gives
    its devices libvirt's aliases and addresses."""
    return (f"<domain type='kvm'><name>t</name><memory unit='MiB'>128</memory>"
            f"<os><type arch='x86_64' machine='{machine}'>hvm</type></os><devices>"
            f"<controller type='usb' model='qemu-xhci'/>{devices}</devices></domain>").encode()


def input_devices(words):
    """Each input -device or input-linux -object of an argv as a {key: text} dict, in order
    (libvirt's JSON and virtc's key=value read the same)."""
    out = []
    for flag, value in zip(words, words[1:]):
        if flag not in ("-device", "-object"):
            continue
        props = ({k: (str(v).lower() if isinstance(v, bool) else str(v))
                  for k, v in json.loads(value).items()} if value.startswith("{")
                 else dict(parse_opts(value, "driver" if flag == "-device" else "qom-type")))
        props = {k: {"on": "true", "off": "false"}.get(v, v) for k, v in props.items()}
        if props.get("driver") in DRIVERS or props.get("qom-type") == "input-linux":
            out.append(props)
    return out


def input_argv(source: bytes, version: str = "7.2"):
    """What the input builder gives for a document's <input> devices (a corpus document
    holds families other helpers compile, so the whole argv may not exist yet)."""
    loaded = load_bytes(source, "t.xml")
    assert loaded.ok, [str(d) for d in loaded.diagnostics]
    diags = Diagnostics()
    ctx = QemuContext(diags, get_dialect(version), network_table())
    options = qemu_input.build_all(loaded.node.devices.inputs, loaded.node, ctx)
    assert [str(d) for d in diags] == []
    return render(options, ctx.dialect, diags)


def libvirts(name: str):
    return input_devices(shlex.split((CORPUS / "native" / f"{name}.argv").read_text()))


@pytest.mark.parametrize("form", ["dumpxml", "print-xml"])
@pytest.mark.parametrize("name", WITH_INPUTS)
def test_corpus_inputs_are_libvirts(name, form):
    """Every corpus document's inputs, from the form libvirt stored (its addresses) and from
    the form virt-install printed (virtc assigns the USB ports and PCI slots), are the
    devices of libvirt's argv, ids, buses, ports and slots included (a smartcard's CCID
    reader takes its USB port before the inputs, as libvirt gives it)."""
    assert input_argv((CORPUS / form / f"{name}.xml").read_bytes()) is not None
    assert input_devices(input_argv((CORPUS / form / f"{name}.xml").read_bytes())) \
        == libvirts(name)


def test_the_corpus_has_every_bus():
    drivers = {d["driver"] for name in WITH_INPUTS for d in libvirts(name)}
    assert {"usb-tablet", "usb-kbd", "virtio-mouse-pci", "virtio-keyboard-pci"} <= drivers


def test_no_corpus_document_reports_its_inputs_as_not_compiled():
    for name in WITH_INPUTS:
        result = virtc.compile(str(CORPUS / "dumpxml" / f"{name}.xml"), qemu_version="7.2")
        assert not [d for d in result.diagnostics if "<input" in d.message], name


def test_evdev_and_passthrough_are_spelled_as_in_libvirts_tests():
    """libvirt's tests/qemuxml2argvdata/input-linux.x86_64-latest.args (an evdev device)
    and virtio-input passthrough: the host device QEMU reads, and how."""
    got = [{k: v for k, v in d.items() if k not in ("bus", "addr")}   # pci.py's, tested apart
           for d in input_devices(input_argv(domain_with(
        "<input type='evdev'><source dev='/dev/input/event1234' grab='all' repeat='on'"
        " grabToggle='alt-alt'/></input>"
        "<input type='passthrough' bus='virtio'><source evdev='/dev/input/event5'/></input>",
        machine="pc")))]
    assert got == [
        {"qom-type": "input-linux", "id": "input0", "evdev": "/dev/input/event1234",
         "repeat": "true", "grab_all": "true", "grab-toggle": "alt-alt"},
        {"driver": "virtio-input-host-pci", "id": "input1", "evdev": "/dev/input/event5"}]


def test_seed_era_tablet_keeps_its_bare_device():
    """A document in the 2007 format page's vocabulary (no controller, no video) compiles
    as it always did: QEMU picks the port and names nothing."""
    doc = (b"<domain type='kvm'><name>t</name><memory>131072</memory><os><type>hvm</type>"
           b"</os><devices><input type='tablet' bus='usb'/></devices></domain>")
    result = virtc.compile(doc, qemu_version="7.2")
    assert result.ok
    at = result.argv.index("usb-tablet")
    assert result.argv[at - 1:at + 1] == ["-device", "usb-tablet"]


@pytest.mark.parametrize("devices, machine, code", [
    ("<input type='keyboard' bus='virtio' model='virtio-transitional'/>", "q35", "QEMU320"),
    ("<input type='mouse' bus='xen'/>", "pc", "QEMU306"),
])
def test_what_qemu_cannot_build_is_a_compile_finding(devices, machine, code):
    assert virtc.validate(domain_with(devices, machine)) == []
    result = virtc.compile(domain_with(devices, machine), qemu_version="7.2")
    assert code in [str(d.code) for d in result.diagnostics]


def test_old_dialects_without_virtio_input_say_so():
    result = virtc.compile(domain_with("<input type='tablet' bus='virtio'/>"), qemu_version="1.1")
    assert not result.ok and [str(d.code) for d in result.errors] == ["QEMU301"]


@harness.needs_qemu
def test_qemu_knows_the_evdev_objects_properties():
    """No host here has an evdev device to open, so QEMU can't start one; it does list
    the properties virtc sets on input-linux and virtio-input-host-pci."""
    for what, flag in (("input-linux", "-object"), ("virtio-input-host-pci", "-device")):
        out = subprocess.run([harness.qemu_path(), flag, f"{what},help"], capture_output=True,
                             text=True, check=True).stdout
        wanted = ("evdev", "repeat", "grab_all", "grab-toggle") if what == "input-linux" \
            else ("evdev",)
        assert all(f"  {p}=" in out for p in wanted), out


@harness.needs_qemu
def test_real_qemu_builds_every_input():
    """QEMU 7.2 starts USB and virtio mice, tablets and keyboards where virtc put them:
    QOM shows each device's type and USB port, query-pci the virtio ones."""
    result = virtc.compile(domain_with(
        "<input type='tablet' bus='usb'/><input type='mouse' bus='usb'/>"
        "<input type='keyboard' bus='usb'/><input type='mouse' bus='virtio'/>"
        "<input type='tablet' bus='virtio'/><input type='keyboard' bus='virtio'/>"
        "<input type='mouse' bus='ps2'/><input type='keyboard' bus='ps2'/>"
        "<video><model type='virtio'/></video>"), qemu_version="7.2")
    assert result.ok, [str(d) for d in result.diagnostics]
    wanted = [(f"/machine/peripheral/input{i}", "type") for i in range(6)]
    wanted += [(f"/machine/peripheral/input{i}", "port") for i in range(3)]
    run = harness.run_guests([harness.Guest(result.argv, qom=wanted)])[0]
    assert run.started, run.stderr
    assert run.qom == {
        "/machine/peripheral/input0 type": "usb-tablet",
        "/machine/peripheral/input1 type": "usb-mouse",
        "/machine/peripheral/input2 type": "usb-kbd",
        "/machine/peripheral/input3 type": "virtio-mouse-pci",
        "/machine/peripheral/input4 type": "virtio-tablet-pci",
        "/machine/peripheral/input5 type": "virtio-keyboard-pci",
        "/machine/peripheral/input0 port": "1",
        "/machine/peripheral/input1 port": "2",
        "/machine/peripheral/input2 port": "3",
    }
