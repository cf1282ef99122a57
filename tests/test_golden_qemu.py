"""Every golden QEMU argv starts in the real qemu-system-x86_64, paused, and is inspected.

Golden cases name host paths (/home/user/boot.iso, /etc/qemu-ifup-mynet…) that do not
exist here. The test swaps them for temporary files of the same base name, compiles, and
starts QEMU through the harness (private network namespace; only -S and QMP are added).
It then checks what QEMU built: every disk opened the intended file, every MAC is present,
and each NIC has its own backend (no hub joins two of them).
"""
import dataclasses
import os
import re
import struct
import subprocess

import pytest

import qemu_harness as harness
from goldens import compile_case, qemu_cases, rel
from virtc.api import compile_domain
from virtc.compiler import ir
from virtc.compiler.diagnostics import Diagnostics
from virtc.compiler.networks import network_table, resolve_bridge

REQUIRE = os.environ.get("VIRTC_REQUIRE_QEMU") == "1"
needs_qemu = pytest.mark.skipif(harness.qemu_path() is None and not REQUIRE,
                                reason="qemu-system-x86_64 is not installed")


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
    disks = tuple(dataclasses.replace(d, source=local_copy(d.source, tmp,
                                                          fmt=d.driver_type or "raw"))
                  if d.source else d for d in dom.devices.disks)
    os_ = dom.os
    if os_.kernel:
        os_ = dataclasses.replace(os_, kernel=local_copy(os_.kernel, tmp, tiny_bzimage()))
    if os_.initrd:
        os_ = dataclasses.replace(os_, initrd=local_copy(os_.initrd, tmp, b"initrd"))
    script = tmp / "ifup"
    script.write_text('#!/bin/sh\nip link set "$1" up\n')
    script.chmod(0o755)
    ifaces, bridges, addresses, listeners = [], set(), set(), []
    for i in dom.devices.interfaces:
        if i.type is ir.NetType.ETHERNET:
            i = dataclasses.replace(i, script=str(script))
        if i.type is ir.NetType.BRIDGE:
            bridges.add(i.bridge)
        if i.type is ir.NetType.NETWORK:
            bridges.add(resolve_bridge(i.network, network_table()))
        if i.type is ir.NetType.SERVER:
            addresses.add(i.address)
        if i.type is ir.NetType.CLIENT:
            addresses.add(i.address)
            listeners.append((i.address, i.port))
        ifaces.append(i)
    chars = {}
    for kind in ("serials", "parallels", "consoles"):
        chars[kind] = tuple(
            dataclasses.replace(c, path=str(tmp / os.path.basename(c.path)))
            if c.path and c.type in (ir.CharType.FILE, ir.CharType.UNIX, ir.CharType.PIPE) else c
            for c in getattr(dom.devices, kind))
    devices = dataclasses.replace(dom.devices, disks=disks, interfaces=tuple(ifaces), **chars)
    dom = dataclasses.replace(dom, os=os_, devices=devices)
    return dom, dict(bridges=sorted(bridges), addresses=sorted(addresses), listeners=listeners)


CASES = qemu_cases()


@pytest.mark.qemu
@needs_qemu
@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_golden_argv_starts_in_real_qemu(path, tmp_path):
    domain, _, _ = compile_case(path)
    dom, setup = runnable(domain, tmp_path)
    diags = Diagnostics()
    argv = compile_domain(dom, "qemu", diags, qemu_version="7.2")
    assert argv is not None, [d.message for d in diags]
    result = harness.run_paused(argv, **setup)
    assert result.started, f"{rel(path)}: QEMU refused the argv:\n{result.stderr}\n{argv}"
    assert result.status["status"] == "prelaunch"

    opened = {b["inserted"]["file"] for b in result.block if b.get("inserted")}
    for disk in dom.devices.disks:
        if disk.source:
            assert disk.source in opened, (disk.source, opened)
    for dev in result.block:
        if dev.get("removable") is False and dev.get("inserted") is None:
            pytest.fail(f"fixed disk {dev['device']} has no medium")

    net = result.network
    for iface in dom.devices.interfaces:
        if iface.mac:
            assert f"macaddr={iface.mac}" in net
    assert "hub" not in net.lower(), net
    nic_blocks = [b for b in re.split(r"\n(?=\S)", net.strip()) if b.strip()]
    assert len(nic_blocks) == len(dom.devices.interfaces), net


def test_every_qemu_golden_case_is_run():
    """The real-QEMU list is not accidentally empty (e.g. after a backend regression)."""
    assert len(CASES) >= 20, [p.stem for p in CASES]
