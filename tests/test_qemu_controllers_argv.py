"""The controller and video -device options are libvirt's own.

tests/corpus/native/ holds `virsh domxml-to-native qemu-argv` for every corpus document:
libvirt 9.0's argv, whose -device options are JSON. For the documents that compile once
trimmed (test_qemu_pci_real.py), each controller and video device virtc builds must have
the same driver and the same properties, value for value, as libvirt's -device of the
same id (pci.N, usb, virtio-serial0, scsi0, video0).
"""
from __future__ import annotations

import json
import pathlib
import shlex

import pytest

from qemuopts import options
from test_qemu_pci_real import CASES, trimmed
from virtc.pipeline import CompileOptions, run

NATIVE = pathlib.Path(__file__).parent / "corpus" / "native"
IDS = ("pci.", "usb", "virtio-serial", "scsi", "video")


def _norm(value) -> str:
    if value is True:
        return "on"
    if value is False:
        return "off"
    return str(value)


def libvirt_devices(name: str) -> dict:
    words = shlex.split((NATIVE / f"{name}.argv").read_text())
    out = {}
    for flag, value in zip(words, words[1:]):
        if flag == "-device" and value.startswith("{"):
            props = json.loads(value)
            if str(props.get("id", "")).startswith(IDS) or "masterbus" in props:
                key = props.get("id") or f"{props['driver']}@{props['addr']}"
                out[key] = {k: _norm(v) for k, v in props.items()}
    return out


def virtc_devices(argv) -> dict:
    out = {}
    for props in options(argv, "-device"):    # JSON for a document like these
        if str(props.get("id", "")).startswith(IDS) or "masterbus" in props:
            key = props.get("id") or f"{props['driver']}@{props['addr']}"
            out[key] = {k: _norm(v) for k, v in props.items()}
    return out


@pytest.mark.parametrize("name", CASES)
def test_controller_and_video_devices_match_libvirts_argv(name):
    result = run(trimmed(name), f"{name}.xml", CompileOptions(target="qemu",
                                                              qemu_version="7.2"))
    assert result.ok, [str(d) for d in result.diagnostics]
    ours = virtc_devices(result.output)
    libvirts = libvirt_devices(name)
    # every controller and video device libvirt starts, virtc starts too, the same way
    assert set(ours) == set(libvirts), (sorted(ours), sorted(libvirts))
    for key, props in libvirts.items():
        assert ours[key] == props, key


PC_USB_TABLET = b"""<domain type='qemu'>
  <name>pc-usb</name>
  <memory unit='MiB'>128</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <input type='tablet' bus='usb'/>
    <video><model type='vga'/></video>
  </devices>
</domain>"""


def test_pcs_implicit_usb_controller_carries_usb_devices_in_real_qemu():
    """A pc guest with a USB tablet and no <controller type='usb'>: libvirt adds a
    piix3-uhci and writes it as `-device piix3-usb-uhci,id=usb,bus=pci.0,addr=0x1.0x2`, so
    the tablet's bus=usb.0 exists. (QEMU's -usb would name that bus usb-bus.0.)"""
    from qemu_harness import run_paused

    result = run(PC_USB_TABLET, "pc-usb.xml", CompileOptions(target="qemu", qemu_version="7.2"))
    assert result.ok, [str(d) for d in result.diagnostics]
    [uhci] = [o for o in options(result.output, "-device") if o["driver"] == "piix3-usb-uhci"]
    assert (uhci["id"], uhci["bus"], uhci["addr"]) == ("usb", "pci.0", "0x1.0x2")
    assert "-usb" not in result.output
    qemu = run_paused(result.output)
    assert qemu.started, qemu.stderr
    assert "dev: usb-tablet" in qemu.qtree
