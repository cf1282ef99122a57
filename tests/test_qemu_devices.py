"""QEMU backend: disks, interfaces, graphics, input and character devices per dialect."""
from __future__ import annotations

import subprocess

import pytest

import qemu_harness as harness
from qemu_domains import SEVEN, codes, compile_, devs, disk, domain, ir_interface, pairs
from virtc.compiler.devices.interface import Interface, InterfaceModel
from virtc.compiler.devices.disk import (Disk, DiskBus, DiskDevice, DiskDriver, DiskSource,
                                         DiskTarget, DiskType)
from virtc.compiler.diagnostics import Span
from virtc.compiler.node import replace as replace_node
from virtc.compiler.devices.chardev import CharKind, CharMode, CharProtocol, CharSource, CharType
from virtc.compiler.devices.chardev import make as chardev
from virtc.compiler.devices.graphics import Graphics, GraphicsType
from virtc.compiler.devices.input import Input, InputBus, InputType
from virtc.compiler.ir import (NetType,
                               Network, NOWHERE)

# ---------------------------------------------------------------------------- disks


def test_comma_in_drive_path_is_doubled_and_newline_refused():
    argv, _ = compile_(domain(devices=devs(disks=(disk("hda", DiskBus.IDE, "/i/a,b.img"),))))
    assert pairs(argv, "-drive") == ["file=/i/a,,b.img,format=raw,if=ide,index=0"]
    argv, diags = compile_(domain(devices=devs(disks=(disk("hda", DiskBus.IDE, "/i/a\nb"),))))
    assert argv is None and codes(diags) == ["QEMU302"]


DISK_AT, SOURCE_AT, DRIVER_AT = Span("t.xml", 10, 5), Span("t.xml", 11, 7), Span("t.xml", 12, 7)


@pytest.mark.parametrize("path,fmt,source_at,at", [
    ("/i/a\nb", None, SOURCE_AT, SOURCE_AT),
    ("/img/a.img", "qc\now2", SOURCE_AT, DRIVER_AT),
    # A <source> built without a span (by hand) points at the disk.
    ("/i/a\nb", None, NOWHERE, DISK_AT),
])
def test_value_qemu_cannot_carry_is_reported_where_it_was_written(path, fmt, source_at, at):
    d = Disk(DiskType.FILE, DiskDevice.DISK, driver=DiskDriver(type=fmt, span=DRIVER_AT),
             source=DiskSource(file=path, span=source_at), target=DiskTarget("hda", DiskBus.IDE),
             span=DISK_AT)
    argv, diags = compile_(domain(devices=devs(disks=(d,))))
    assert argv is None and [(x.code, x.span) for x in diags] == [("QEMU302", at)]


def test_nic_model_qemu_cannot_carry_is_reported_on_model():
    at = Span("t.xml", 9, 7)
    nic = Interface(NetType.USER, model=InterfaceModel("e1000\n", span=at),
                    span=Span("t.xml", 8, 5))
    argv, diags = compile_(domain(devices=devs(interfaces=(nic,))))
    assert argv is None and [(x.code, x.span) for x in diags] == [("QEMU302", at)]


def test_disk_buses_in_7_2():
    disks = (disk("sdb", DiskBus.SCSI), disk("sda", DiskBus.SCSI, device=DiskDevice.CDROM),
             disk("vda", DiskBus.VIRTIO, driver_type="qcow2"),
             disk("fdb", DiskBus.FDC, device=DiskDevice.FLOPPY),
             disk("hdd", DiskBus.IDE, "hda5", type=DiskType.BLOCK),
             disk("vdc", DiskBus.VIRTIO, "/img/ro.img", readonly=True))
    argv, diags = compile_(domain(devices=devs(disks=disks)))
    assert list(diags) == []
    assert pairs(argv, "-device") == [
        "lsi,id=scsi0", "scsi-hd,bus=scsi0.0,scsi-id=1,drive=drive-scsi0-0-1",
        "scsi-cd,bus=scsi0.0,scsi-id=0,drive=drive-scsi0-0-0"]
    assert pairs(argv, "-drive")[2:] == [
        "file=/img/a.img,format=qcow2,if=virtio,index=0",
        "file=/img/a.img,format=raw,if=floppy,index=1",
        "file=/dev/hda5,format=raw,if=ide,index=3",
        "file=/img/ro.img,format=raw,if=virtio,index=2,readonly=on"]


