"""QEMU backend: IR → argv per dialect, diagnostics, and real QEMU 7.2 start-up."""
from __future__ import annotations

import dataclasses
import enum
import importlib.util
import os
import re
import sys
from pathlib import Path

import pytest

from virtc.backends.qemu import (DEFAULT_VERSION, QemuContext, UnknownDialect, compile_domain,
                                 detect_version, get_dialect, known_versions,
                                 nearest_dialect)
from virtc.backends.qemu import boot, chardev, drive, graphics, machine, netdev
from virtc.backends.qemu.dialects import Cap
from virtc.compiler import ir
from virtc.compiler.diagnostics import Diagnostics, Severity
from virtc.compiler.ir import (Boot, BootDev, CharDevice, CharKind, CharMode, CharProtocol,
                               CharType, Clock, ClockOffset, Devices, Disk, DiskBus, DiskDevice,
                               DiskType, Domain, DomainType, Features, Graphics, GraphicsType,
                               Input, InputBus, InputType, Interface, LifecycleAction, NetType,
                               Network, Os, OsType)
from virtc.compiler.networks import network_table
from virtc.compiler.rules import registry

_spec = importlib.util.spec_from_file_location(
    "qemu_harness", Path(__file__).with_name("qemu_harness.py"))
harness = importlib.util.module_from_spec(_spec)
sys.modules["qemu_harness"] = harness
_spec.loader.exec_module(harness)

# ---------------------------------------------------------------------------- helpers


def domain(**kw) -> Domain:
    devices = kw.pop("devices", Devices())
    base = dict(type=DomainType.QEMU, name="t", memory_kib=131072, devices=devices)
    base.update(kw)
    return Domain(**base)


def devs(**kw) -> Devices:
    return Devices(**kw)


def compile_(dom: Domain, version: str = DEFAULT_VERSION, networks=None):
    diags = Diagnostics()
    ctx = QemuContext(diags, get_dialect(version), network_table(networks or ()))
    return compile_domain(dom, ctx), diags


def codes(diags) -> list:
    return [d.code for d in diags]


def pairs(argv, flag):
    """Every value given to `flag`, in order."""
    return [argv[i + 1] for i, w in enumerate(argv[:-1]) if w == flag]


def spec_kvm() -> Domain:
    return Domain(
        DomainType.KVM, "demo2", 131072, 1, uuid="4dea24b3-1d52-d8f3-2516-782e98a23fa0",
        os=Os(OsType.HVM),
        devices=Devices(
            emulator="/home/user/usr/kvm-devel/bin/qemu-system-x86_64",
            disks=(Disk(DiskType.FILE, DiskDevice.DISK, "/home/user/fedora/diskboot.img",
                        "hda", DiskBus.IDE),),
            interfaces=(Interface(NetType.USER, mac="24:42:53:21:52:45"),),
            graphics=(Graphics(GraphicsType.VNC, port=-1, autoport=True),)))


def spec_qemu() -> Domain:
    return Domain(
        DomainType.QEMU, "QEmu-fedora-i686", 219200, 2,
        uuid="c7a5fdbd-cdaf-9455-926a-d65c16db1809", current_memory_kib=219200,
        os=Os(OsType.HVM, arch="i686", machine="pc", boot=(Boot(BootDev.CDROM),)),
        devices=Devices(
            emulator="/usr/bin/qemu",
            disks=(Disk(DiskType.FILE, DiskDevice.CDROM, "/home/user/boot.iso", "hdc",
                        DiskBus.IDE, readonly=True),
                   Disk(DiskType.FILE, DiskDevice.DISK, "/home/user/fedora.img", "hda",
                        DiskBus.IDE)),
            interfaces=(Interface(NetType.NETWORK, network="default"),),
            graphics=(Graphics(GraphicsType.VNC, port=-1, autoport=True),)))


SEVEN = {
    NetType.USER: Interface(NetType.USER, mac="52:54:00:00:00:01"),
    NetType.NETWORK: Interface(NetType.NETWORK, network="default"),
    NetType.BRIDGE: Interface(NetType.BRIDGE, bridge="br0"),
    NetType.ETHERNET: Interface(NetType.ETHERNET, target_dev="vnet7",
                                script="/etc/qemu-ifup-mynet"),
    NetType.MCAST: Interface(NetType.MCAST, address="230.0.0.1", port=5558),
    NetType.SERVER: Interface(NetType.SERVER, address="192.168.0.1", port=5558),
    NetType.CLIENT: Interface(NetType.CLIENT, address="192.168.0.1", port=5558),
}

