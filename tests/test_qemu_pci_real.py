"""Real QEMU puts every device where libvirt did.

For corpus documents (virt-install's print-xml form), with what virtc doesn't compile yet
taken out where it moves no PCI device (CPU, clock, power management, graphics, sound,
USB redirection, serial/console, TPM; the guest-agent channels become the virtio-serial
controller they imply, which libvirt places the same way), virtc's argv starts paused in
qemu-system-x86_64. QEMU's `query-pci` tree must then have a device at every PCI address
libvirt gave in the dumpxml form (bus N being the controller with index N, id pci.N), at
no other address, and each device virtc names (pci.N, usb, virtio-serial0, video0,
balloon0, rng0, virtio-disk0) exactly where libvirt put that device.
"""
from __future__ import annotations

import os
import pathlib
import re
import subprocess

import pytest
from lxml import etree

from qemu_harness import needs_qemu, run_paused
from virtc.pipeline import CompileOptions, run

CORPUS = pathlib.Path(__file__).parent / "corpus"
DROP = ("cpu", "clock", "pm", "features/vmport", "devices/graphics", "devices/sound",
        "devices/audio", "devices/redirdev", "devices/console", "devices/serial",
        "devices/tpm")
# Documents that compile once trimmed, and where the trimming moves nothing: on pc, a
# sound card (an ich6 on q35 too: it brings a pcie-to-pci-bridge) takes a slot before the
# controllers, so documents with one are not here.
CASES = ["q35-debian11-defaults", "pc-generic-ide-raw", "video-ramfb",
         "usb-nec-xhci", "tcg-qemu64-pc", "video-bochs-vnc", "video-virtio-heads",
         "alpine317", "channels", "rng-builtin", "rng-urandom-rate", "serial-console-parallel", "vnc-options",
         "generic-minimal-none", "ubuntu2204-headless", "tpm-tis", "memballoon-stats"]


def trimmed(name: str) -> bytes:
    root = etree.parse(str(CORPUS / "print-xml" / f"{name}.xml")).getroot()
    for path in DROP:
        for el in root.findall(path):
            el.getparent().remove(el)
    devices = root.find("devices")
    channels = devices.findall("channel")
    for el in channels:
        devices.remove(el)
    if channels:
        etree.SubElement(devices, "controller", type="virtio-serial")
    return etree.tostring(root)


def private(name: str, tmp: pathlib.Path) -> bytes:
    """The trimmed document with its host files (/var/tmp/corpus/…) swapped for fresh ones
    of the same kind in `tmp`: other QEMUs on this host may hold the shared images' locks."""
    doc = trimmed(name)
    for found in sorted(set(re.findall(rb"/var/tmp/corpus/[\w.-]+", doc))):
        shared = pathlib.Path(found.decode())
        mine = tmp / shared.name
        if shared.is_dir():
            mine.mkdir(exist_ok=True)
        elif shared.suffix == ".qcow2":
            subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(mine), "16M"],
                           check=True)
        else:
            mine.write_bytes(shared.read_bytes()[:1 << 20] if shared.exists() else b"")
            os.truncate(mine, shared.stat().st_size if shared.exists() else 1 << 20)
        doc = doc.replace(found, str(mine).encode())
    return doc


def expected(name: str) -> dict:
    """(bus, slot, function) -> the id virtc gives the device there (None: no id), from
    libvirt's dumpxml, for the devices the trimmed document keeps."""
    root = etree.parse(str(CORPUS / "dumpxml" / f"{name}.xml")).getroot()
    out = {}
    counts: dict = {}
    for dev in root.find("devices"):
        if dev.tag in ("sound", "graphics", "redirdev", "serial", "console",
                                          "tpm", "audio"):
            continue
        address = dev.find("address")
        n = counts.get(dev.tag, 0)
        counts[dev.tag] = n + 1
        if address is None or address.get("type") != "pci":
            continue
        where = tuple(int(address.get(k), 16) for k in ("bus", "slot", "function"))
        out[where] = _id(dev, n, root)
    return out


def _id(dev, n: int, root):
    if dev.tag == "controller":
        t, index = dev.get("type"), dev.get("index")
        if t == "pci":
            return f"pci.{index}"
        if t == "usb":
            return None if "uhci" in (dev.get("model") or "") else (
                "usb" if index == "0" else f"usb{index}")
        if t == "virtio-serial":
            return f"virtio-serial{index}"
        if t == "scsi":
            return f"scsi{index}"
        return None             # built into the chipset: QEMU's own
    return {"video": f"video{n}", "memballoon": "balloon0", "rng": f"rng{n}"}.get(dev.tag)


