"""QEMU backend on real QEMU 7.2: hand-built domains start, paused, and QEMU reports what
the argv asked for. (Golden cases: test_golden_qemu.py; boot: test_qemu_boot.py.)"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import qemu_harness as harness
from qemu_domains import (SEVEN, compile_, devs, disk, domain, map_disks, spec_kvm, spec_qemu,
                          with_path)
from virtc.compiler.devices.chardev import CharKind, CharMode, CharProtocol, CharType
from virtc.compiler.devices.chardev import make as chardev
from virtc.compiler.ir import (Boot, BootDev, Clock, ClockOffset, Domain, DomainType,
                               LifecycleAction, NetType, Os, OsType)

from virtc.compiler.devices.disk import DiskBus
from virtc.compiler.devices.graphics import Graphics, GraphicsType
from virtc.compiler.devices.input import Input, InputBus, InputType
from virtc.compiler.devices.interface import InterfaceScript
from virtc.compiler.node import replace

needs_qemu = harness.needs_qemu


def _with_files(dom: Domain, tmp_path: Path) -> Domain:
    """Golden paths such as /home/user/boot.iso → empty temp images of the same name."""
    def local(d):
        image = tmp_path / Path(d.path).name
        image.write_bytes(b"\0" * 1024 * 1024)
        return with_path(d, str(image))

    return replace(dom, devices=map_disks(dom.devices, local))


def _start(dom: Domain, **harness_kw):
    argv, diags = compile_(dom)
    assert argv is not None, [d.message for d in diags]
    result = harness.run_paused(argv, **harness_kw)
    assert result.started, result.stderr
    assert result.status["status"] == "prelaunch" and not result.status["running"]
    return result


@pytest.mark.qemu
@needs_qemu
def test_real_qemu_starts_spec_kvm_domain(tmp_path):
    result = _start(_with_files(spec_kvm(), tmp_path))
    assert "type=user" in result.network
    assert result.block_files()["ide0-hd0"].endswith("diskboot.img")


@pytest.mark.qemu
@needs_qemu
def test_real_qemu_starts_spec_qemu_domain_on_default_network(tmp_path):
    result = _start(_with_files(spec_qemu(), tmp_path), bridges=["virbr0"])
    assert "br=virbr0" in result.network
    files = result.block_files()
    assert files["ide1-cd0"].endswith("boot.iso") and files["ide0-hd0"].endswith("fedora.img")


@pytest.mark.qemu
@needs_qemu
# The seven types of the 2007 page; tests/test_qemu_nics.py starts udp, vhostuser and null.
@pytest.mark.parametrize("net_type", list(SEVEN), ids=[t.value for t in SEVEN])
def test_real_qemu_starts_each_interface_type(net_type, tmp_path):
    iface = SEVEN[net_type]
    if net_type is NetType.ETHERNET:
        script = tmp_path / "ifup"
        script.write_text('#!/bin/sh\nip link set "$1" up\n')
        script.chmod(0o755)
        iface = replace(iface, script=InterfaceScript(str(script)))
    result = _start(domain(devices=devs(interfaces=(iface,))), bridges=["virbr0", "br0"],
                    addresses=["192.168.0.1"], listeners=(
                        [("192.168.0.1", 5558)] if net_type is NetType.CLIENT else []))
    expected = {NetType.USER: "type=user", NetType.NETWORK: "br=virbr0",
                NetType.BRIDGE: "br=br0", NetType.ETHERNET: "ifname=vnet7",
                NetType.MCAST: "mcast=230.0.0.1:5558", NetType.SERVER: "type=socket",
                NetType.CLIENT: "type=socket"}[net_type]
    assert expected in result.network


@pytest.mark.qemu
@needs_qemu
def test_real_qemu_two_nics_each_on_their_own_backend():
    ifaces = (SEVEN[NetType.USER], SEVEN[NetType.MCAST])
    result = _start(domain(devices=devs(interfaces=ifaces)))
    assert "hub" not in result.network.lower()
    # `info network` lists each NIC with its peer indented beneath it.
    blocks = re.split(r"\n(?=\S)", result.network.strip())
    assert len(blocks) == 2
    assert "type=user" in blocks[0] and "mcast" not in blocks[0]
    assert "mcast=230.0.0.1:5558" in blocks[1] and "type=user" not in blocks[1]


@pytest.mark.qemu
@needs_qemu
def test_real_qemu_opens_disk_path_with_comma(tmp_path):
    image = tmp_path / "a,b.img"
    image.write_bytes(b"\0" * 1024 * 1024)
    other = tmp_path / "c,d,,e.img"
    other.write_bytes(b"\0" * 1024 * 1024)
    (tmp_path / "a").write_bytes(b"\0" * 1024)     # what a naive split would open
    disks = (disk("hda", DiskBus.IDE, str(image)), disk("sda", DiskBus.SCSI, str(other)))
    result = _start(domain(devices=devs(disks=disks)))
    files = result.block_files()
    assert files["ide0-hd0"] == str(image)
    assert files["drive-scsi0-0-0"] == str(other)


@pytest.mark.qemu
@needs_qemu
def test_real_qemu_accepts_the_rest_of_the_mapping(tmp_path):
    """Char devices, lifecycle, clock, input, SDL-less VNC with password, kernel boot."""
    kernel = tmp_path / "vmlinuz"
    kernel.write_bytes(b"\0" * 4096)
    serials = (chardev(CharKind.SERIAL, CharType.UNIX, path=str(tmp_path / "s,1.sock"),
                          mode=CharMode.BIND),
               chardev(CharKind.SERIAL, CharType.TCP, host="127.0.0.1", service="4555",
                          mode=CharMode.BIND, protocol=CharProtocol.TELNET),
               chardev(CharKind.SERIAL, CharType.FILE, path=str(tmp_path / "log,1")))
    dom = domain(
        type=DomainType.KVM, vcpus=2, uuid="c7a5fdbd-cdaf-9455-926a-d65c16db1809",
        clock=Clock(ClockOffset.LOCALTIME), on_reboot=LifecycleAction.DESTROY,
        on_poweroff=LifecycleAction.PRESERVE, on_crash=LifecycleAction.PRESERVE,
        os=Os(OsType.HVM, boot=(Boot(BootDev.CDROM), Boot(BootDev.HD))),
        devices=devs(serials=serials, parallels=(chardev(CharKind.PARALLEL, CharType.NULL),),
                     inputs=(Input(InputType.TABLET, InputBus.USB),),
                     graphics=(Graphics(GraphicsType.VNC, port=5907, passwd="x",
                                        keymap="en-us"),)))
    _start(dom)
    assert (tmp_path / "s,1.sock").exists() is False   # QEMU quit and removed it
    assert (tmp_path / "log,1").exists()