# ---------------------------------------------------------------------------- tables


TABLES = [
    (DomainType, machine.ACCEL), (ClockOffset, machine.CLOCK_BASE),
    (BootDev, boot.BOOT_LETTER), (LifecycleAction, boot.ON_POWEROFF),
    (LifecycleAction, boot.ON_REBOOT), (LifecycleAction, boot.ON_CRASH),
    (DiskBus, drive.DRIVE_IF), (DiskBus, drive.BUS_SLOTS), (DiskDevice, drive.MEDIA),
    (DiskDevice, drive.SCSI_DEVICE), (DiskType, drive.BARE_SOURCE_DIR), (NetType, netdev.NETDEV_TYPE),
    (InputType, graphics.USB_INPUT_DEVICE), (InputType, graphics.USBDEVICE_NAME),
    (CharType, chardev.CHARDEV_BACKEND), (CharKind, chardev.DEV_BACKEND),
    (CharKind, chardev.KIND_SWITCH),
]


@pytest.mark.parametrize("enum_type,table", TABLES,
                         ids=[f"{e.__name__}-{i}" for i, (e, _) in enumerate(TABLES)])
def test_every_enum_member_has_a_table_entry(enum_type, table):
    assert set(table) == set(enum_type)


def test_every_enum_in_the_ir_is_mapped_by_some_table():
    ir_enums = {v for v in vars(ir).values()
                if isinstance(v, type) and issubclass(v, enum.Enum)}
    # OsType, CharMode, CharProtocol, GraphicsType, InputBus are dispatched by `match`
    # or a single comparison; the rest must have a table.
    dispatched = {OsType, CharMode, CharProtocol, GraphicsType, InputBus}
    assert ir_enums - dispatched <= {e for e, _ in TABLES}


def test_every_capability_is_in_some_dialect_and_missing_from_another():
    for cap in Cap:
        having = [v for v in known_versions() if get_dialect(v).has(cap)]
        assert having, cap
        assert len(having) < len(known_versions()), f"{cap} is in every dialect: not a flag"


def test_every_qemu_code_is_registered_with_a_full_doc():
    rules = {c: r for c, r in registry().items() if c.startswith("QEMU")}
    assert len(rules) >= 14
    for rule in rules.values():
        assert all([rule.summary, rule.why, rule.example, rule.fix]), rule.code
    source = "".join(p.read_text() for p in
                     Path(machine.__file__).parent.glob("*.py"))
    used = set(re.findall(r'"(QEMU3\d\d)"', source))
    assert used <= set(rules)
    assert set(rules) <= used, "registered but never emitted"

# ---------------------------------------------------------------------------- dialects


def test_dialect_lookup_accepts_micro_versions_and_suggests_on_typos():
    assert get_dialect("7.2.22") is get_dialect("7.2")
    for typo in ("7.x", "7.3"):
        with pytest.raises(UnknownDialect) as err:
            get_dialect(typo)
        assert "7.2" in err.value.suggestions and "did you mean" in str(err.value)


def test_detected_versions_get_the_nearest_older_dialect():
    assert nearest_dialect("8.2.1") is get_dialect("8.0")
    assert nearest_dialect("7.0.0").version == "6.0"
    assert nearest_dialect("10.1.2").version == "10.0"
    for bad in ("42.0", "0.8", "x"):
        with pytest.raises(UnknownDialect):
            nearest_dialect(bad)


def test_dialects_inherit_and_date_removals():
    assert get_dialect("2.12").has(Cap.NET_VLAN) and not get_dialect("3.0").has(Cap.NET_VLAN)
    assert get_dialect("3.0").has(Cap.LOCALTIME) and not get_dialect("3.1").has(Cap.LOCALTIME)
    assert nearest_dialect("7.0").has(Cap.SDL) and not get_dialect("7.1").has(Cap.SDL)
    assert get_dialect("8.0").has(Cap.NO_ACPI) and not get_dialect("9.0").has(Cap.NO_ACPI)
    assert get_dialect("0.9").has(Cap.KQEMU) and not get_dialect("0.12").has(Cap.KQEMU)