def test_readonly_ide_hard_disk_is_refused():
    """QEMU's ide-hd can't be read-only (real 7.2: "Block node is read-only")."""
    ro = disk("hdb", DiskBus.IDE, readonly=True)
    argv, diags = compile_(domain(devices=devs(disks=(ro,))))
    assert argv is None
    assert [d.code for d in diags] == ["QEMU315"]


def test_disk_targets_without_a_slot():
    for dev, bus, code in (("hde", DiskBus.IDE, "QEMU310"), ("fdc", DiskBus.FDC, "QEMU310"),
                           ("xvda", DiskBus.XEN, "QEMU301")):
        argv, diags = compile_(domain(devices=devs(disks=(disk(dev, bus),))))
        assert argv is None and codes(diags) == [code], dev
    twice = (disk("hda", DiskBus.IDE), disk("hda", DiskBus.IDE))
    assert codes(compile_(domain(devices=devs(disks=twice)))[1]) == ["QEMU310"]


def test_legacy_disks_use_raw_switches():
    disks = (disk("hda", DiskBus.IDE, "/i/a,b.img"),
             disk("hdc", DiskBus.IDE, "/i/cd.iso", device=DiskDevice.CDROM, readonly=True),
             disk("fda", DiskBus.FDC, "/i/fd.img", device=DiskDevice.FLOPPY))
    argv, diags = compile_(domain(devices=devs(disks=disks)), "0.9")
    assert pairs(argv, "-hda") == ["/i/a,b.img"] and pairs(argv, "-cdrom") == ["/i/cd.iso"]
    assert pairs(argv, "-fda") == ["/i/fd.img"] and not list(diags)
    argv, diags = compile_(domain(devices=devs(disks=(disk("vda", DiskBus.VIRTIO),))), "0.9")
    assert argv is None and codes(diags) == ["QEMU301"]


def test_xen_disk_driver_is_reported_and_opened_raw():
    d = disk("hda", DiskBus.IDE, driver_name="tap", driver_type="aio")
    argv, diags = compile_(domain(devices=devs(disks=(d,))))
    assert "format=raw" in pairs(argv, "-drive")[0] and codes(diags) == ["QEMU306"]

# ---------------------------------------------------------------------------- network


def test_all_seven_interface_types_7_2():
    argv, diags = compile_(domain(devices=devs(interfaces=tuple(SEVEN.values()))))
    assert pairs(argv, "-netdev") == [
        "user,id=net0", "bridge,id=net1,br=virbr0", "bridge,id=net2,br=br0",
        "tap,id=net3,ifname=vnet7,script=/etc/qemu-ifup-mynet,downscript=no",
        "socket,id=net4,mcast=230.0.0.1:5558", "socket,id=net5,listen=192.168.0.1:5558",
        "socket,id=net6,connect=192.168.0.1:5558"]
    assert pairs(argv, "-device")[0] == "rtl8139,netdev=net0,mac=52:54:00:00:00:01"
    assert [d.split(",")[1] for d in pairs(argv, "-device")] == [
        f"netdev=net{i}" for i in range(7)]
    assert list(diags) == []


def test_ethernet_defaults_to_qemu_ifup_and_model_is_mapped():
    iface = ir_interface(NetType.ETHERNET, model="virtio")
    argv, _ = compile_(domain(devices=devs(interfaces=(iface,))))
    assert pairs(argv, "-netdev") == ["tap,id=net0,script=/etc/qemu-ifup,downscript=no"]
    assert pairs(argv, "-device") == ["virtio-net-pci,netdev=net0"]


