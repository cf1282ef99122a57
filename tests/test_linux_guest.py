"""A real guest sees what the XML meant: a libvirt-style q35 domain boots Debian's Linux
kernel under `virtc run`, and the guest reports what it finds on its serial port.

The root disk is on virtio-blk, the NIC is virtio-net with the XML's MAC, and there are a
virtio-rng and a qemu-guest-agent channel. The guest (tests/linux_guest.py: a busybox
initramfs) prints its PCI devices, the disk's size, the MAC, the vCPU and memory counts; the
test compares them with the XML, and each virtio device's PCI address as the guest sees it
with the address the compiled document gave it (libvirt's, from post-parse).

KVM can't be used here (nested KVM aborts or hangs on this kind of machine), so the domain is
type='qemu': TCG. Once with SeaBIOS, once with UEFI (OVMF) when it is installed.
"""
import os
import pathlib
import subprocess
import sys

import pytest

import linux_guest
from qemu_harness import needs_qemu
from virtc.pipeline import load_bytes

pytestmark = [pytest.mark.qemu, needs_qemu]

OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
MAC = "52:54:00:5a:17:01"
DISK_BYTES = 48 << 20
VIRTIO_KINDS = {"virtio-net": ("0x1000", "0x1041"), "virtio-blk": ("0x1001", "0x1042"),
                "virtio-serial": ("0x1003", "0x1043"), "virtio-rng": ("0x1005", "0x1044")}

DOMAIN = """<domain type='qemu'>
  <name>virtc-linux-guest</name>
  <uuid>6c0a9b52-7c0e-4f0e-9a53-0d0c5e8f1a01</uuid>
  <memory unit='MiB'>256</memory>
  <currentMemory unit='MiB'>256</currentMemory>
  <vcpu placement='static'>2</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>{firmware}
    <kernel>{kernel}</kernel>
    <initrd>{initrd}</initrd>
    <cmdline>console=ttyS0 panic=-1 quiet</cmdline>
  </os>
  <features>
    <acpi/>
    <apic/>
  </features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='{disk}'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <controller type='usb' index='0' model='qemu-xhci' ports='15'/>
    <controller type='pci' index='0' model='pcie-root'/>
    <controller type='virtio-serial' index='0'/>
    <interface type='user'>
      <mac address='{mac}'/>
      <model type='virtio'/>
    </interface>
    <serial type='file'>
      <source path='{serial}'/>
      <target type='isa-serial' port='0'/>
    </serial>
    <channel type='unix'>
      <target type='virtio' name='org.qemu.guest_agent.0'/>
    </channel>
    <video>
      <model type='none'/>
    </video>
    <memballoon model='none'/>
    <rng model='virtio'>
      <backend model='random'>/dev/urandom</backend>
    </rng>
  </devices>
</domain>
"""
UEFI = """
    <loader readonly='yes' type='pflash'>{code}</loader>
    <nvram template='{vars}'>{nvram}</nvram>"""


@pytest.fixture(scope="module")
def initrd(tmp_path_factory):
    assert linux_guest.missing() is None, linux_guest.missing()
    return linux_guest.build_initramfs(tmp_path_factory.mktemp("initrd") / "initrd.gz")


# OVMF comes with Debian's ovmf package; .ci/run installs it (and there a missing OVMF fails).
FIRMWARES = [pytest.param("seabios", id="seabios"),
             pytest.param("uefi", id="uefi", marks=pytest.mark.skipif(
                 not os.path.exists(OVMF_CODE) and os.environ.get("VIRTC_REQUIRE_QEMU") != "1",
                 reason="OVMF is not installed (apt-get install ovmf)"))]


def guest_addresses(report, bridges):
    """(bus, slot, function) of each PCI function the guest found, with bus numbers turned
    back into the controller that provides them (the guest's bus numbers are the firmware's
    enumeration; the XML names a bus by its controller's index)."""
    found = {}
    for address, vendor, device, _ in report["PCI"]:
        _, bus, slotfn = address.split(":")
        slot, fn = slotfn.split(".")
        found[(bridges.get(int(bus, 16), int(bus, 16)), int(slot, 16), int(fn, 16))] = (vendor, device)
    return found


@pytest.mark.parametrize("firmware", FIRMWARES)
def test_a_q35_guest_boots_and_sees_what_the_xml_meant(firmware, initrd, tmp_path):
    kernel, _ = linux_guest.kernel()
    disk = tmp_path / "root.img"
    with open(disk, "wb") as fh:
        fh.truncate(DISK_BYTES)
    serial = tmp_path / "serial.log"
    extra = ""
    if firmware == "uefi":
        extra = UEFI.format(code=OVMF_CODE, vars=OVMF_VARS, nvram=tmp_path / "VARS.fd")
    xml = DOMAIN.format(firmware=extra, kernel=kernel, initrd=initrd, disk=disk, mac=MAC,
                        serial=serial)
    path = tmp_path / "guest.xml"
    path.write_text(xml)
    proc = subprocess.run([sys.executable, "-m", "virtc", "run", str(path)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr      # the guest powered off: QEMU exited 0
    report = linux_guest.report(serial.read_text(errors="replace"))

    assert report["CPUS"] == [["2"]]
    # MemTotal is the RAM less what firmware and the kernel keep (about 20% of 256 MiB
    # under OVMF): more than three quarters of <memory>, never more.
    mem_kib = int(report["MEMKB"][0][0])
    assert 256 * 1024 * 3 // 4 < mem_kib <= 256 * 1024
    assert ["vda", str(DISK_BYTES // 512)] in report["BLOCK"]
    assert ["eth0", MAC] in report["NET"]
    assert report["RNG"] == [["virtio_rng.0"]]
    assert [port[1] for port in report["PORT"]] == ["org.qemu.guest_agent.0"]
    if firmware == "uefi":
        assert (tmp_path / "VARS.fd").stat().st_size == os.path.getsize(OVMF_VARS)

    # Each virtio device is where the compiled document put it.
    domain = load_bytes(xml.encode(), str(path)).node
    controllers = {n.index: n for n in domain.devices.families if n.TAG == "controller"}
    # The guest names a root port's bus by the number the firmware gave it: the report's
    # BRIDGE lines map that number back to the root port (its controller index).
    bridges = {}
    for address, secondary in report.get("BRIDGE", []):
        _, bus, slotfn = address.split(":")
        slot, fn = (int(x, 16) for x in slotfn.split("."))
        for index, ctl in controllers.items():
            pci = ctl.info.address.pci() if ctl.info.address is not None else None
            if pci is not None and (pci.bus, pci.slot, pci.function) == (int(bus, 16), slot, fn):
                bridges[int(secondary, 16)] = index
    seen = guest_addresses(report, bridges)
    expected = {"virtio-blk": [n for n in domain.devices.families if n.TAG == "disk"],
                "virtio-net": [n for n in domain.devices.families if n.TAG == "interface"],
                "virtio-rng": [n for n in domain.devices.families if n.TAG == "rng"],
                "virtio-serial": [n for n in domain.devices.families if n.TAG == "controller"
                                  and n.type.value == "virtio-serial"]}
    for kind, nodes in expected.items():
        (node,) = nodes
        pci = node.info.address.pci()
        assert seen.get((pci.bus, pci.slot, pci.function), ("", ""))[1] in VIRTIO_KINDS[kind], \
            (kind, pci, seen)