@pytest.mark.skipif(harness.qemu_path() is None, reason="qemu-system-x86_64 not installed")
def test_detect_version_runs_the_emulator_and_caches(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    version = detect_version(harness.qemu_path())
    assert re.fullmatch(r"\d+\.\d+(\.\d+)?", version)
    cache = tmp_path / "virtc" / "qemu-versions.json"
    assert version in cache.read_text()
    assert detect_version(harness.qemu_path()) == version
    assert detect_version(str(tmp_path / "no-such-qemu")) is None

# ---------------------------------------------------------------------------- spec domains


def test_spec_kvm_domain_7_2():
    argv, diags = compile_(spec_kvm())
    assert argv == [
        "/home/user/usr/kvm-devel/bin/qemu-system-x86_64",
        "-name", "guest=demo2", "-nodefaults", "-uuid", "4dea24b3-1d52-d8f3-2516-782e98a23fa0",
        "-machine", "pc,accel=kvm,acpi=off", "-m", "131072K", "-smp", "1",
        "-vga", "std", "-vnc", "127.0.0.1:0,to=99",
        "-drive", "file=/home/user/fedora/diskboot.img,format=raw,if=ide,index=0",
        "-netdev", "user,id=net0", "-device", "rtl8139,netdev=net0,mac=24:42:53:21:52:45"]
    assert list(diags) == []


def test_spec_qemu_domain_7_2():
    argv, diags = compile_(spec_qemu())
    assert argv[0] == "/usr/bin/qemu"
    assert pairs(argv, "-m") == ["219200K"]
    assert pairs(argv, "-machine") == ["pc,accel=tcg,acpi=off"]
    assert pairs(argv, "-boot") == ["order=d"]
    assert pairs(argv, "-drive") == [
        "file=/home/user/boot.iso,format=raw,if=ide,index=2,media=cdrom,readonly=on",
        "file=/home/user/fedora.img,format=raw,if=ide,index=0"]
    assert pairs(argv, "-netdev") == ["bridge,id=net0,br=virbr0"]
    assert list(diags) == []


def test_memory_rounds_up_to_whole_mib_without_k_suffix():
    argv, _ = compile_(dataclasses.replace(spec_qemu(), devices=Devices()), "0.12")
    assert pairs(argv, "-m") == ["215"]          # 219200 KiB = 214.06 MiB, never less
    argv, _ = compile_(domain(memory_kib=131072), "0.9")
    assert pairs(argv, "-m") == ["128"]


def test_emulator_defaults_from_arch_and_override_wins():
    assert compile_(domain(os=Os(OsType.HVM, arch="i586")))[0][0] == "qemu-system-i386"
    assert compile_(domain())[0][0] == "qemu-system-x86_64"
    diags = Diagnostics()
    ctx = QemuContext(diags, get_dialect("7.2"), network_table(), emulator="/opt/q")
    assert compile_domain(spec_kvm(), ctx)[0] == "/opt/q"


def test_old_dialect_spells_name_raw_and_machine_with_dash_m():
    argv, _ = compile_(domain(name="a,b", os=Os(OsType.HVM, machine="isapc")), "0.12")
    assert pairs(argv, "-name") == ["a,b"] and pairs(argv, "-M") == ["isapc"]
    argv, _ = compile_(domain(name="a,b"), "7.2")
    assert pairs(argv, "-name") == ["guest=a,,b"]

# ---------------------------------------------------------------------------- machine


@pytest.mark.parametrize("version,expect", [
    ("7.2", ("-machine", "pc,accel=tcg,acpi=off")), ("2.12", ("-no-acpi", None)),
    ("0.9", ("-no-acpi", None))])
def test_acpi_is_off_unless_requested(version, expect):
    argv, _ = compile_(domain(), version)
    flag, value = expect
    assert flag in argv and (value is None or value in argv)
    argv, _ = compile_(domain(features=Features(acpi=True)), version)
    assert "-no-acpi" not in argv and not any("acpi=off" in w for w in argv)


def test_kvm_accel_per_dialect():
    assert "-enable-kvm" in compile_(domain(type=DomainType.KVM), "0.12")[0]
    assert "pc,accel=kvm,acpi=off" in compile_(domain(type=DomainType.KVM), "7.2")[0]


def test_kqemu_old_and_new():
    argv, diags = compile_(domain(type=DomainType.KQEMU), "0.9")
    assert "-kernel-kqemu" in argv and not list(diags)
    assert "-no-kqemu" in compile_(domain(), "0.9")[0]
    argv, diags = compile_(domain(type=DomainType.KQEMU), "7.2")
    assert "pc,accel=tcg,acpi=off" in argv and codes(diags) == ["QEMU304"]


def test_xen_domain_and_pv_os_are_reported():
    argv, diags = compile_(domain(type=DomainType.XEN))
    assert argv is None and "QEMU309" in codes(diags)
    pv = domain(os=Os(OsType.LINUX, kernel="/k", loader="/usr/lib/xen/boot/hvmloader"),
                bootloader="/usr/bin/pygrub", id=18)
    argv, diags = compile_(pv)
    assert argv is not None
    assert sorted(codes(diags)) == ["QEMU306", "QEMU306", "QEMU307", "QEMU311"]


def test_localtime_clock_per_dialect():
    dom = domain(clock=Clock(ClockOffset.LOCALTIME))
    assert pairs(compile_(dom, "7.2")[0], "-rtc") == ["base=localtime"]
    assert pairs(compile_(dom, "3.0")[0], "-rtc") == ["base=localtime"]  # preferred when both
    assert "-localtime" in compile_(dom, "0.9")[0]


def test_boot_order_and_direct_kernel_boot():
    boots = (Boot(BootDev.NETWORK), Boot(BootDev.HD), Boot(BootDev.CDROM), Boot(BootDev.FD))
    assert pairs(compile_(domain(os=Os(OsType.HVM, boot=boots)))[0], "-boot") == ["order=ncda"]
    argv, diags = compile_(domain(os=Os(OsType.HVM, boot=boots)), "0.9")
    assert pairs(argv, "-boot") == ["n"] and codes(diags) == ["QEMU301"]
    k = Os(OsType.HVM, kernel="/boot/vm,linuz", initrd="/boot/initrd.img", root="/dev/sda1",
           cmdline=" ro selinux=0 3")
    argv, _ = compile_(domain(os=k))
    assert pairs(argv, "-kernel") == ["/boot/vm,linuz"]          # raw: no comma doubling
    assert pairs(argv, "-initrd") == ["/boot/initrd.img"]
    assert pairs(argv, "-append") == ["root=/dev/sda1 ro selinux=0 3"]
    argv, diags = compile_(domain(os=Os(OsType.HVM, cmdline="quiet")))
    assert "-append" not in argv and codes(diags) == ["QEMU306"]


@pytest.mark.parametrize("event,action,version,expect,code", [
    ("on_reboot", LifecycleAction.DESTROY, "7.2", ["-no-reboot"], None),
    ("on_poweroff", LifecycleAction.PRESERVE, "7.2", ["-no-shutdown"], None),
    ("on_crash", LifecycleAction.PRESERVE, "7.2", ["-action", "panic=pause"], None),
    ("on_crash", LifecycleAction.DESTROY, "7.2", ["-action", "panic=shutdown"], None),
    ("on_crash", LifecycleAction.DESTROY, "2.12", [], "QEMU305"),
    ("on_poweroff", LifecycleAction.RESTART, "7.2", [], "QEMU305"),
    ("on_reboot", LifecycleAction.RENAME_RESTART, "7.2", [], "QEMU305"),
])
def test_lifecycle(event, action, version, expect, code):
    argv, diags = compile_(domain(**{event: action}), version)
    tail = argv[argv.index("-smp") + 2:]
    assert tail[:len(expect)] == expect
    assert codes(diags) == ([code] if code else [])

# ---------------------------------------------------------------------------- disks


def disk(dev, bus, path="/img/a.img", **kw):
    return Disk(kw.pop("type", DiskType.FILE), kw.pop("device", DiskDevice.DISK), path, dev,
                bus, **kw)


def test_comma_in_drive_path_is_doubled_and_newline_refused():
    argv, _ = compile_(domain(devices=devs(disks=(disk("hda", DiskBus.IDE, "/i/a,b.img"),))))
    assert pairs(argv, "-drive") == ["file=/i/a,,b.img,format=raw,if=ide,index=0"]
    argv, diags = compile_(domain(devices=devs(disks=(disk("hda", DiskBus.IDE, "/i/a\nb"),))))
    assert argv is None and codes(diags) == ["QEMU302"]


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
    iface = Interface(NetType.ETHERNET, model="virtio")
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
    iface = Interface(NetType.NETWORK, network="defualt")
    argv, diags = compile_(domain(devices=devs(interfaces=(iface,))))
    assert argv is None and codes(diags) == ["QEMU303"]
    d = list(diags)[0]
    assert "defualt" in d.message and "--network" in d.hint and "'default'" in d.hint
    argv, _ = compile_(domain(devices=devs(interfaces=(iface,))),
                       networks=[Network("defualt", "br7")])
    assert pairs(argv, "-netdev") == ["bridge,id=net0,br=br7"]


def test_interface_settings_qemu_cannot_use_are_reported():
    iface = Interface(NetType.BRIDGE, bridge="xenbr0", script="vif-bridge", ip="10.0.0.2",
                      target_dev="vnet7")
    argv, diags = compile_(domain(devices=devs(interfaces=(iface,))))
    assert argv is not None and codes(diags) == ["QEMU306"] * 3
    bad = Interface(NetType.MCAST, port=5558)
    assert codes(compile_(domain(devices=devs(interfaces=(bad,))))[1]) == ["QEMU312"]

# ---------------------------------------------------------------------------- graphics/input


def test_vnc_port_listen_keymap_password():
    g = Graphics(GraphicsType.VNC, port=5904, listen="0.0.0.0", keymap="fr", passwd="x")
    argv, diags = compile_(domain(devices=devs(graphics=(g,))))
    assert pairs(argv, "-vnc") == ["0.0.0.0:4,password=on"] and pairs(argv, "-k") == ["fr"]
    assert codes(diags) == ["QEMU308"]
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
    serial = CharDevice(CharKind.SERIAL, CharType.PTY)
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
    (CharDevice(CharKind.SERIAL, CharType.PTY), "pty,id=charserial0", "pty"),
    (CharDevice(CharKind.SERIAL, CharType.NULL), "null,id=charserial0", "null"),
    (CharDevice(CharKind.SERIAL, CharType.VC), "vc,id=charserial0", "vc"),
    (CharDevice(CharKind.SERIAL, CharType.STDIO), "stdio,id=charserial0", "stdio"),
    (CharDevice(CharKind.SERIAL, CharType.FILE, path="/l/a,b.log"),
     "file,id=charserial0,path=/l/a,,b.log", "file:/l/a,b.log"),
    (CharDevice(CharKind.SERIAL, CharType.PIPE, path="/p/x"), "pipe,id=charserial0,path=/p/x",
     "pipe:/p/x"),
    (CharDevice(CharKind.SERIAL, CharType.DEV, path="/dev/ttyS0"),
     "serial,id=charserial0,path=/dev/ttyS0", "/dev/ttyS0"),
    (CharDevice(CharKind.SERIAL, CharType.TCP, host="127.0.0.1", service="4555",
                mode=CharMode.BIND, protocol=CharProtocol.TELNET),
     "socket,id=charserial0,host=127.0.0.1,port=4555,server=on,wait=off,telnet=on",
     "telnet:127.0.0.1:4555,server,nowait"),
    (CharDevice(CharKind.SERIAL, CharType.TCP, host="10.0.0.1", service="4555"),
     "socket,id=charserial0,host=10.0.0.1,port=4555", "tcp:10.0.0.1:4555"),
    (CharDevice(CharKind.SERIAL, CharType.UDP, host="10.0.0.1", service="4555",
                bind_host="0.0.0.0", bind_service="4556"),
     "udp,id=charserial0,host=10.0.0.1,port=4555,localaddr=0.0.0.0,localport=4556",
     "udp:10.0.0.1:4555@0.0.0.0:4556"),
    (CharDevice(CharKind.SERIAL, CharType.UNIX, path="/s/q.sock", mode=CharMode.BIND),
     "socket,id=charserial0,path=/s/q.sock,server=on,wait=off", "unix:/s/q.sock,server,nowait"),
]