def test_legacy_dialect_gives_each_nic_its_own_vlan():
    ifaces = (SEVEN[NetType.USER], SEVEN[NetType.MCAST])
    argv, _ = compile_(domain(devices=devs(interfaces=ifaces)), "0.9")
    assert pairs(argv, "-net") == [
        "nic,vlan=0,macaddr=52:54:00:00:00:01,model=rtl8139", "user,vlan=0",
        "nic,vlan=1,model=rtl8139", "socket,vlan=1,mcast=230.0.0.1:5558"]
    argv, diags = compile_(domain(devices=devs(interfaces=(SEVEN[NetType.BRIDGE],))), "0.9")
    assert argv is None and codes(diags) == ["QEMU301"]


def test_unknown_network_points_to_network_option():
    iface = ir_interface(NetType.NETWORK, network="defualt")
    argv, diags = compile_(domain(devices=devs(interfaces=(iface,))))
    assert argv is None and codes(diags) == ["QEMU303"]
    d = list(diags)[0]
    assert "defualt" in d.message and "--network" in d.hint and "'default'" in d.hint
    argv, _ = compile_(domain(devices=devs(interfaces=(iface,))),
                       networks=[Network("defualt", "br7")])
    assert pairs(argv, "-netdev") == ["bridge,id=net0,br=br7"]


def test_interface_settings_qemu_cannot_use_are_reported():
    iface = ir_interface(NetType.BRIDGE, bridge="xenbr0", script="vif-bridge", ip="10.0.0.2",
                      target_dev="vnet7")
    argv, diags = compile_(domain(devices=devs(interfaces=(iface,))))
    assert argv is not None and codes(diags) == ["QEMU306"] * 3

# ---------------------------------------------------------------------------- graphics/input


def test_vnc_port_listen_keymap_password():
    g = Graphics(GraphicsType.VNC, port=5904, listen="0.0.0.0", keymap="fr", passwd="x")
    argv, diags = compile_(domain(devices=devs(graphics=(g,))))
    assert pairs(argv, "-vnc") == ["0.0.0.0:4,password-secret=vnc0-secret0"]
    assert pairs(argv, "-k") == ["fr"] and codes(diags) == ["QEMU441"]
    argv, diags = compile_(domain(devices=devs(graphics=(g,))), "5.0")
    assert pairs(argv, "-vnc") == ["0.0.0.0:4,password=on"] and codes(diags) == ["QEMU308"]
    argv, _ = compile_(domain(devices=devs(graphics=(g,))), "0.9")
    assert pairs(argv, "-vnc") == ["0.0.0.0:4,password"]
    g6 = Graphics(GraphicsType.VNC, port=5901, listen="::1")
    assert pairs(compile_(domain(devices=devs(graphics=(g6,))))[0], "-vnc") == ["[::1]:1"]
    low = Graphics(GraphicsType.VNC, port=80)
    assert codes(compile_(domain(devices=devs(graphics=(low,))))[1]) == ["QEMU313"]


def test_vnc_autoport_without_to_is_noted():
    g = Graphics(GraphicsType.VNC, port=-1, autoport=True)
    argv, diags = compile_(domain(devices=devs(graphics=(g,))), "0.12")
    assert pairs(argv, "-vnc") == ["127.0.0.1:0"] and codes(diags) == ["QEMU314"]


def test_sdl_and_no_graphics_per_dialect():
    sdl = domain(devices=devs(graphics=(Graphics(GraphicsType.SDL),)))
    assert pairs(compile_(sdl)[0], "-display") == ["sdl"]
    assert "-sdl" in compile_(sdl, "0.9")[0]
    assert pairs(compile_(domain())[0], "-display") == ["none"]
    serial = chardev(CharKind.SERIAL, CharType.PTY)
    argv, _ = compile_(domain(devices=devs(serials=(serial,))), "0.9")
    assert argv.index("-nographic") < argv.index("-serial")