def placed(qtree: str, root_bus_chipset: set) -> dict:
    """(bus, slot, function) -> qdev id of every PCI device in `info qtree`; a device on
    the bus named pci.N (the controller with index N) is on bus N, one on pcie.0 or pci.0
    on bus 0. The chipset's own functions (the host bridge, the PIIX3 or ICH9 parts at
    `root_bus_chipset`) are left out. query-pci can't say this for a paused guest: it lists
    what is behind a bridge only once the firmware has numbered the buses."""
    out = {}
    stack = []                          # (indent, bus name) of the enclosing buses
    device = None
    for line in qtree.splitlines():
        indent = len(line) - len(line.lstrip())
        text = line.strip()
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if text.startswith("bus: "):
            stack.append((indent, text[5:]))
        elif text.startswith("dev: "):
            m = re.match(r'dev: [^,]+, id "([^"]*)"', text)
            device = (m.group(1) if m else "") or None, stack[-1][1] if stack else ""
        elif text.startswith("addr = ") and device is not None:
            qid, bus = device
            m = re.fullmatch(r"addr = ([0-9a-f]{2})\.([0-7])", text)
            if m is None or not re.fullmatch(r"pcie?\.\d+", bus):
                continue
            number = int(bus.split(".")[1])
            where = (number, int(m.group(1), 16), int(m.group(2)))
            if not (number == 0 and where[1:] in root_bus_chipset):
                out[where] = qid
            device = None
    return out


@needs_qemu
@pytest.mark.parametrize("name", CASES)
def test_query_pci_shows_libvirts_addresses(name, tmp_path):
    result = run(private(name, tmp_path), f"{name}.xml", CompileOptions(target="qemu",
                                                                        qemu_version="7.2"))
    assert result.ok, [str(d) for d in result.diagnostics]
    qemu = run_paused(result.output, bridges=("virbr0", "br0"))
    assert qemu.started, qemu.stderr
    q35 = "q35" in " ".join(result.output)
    chipset = ({(0, 0), (0x1F, 0), (0x1F, 2), (0x1F, 3)} if q35
               else {(0, 0), (1, 0), (1, 1), (1, 3)})
    want = expected(name)
    # the chipset's own controllers: pc's IDE (the PIIX3's), q35's SATA (the ICH9's)
    want.pop((0, 0x1F, 2) if q35 else (0, 1, 1), None)
    got = placed(qemu.qtree, chipset)
    assert set(got) == set(want), (sorted(got), sorted(want))
    for where, qid in want.items():
        if qid is not None:
            assert got[where] == qid, (where, got[where], qid)


USB_DOC = b"""<domain type='kvm'>
  <name>usb-ports</name>
  <memory unit='MiB'>256</memory>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <source file='%s'/>
      <target dev='sda' bus='usb'/>
    </disk>
    <input type='tablet' bus='usb'/>
    <controller type='usb' model='qemu-xhci'/>
    <video><model type='virtio'/></video>
  </devices>
</domain>
"""


@needs_qemu
def test_usb_devices_get_libvirts_ports(tmp_path):
    """Disks take USB ports before inputs, from port 1 of controller 0 (libvirt's
    qemuDomainAssignUSBPorts, as libvirt 9.0 numbers tests/libvirt_usb_order); QEMU shows
    each device on the port virtc gave it."""
    image = tmp_path / "u.img"
    image.write_bytes(b"\0" * 65536)
    result = run(USB_DOC % str(image).encode(), "usb.xml",
                 CompileOptions(target="qemu", qemu_version="7.2"))
    assert result.ok, [str(d) for d in result.diagnostics]
    qemu = run_paused(result.output)
    assert qemu.started, qemu.stderr
    ports = {}
    device = None
    for line in qemu.qtree.splitlines():
        text = line.strip()
        if text.startswith("dev: "):
            device = text[5:].split(",")[0]
        elif text.startswith("port = ") and device in ("usb-tablet", "usb-storage"):
            ports[device] = text[len("port = "):].strip('"')
    assert ports == {"usb-storage": "1", "usb-tablet": "2"}