@pytest.mark.parametrize("dev,modern,legacy", CHARS, ids=[c[0].type.value for c in CHARS])
def test_serial_char_devices(dev, modern, legacy):
    argv, _ = compile_(domain(devices=devs(serials=(dev,))))
    assert pairs(argv, "-chardev") == [modern]
    assert pairs(argv, "-serial") == ["chardev:charserial0"]
    argv, _ = compile_(domain(devices=devs(serials=(dev,))), "0.9")
    assert pairs(argv, "-serial") == [legacy]


def test_all_char_types_are_covered_by_the_cases():
    assert {c[0].type for c in CHARS} == set(CharType)


def test_parallel_and_console():
    par = CharDevice(CharKind.PARALLEL, CharType.DEV, path="/dev/parport0")
    argv, _ = compile_(domain(devices=devs(parallels=(par,))))
    assert pairs(argv, "-chardev") == ["parallel,id=charparallel0,path=/dev/parport0"]
    assert pairs(argv, "-parallel") == ["chardev:charparallel0"]
    console = CharDevice(CharKind.CONSOLE, CharType.PTY, path="/dev/pts/5")
    argv, diags = compile_(domain(devices=devs(consoles=(console,))))
    assert pairs(argv, "-serial") == ["chardev:charconsole0"] and codes(diags) == ["QEMU307"]
    serial = CharDevice(CharKind.SERIAL, CharType.PTY)
    argv, diags = compile_(domain(devices=devs(serials=(serial,), consoles=(
        CharDevice(CharKind.CONSOLE, CharType.PTY),))))
    assert len(pairs(argv, "-serial")) == 1 and not list(diags)