def test_inputs():
    tablet = Input(InputType.TABLET, InputBus.USB)
    argv, _ = compile_(domain(devices=devs(inputs=(tablet, Input(InputType.MOUSE, InputBus.PS2)))))
    assert "-usb" in argv and pairs(argv, "-device") == ["usb-tablet"]
    argv, _ = compile_(domain(devices=devs(inputs=(tablet,))), "0.9")
    assert pairs(argv, "-usbdevice") == ["tablet"] and argv.index("-usb") < argv.index(
        "-usbdevice")
    bad = Input(InputType.TABLET, InputBus.PS2)
    assert codes(compile_(domain(devices=devs(inputs=(bad,))))[1]) == ["QEMU306"]

# ---------------------------------------------------------------------------- char devices

CHARS = [
    (chardev(CharKind.SERIAL, CharType.PTY), "pty,id=charserial0", "pty"),
    (chardev(CharKind.SERIAL, CharType.NULL), "null,id=charserial0", "null"),
    (chardev(CharKind.SERIAL, CharType.VC), "vc,id=charserial0", "vc"),
    (chardev(CharKind.SERIAL, CharType.STDIO), "stdio,id=charserial0", "stdio"),
    (chardev(CharKind.SERIAL, CharType.FILE, path="/l/a,b.log"),
     "file,id=charserial0,path=/l/a,,b.log", "file:/l/a,b.log"),
    (chardev(CharKind.SERIAL, CharType.PIPE, path="/p/x"), "pipe,id=charserial0,path=/p/x",
     "pipe:/p/x"),
    (chardev(CharKind.SERIAL, CharType.DEV, path="/dev/ttyS0"),
     "serial,id=charserial0,path=/dev/ttyS0", "/dev/ttyS0"),
    (chardev(CharKind.SERIAL, CharType.TCP, host="127.0.0.1", service="4555",
                mode=CharMode.BIND, protocol=CharProtocol.TELNET),
     "socket,id=charserial0,host=127.0.0.1,port=4555,server=on,wait=off,telnet=on",
     "telnet:127.0.0.1:4555,server,nowait"),
    (chardev(CharKind.SERIAL, CharType.TCP, host="10.0.0.1", service="4555"),
     "socket,id=charserial0,host=10.0.0.1,port=4555", "tcp:10.0.0.1:4555"),
    (chardev(CharKind.SERIAL, CharType.UDP, host="10.0.0.1", service="4555",
                bind_host="0.0.0.0", bind_service="4556"),
     "udp,id=charserial0,host=10.0.0.1,port=4555,localaddr=0.0.0.0,localport=4556",
     "udp:10.0.0.1:4555@0.0.0.0:4556"),
    (chardev(CharKind.SERIAL, CharType.UNIX, path="/s/q.sock", mode=CharMode.BIND),
     "socket,id=charserial0,path=/s/q.sock,server=on,wait=off", "unix:/s/q.sock,server,nowait"),
]


@pytest.mark.parametrize("dev,modern,legacy", CHARS, ids=[c[0].type.value for c in CHARS])
def test_serial_char_devices(dev, modern, legacy):
    argv, _ = compile_(domain(devices=devs(serials=(dev,))))
    assert pairs(argv, "-chardev") == [modern]
    assert pairs(argv, "-serial") == ["chardev:charserial0"]
    argv, _ = compile_(domain(devices=devs(serials=(dev,))), "0.9")
    assert pairs(argv, "-serial") == [legacy]


SPICE = Graphics(GraphicsType.SPICE, port=5900, autoport=False)
SPICE_CHARS = [
    (chardev(CharKind.SERIAL, CharType.SPICEVMC), "spicevmc,id=charserial0,name=vdagent"),
    (replace_node(chardev(CharKind.SERIAL, CharType.SPICEPORT),
                  sources=(CharSource(channel="org.qemu.console.serial.0"),)),
     "spiceport,id=charserial0,name=org.qemu.console.serial.0"),
    (chardev(CharKind.SERIAL, CharType.QEMU_VDAGENT), "qemu-vdagent,id=charserial0,name=vdagent"),
]


