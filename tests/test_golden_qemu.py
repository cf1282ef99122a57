"""Every golden QEMU argv starts in the real qemu-system-x86_64, paused, and is inspected.

Golden cases name host paths (/home/user/boot.iso, /etc/qemu-ifup-mynet…) that do not
exist here. The test swaps them for temporary files of the same base name (commas kept),
compiles, and starts QEMU through the harness (private network namespace; only -S and QMP
are added). It then asks QEMU what it built:

- query-status: the guest exists, paused before its first instruction;
- query-block: each disk sits on the drive its <target dev> names and opened exactly the
  file from the XML; CD-ROM and floppy drives are removable and hold their image;
- HMP `info network`: every MAC, one back end per NIC (no hub), and each back end's type
  and parameters (user; socket mcast=/listen=/connect=; tap ifname=/script=; bridge br=);
- VNC: QMP query-vnc reports the port from the XML, and the port answers with an RFB
  banner when connected to from inside the namespace.
"""
import os
import struct
import subprocess
from typing import List, Optional

import pytest

import qemu_harness as harness
from goldens import compile_case, qemu_cases, rel
from qemu_domains import map_disks, with_char_path, with_path
from virtc.pipeline import compile_domain
from virtc.backends.qemu.devices.disk import target_index
from virtc.compiler.devices.chardev import CharDevice, CharType
from virtc.compiler.devices.disk import Disk, DiskBus, DiskDevice
from virtc.compiler.devices.graphics import GraphicsType
from virtc.compiler.devices.interface import Interface, InterfaceScript
from virtc.backends.qemu.devices.graphics import VNC_BASE_PORT
from virtc.compiler import ir
from virtc.compiler.diagnostics import Diagnostics
from virtc.compiler.networks import network_table, resolve_bridge
from virtc.compiler.node import replace