def test_legacy_unix_path_with_comma_cannot_be_carried():
    dev = CharDevice(CharKind.SERIAL, CharType.UNIX, path="/s/a,b")
    argv, diags = compile_(domain(devices=devs(serials=(dev,))), "0.9")
    assert argv is None and codes(diags) == ["QEMU302"]

# ---------------------------------------------------------------------------- real QEMU

needs_qemu = pytest.mark.skipif(harness.qemu_path() is None,
                                reason="qemu-system-x86_64 is not installed")


def _with_files(dom: Domain, tmp_path: Path) -> Domain:
    """Golden paths such as /home/user/boot.iso → empty temp images of the same name."""
    disks = []
    for d in dom.devices.disks:
        image = tmp_path / Path(d.source).name
        image.write_bytes(b"\0" * 1024 * 1024)
        disks.append(dataclasses.replace(d, source=str(image)))
    return dataclasses.replace(dom, devices=dataclasses.replace(dom.devices, disks=tuple(disks)))


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
@pytest.mark.parametrize("net_type", list(NetType), ids=[t.value for t in NetType])
def test_real_qemu_starts_each_interface_type(net_type, tmp_path):
    iface = SEVEN[net_type]
    if net_type is NetType.ETHERNET:
        script = tmp_path / "ifup"
        script.write_text('#!/bin/sh\nip link set "$1" up\n')
        script.chmod(0o755)
        iface = dataclasses.replace(iface, script=str(script))
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
    serials = (CharDevice(CharKind.SERIAL, CharType.UNIX, path=str(tmp_path / "s,1.sock"),
                          mode=CharMode.BIND),
               CharDevice(CharKind.SERIAL, CharType.TCP, host="127.0.0.1", service="4555",
                          mode=CharMode.BIND, protocol=CharProtocol.TELNET),
               CharDevice(CharKind.SERIAL, CharType.FILE, path=str(tmp_path / "log,1")))
    dom = domain(
        type=DomainType.KVM, vcpus=2, uuid="c7a5fdbd-cdaf-9455-926a-d65c16db1809",
        clock=Clock(ClockOffset.LOCALTIME), on_reboot=LifecycleAction.DESTROY,
        on_poweroff=LifecycleAction.PRESERVE, on_crash=LifecycleAction.PRESERVE,
        os=Os(OsType.HVM, boot=(Boot(BootDev.CDROM), Boot(BootDev.HD))),
        devices=devs(serials=serials, parallels=(CharDevice(CharKind.PARALLEL, CharType.NULL),),
                     inputs=(Input(InputType.TABLET, InputBus.USB),),
                     graphics=(Graphics(GraphicsType.VNC, port=5907, passwd="x",
                                        keymap="en-us"),)))
    _start(dom)
    assert (tmp_path / "s,1.sock").exists() is False   # QEMU quit and removed it
    assert (tmp_path / "log,1").exists()