@pytest.mark.parametrize("dev,modern", SPICE_CHARS, ids=[c[0].type.value for c in SPICE_CHARS])
def test_serial_spice_char_devices(dev, modern):
    """SPICE's and QEMU's agent back ends: -chardev only (QEMU 0.9 had none of them)."""
    argv, diags = compile_(domain(devices=devs(serials=(dev,), graphics=(SPICE,))))
    assert pairs(argv, "-chardev") == [modern]
    assert pairs(argv, "-serial") == ["chardev:charserial0"]
    argv, diags = compile_(domain(devices=devs(serials=(dev,), graphics=(SPICE,))), "0.9")
    assert argv is None and "QEMU301" in codes(diags)


def test_a_spiceport_needs_a_spice_display():
    dev = replace_node(chardev(CharKind.SERIAL, CharType.SPICEPORT),
                       sources=(CharSource(channel="org.qemu.console.serial.0"),))
    argv, diags = compile_(domain(devices=devs(serials=(dev,))))
    assert argv is None and codes(diags) == ["QEMU405"]


def test_all_char_types_are_covered_by_the_cases():
    assert {c[0].type for c in CHARS + SPICE_CHARS} == set(CharType)


def test_parallel_and_console():
    par = chardev(CharKind.PARALLEL, CharType.DEV, path="/dev/parport0")
    argv, _ = compile_(domain(devices=devs(parallels=(par,))))
    assert pairs(argv, "-chardev") == ["parallel,id=charparallel0,path=/dev/parport0"]
    assert pairs(argv, "-parallel") == ["chardev:charparallel0"]
    console = chardev(CharKind.CONSOLE, CharType.PTY, path="/dev/pts/5")
    argv, diags = compile_(domain(devices=devs(consoles=(console,))))
    # libvirt makes a lone console serial port 0, with that port's chardev id
    assert pairs(argv, "-serial") == ["chardev:charserial0"] and codes(diags) == ["QEMU307"]
    serial = chardev(CharKind.SERIAL, CharType.PTY)
    argv, diags = compile_(domain(devices=devs(serials=(serial,), consoles=(
        chardev(CharKind.CONSOLE, CharType.PTY),))))
    assert len(pairs(argv, "-serial")) == 1 and not list(diags)


def test_legacy_unix_path_with_comma_cannot_be_carried():
    dev = chardev(CharKind.SERIAL, CharType.UNIX, path="/s/a,b")
    argv, diags = compile_(domain(devices=devs(serials=(dev,))), "0.9")
    assert argv is None and codes(diags) == ["QEMU302"]



@pytest.mark.parametrize("fmt,qemu_format", [("vhd", "vhdx"), ("ploop", "parallels"),
                                              ("vpc", "vpc"), ("qcow2", "qcow2")])
def test_libvirt_storage_formats_use_qemus_driver_names(fmt, qemu_format):
    """libvirt opens type='vhd' with QEMU's vhdx driver and 'ploop' with parallels."""
    d = replace_node(disk("vda", DiskBus.VIRTIO), driver=DiskDriver("qemu", fmt))
    argv, diags = compile_(domain(devices=devs(disks=(d,))))
    assert list(diags) == [] and f"format={qemu_format}," in pairs(argv, "-drive")[0]


@pytest.mark.parametrize("fmt", ["cow", "iso", "dir"])
def test_formats_qemu_cannot_open_are_refused(fmt):
    d = replace_node(disk("vda", DiskBus.VIRTIO), driver=DiskDriver("qemu", fmt))
    argv, diags = compile_(domain(devices=devs(disks=(d,))))
    assert argv is None and codes(diags) == ["QEMU323"]


@harness.needs_qemu
def test_a_vhd_image_starts_in_real_qemu(tmp_path):
    image = tmp_path / "disk.vhdx"
    subprocess.run(["qemu-img", "create", "-q", "-f", "vhdx", str(image), "16M"], check=True)
    d = replace_node(disk("vda", DiskBus.VIRTIO, str(image)),
                          driver=DiskDriver("qemu", "vhd"))
    argv, diags = compile_(domain(devices=devs(disks=(d,))))
    result = harness.run_paused(argv)
    assert result.started, result.stderr
    assert str(image) in result.block_files().values()