def tiny_bzimage() -> bytes:
    """A Linux boot-protocol header QEMU's x86 loader accepts (it is never executed: -S)."""
    image = bytearray(8192)
    image[0x1F1] = 1                                   # setup_sects
    struct.pack_into("<H", image, 0x1FE, 0xAA55)
    image[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", image, 0x206, 0x020C)       # boot protocol 2.12
    image[0x211] = 0x01                                # LOADED_HIGH
    struct.pack_into("<I", image, 0x22C, 0x7FFFFFFF)   # initrd_addr_max
    struct.pack_into("<I", image, 0x238, 2048)         # cmdline_size
    return bytes(image)


def local_copy(path: str, tmp, content: bytes = b"\0" * (1 << 20), fmt: str = "raw") -> str:
    target = tmp / os.path.basename(path)
    if fmt == "raw":
        target.write_bytes(content)
    else:
        subprocess.run(["qemu-img", "create", "-q", "-f", fmt, str(target), "1M"], check=True)
    return str(target)


def runnable(dom: ir.Domain, tmp):
    """The domain with host paths swapped for temp files, and what the harness must set up."""
    def local(d):
        return with_path(d, local_copy(d.path, tmp, fmt=d.driver_type or "raw")) if d.path else d
    os_ = dom.os
    if os_.kernel:
        os_ = replace(os_, kernel=local_copy(os_.kernel, tmp, tiny_bzimage()))
    if os_.initrd:
        os_ = replace(os_, initrd=local_copy(os_.initrd, tmp, b"initrd"))
    script = tmp / "ifup"
    script.write_text('#!/bin/sh\nip link set "$1" up\n')
    script.chmod(0o755)
    bridges, addresses, listeners = set(), set(), []
    for i in dom.devices.interfaces:
        if i.type is ir.NetType.BRIDGE:
            bridges.add(i.bridge)
        if i.type is ir.NetType.NETWORK:
            bridges.add(resolve_bridge(i.network, network_table()))
        if i.type is ir.NetType.SERVER:
            addresses.add(i.address)
        if i.type is ir.NetType.CLIENT:
            addresses.add(i.address)
            listeners.append((i.address, i.port))

    def local_script(i):
        if i.type is ir.NetType.ETHERNET:
            return replace(i, script=InterfaceScript(str(script)))
        return i
    def local_char(c):
        if c.path and c.type in (CharType.FILE, CharType.UNIX, CharType.PIPE):
            return with_char_path(c, str(tmp / os.path.basename(c.path)))
        return c

    devices = map_disks(map_disks(map_disks(dom.devices, local), local_script, Interface),
                        local_char, CharDevice)
    dom = replace(dom, os=os_, devices=devices)
    return dom, dict(bridges=sorted(bridges), addresses=sorted(addresses), listeners=listeners)


def drive_name(disk: Disk) -> str:
    """The block device name QEMU 7.2 gives the drive virtc emits for this disk."""
    index = target_index(disk.target_dev)
    bus = disk.target_bus
    if bus is DiskBus.IDE:
        kind = "cd" if disk.device is DiskDevice.CDROM else "hd"
        return f"ide{index // 2}-{kind}{index % 2}"
    names = {DiskBus.FDC: f"floppy{index}", DiskBus.VIRTIO: f"virtio{index}",
             DiskBus.SCSI: f"drive-scsi0-0-{index}", DiskBus.USB: f"drive-usb{index}"}
    return names[bus]


def backend_expectations(iface: Interface) -> List[str]:
    """Substrings of the back end's `info network` line that prove its type and settings."""
    match iface.type:
        case ir.NetType.USER:
            return ["type=user"]
        case ir.NetType.NETWORK:
            return ["type=tap", "helper=", f"br={resolve_bridge(iface.network, network_table())}"]
        case ir.NetType.BRIDGE:
            return ["type=tap", "helper=", f"br={iface.bridge}"]
        case ir.NetType.ETHERNET:
            name = f"ifname={iface.target_dev}" if iface.target_dev else "ifname=tap"
            return ["type=tap", name, f"script={iface.script_path}", "downscript=no"]
        case ir.NetType.MCAST:
            return ["type=socket", f"mcast={iface.address}:{iface.port}"]
        case ir.NetType.SERVER:
            # The harness connects to ADDRESS:PORT from inside the namespace first; only an
            # accepted connection makes the listener visible in `info network`.
            return ["type=socket", f"connection from {iface.address}:"]
        case ir.NetType.CLIENT:
            return ["type=socket", f"connect to {iface.address}:{iface.port}"]


def vnc_port(dom: ir.Domain) -> Optional[int]:
    vnc = [g for g in dom.devices.graphics if g.type is GraphicsType.VNC]
    if not vnc:
        return None
    g = vnc[0]
    # With nothing else listening in the fresh namespace, autoport's search stops at 5900.
    return VNC_BASE_PORT if g.autoport or g.port in (None, -1) else g.port


CASES = qemu_cases()


def start(path, tmp_path):
    domain, _, _ = compile_case(path)
    dom, setup = runnable(domain, tmp_path)
    diags = Diagnostics()
    argv = compile_domain(dom, "qemu", diags, qemu_version="7.2")
    assert argv is not None, [d.message for d in diags]
    probes = [(i.address, i.port) for i in dom.devices.interfaces
              if i.type is ir.NetType.SERVER]
    port = vnc_port(dom)
    if port is not None:
        probes.append(("127.0.0.1", port))
    result = harness.run_paused(argv, probes=probes, **setup)
    assert result.started, f"{rel(path)}: QEMU refused the argv:\n{result.stderr}\n{argv}"
    return dom, result


@pytest.mark.qemu
@harness.needs_qemu
@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_golden_case_in_real_qemu(path, tmp_path):
    dom, result = start(path, tmp_path)
    assert result.status["status"] == "prelaunch" and result.status["running"] is False
    check_disks(dom, result)
    check_network(dom, result)
    check_vnc(dom, result)


def check_disks(dom: ir.Domain, result: harness.QemuResult) -> None:
    devices = result.block_devices()
    for disk in dom.devices.disks:
        name = drive_name(disk)
        assert name in devices, (disk.target_dev, sorted(devices))
        dev = devices[name]
        inserted = dev.get("inserted")
        if disk.path is None:
            assert inserted is None, f"{name} should be an empty drive"
        else:
            # Byte for byte: a comma that reached QEMU unescaped would change this.
            assert inserted is not None and inserted["file"] == disk.path, (name, dev)
        if disk.device in (DiskDevice.CDROM, DiskDevice.FLOPPY):
            assert dev["removable"] is True, name
            assert dev.get("tray_open", False) is False, name
        else:
            assert dev["removable"] is False, name
    for name, dev in devices.items():
        if dev.get("removable") is False and dev.get("inserted") is None:
            pytest.fail(f"fixed disk {name} has no medium")


def check_network(dom: ir.Domain, result: harness.QemuResult) -> None:
    nics = result.nics()
    assert "hub" not in result.network.lower(), result.network
    ifaces = dom.devices.interfaces
    assert len(nics) == len(ifaces), result.network
    peers = set()
    for iface, (nic, backends) in zip(ifaces, nics):
        assert "type=nic" in nic, nic
        if iface.mac_address:
            assert harness.mac_of(nic) == iface.mac_address, (iface.mac_address, nic)
        assert len(backends) == 1, f"NIC shares or lacks a back end:\n{result.network}"
        (backend,) = backends
        peers.add(backend.split(":")[0])
        for expected in backend_expectations(iface):
            assert expected in backend, (expected, backend)
    assert len(peers) == len(ifaces), result.network


def check_vnc(dom: ir.Domain, result: harness.QemuResult) -> None:
    port = vnc_port(dom)
    if port is None:
        assert not (result.vnc or {}).get("enabled"), result.vnc
        return
    assert result.vnc["enabled"] and result.vnc["service"] == str(port), result.vnc
    assert result.probes[f"127.0.0.1:{port}"].startswith("connected: RFB 003."), result.probes


def test_every_qemu_golden_case_is_run():
    """The real-QEMU list is not accidentally empty (e.g. after a backend regression)."""
    assert len(CASES) >= 20, [p.stem for p in CASES]
