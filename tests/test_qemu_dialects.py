"""QEMU backend: dialect tables and lookup, and the machine-wide options per dialect."""
from __future__ import annotations

import ast
import enum
import re
from pathlib import Path

import pytest

import qemu_harness as harness
from qemu_domains import codes, compile_, domain, pairs, spec_kvm, spec_qemu
from virtc.compiler.node import Choice
from virtc.backends.qemu import (QemuContext, UnknownDialect, compile_domain, detect_version,
                                 get_dialect, known_versions, nearest_dialect)
from virtc.backends.qemu import boot, machine
from virtc.backends.qemu.platform import clock
from virtc.backends.qemu.dialects import SPELLING_SUFFIX
from virtc.compiler.platform.clock import TickPolicy, TimerTrack
from virtc.backends.qemu.devices import input as qemu_input
from virtc.backends.qemu.devices import chardev
from virtc.backends.qemu.devices import graphics_spice as spice
from virtc.compiler.guest_os import Loader
from virtc.compiler.devices import chardev as chardev_family
from virtc.compiler.devices import graphics as graphics_family
from virtc.compiler.devices.graphics import GraphicsType
from virtc.compiler.devices import input as input_family
from virtc.compiler.devices.input import InputBus, InputType
from virtc.backends.qemu.devices import interface as netdev
from virtc.backends.qemu.devices import disk as drive
from virtc.compiler.devices import disk as disk_family
from virtc.compiler.devices.disk import DiskBus, DiskDevice, DiskType
from virtc.backends.qemu.dialects import Cap
from virtc.compiler import ir
from virtc.compiler.diagnostics import Diagnostics
from virtc.compiler.devices.chardev import CharKind, CharMode, CharProtocol, CharType
from virtc.compiler.ir import (Boot, BootDev, Clock,
                               ClockOffset, Devices, DomainType,
                               Features, LifecycleAction,
                               NetType, Os, OsType)
from virtc.compiler.networks import network_table
from virtc.compiler.rules import registry
from virtc.compiler.node import replace

# ---------------------------------------------------------------------------- tables


TABLES = [
    (DomainType, machine.ACCEL), (ClockOffset, clock.RTC_BASE),
    (TimerTrack, clock.RTC_CLOCK), (TickPolicy, clock.PIT_POLICY),
    (BootDev, boot.BOOT_LETTER), (LifecycleAction, boot.ON_POWEROFF),
    (LifecycleAction, boot.ON_REBOOT), (LifecycleAction, boot.ON_CRASH),
    (DiskBus, drive.DRIVE_IF), (DiskBus, drive.BUS_SLOTS), (DiskDevice, drive.MEDIA),
    (DiskDevice, drive.SCSI_DEVICE), (DiskType, drive.BARE_SOURCE_DIR), (NetType, netdev.NETDEV_TYPE),
    *qemu_input.ENUM_TABLES,
    (CharType, chardev.CHARDEV_BACKEND), (CharKind, chardev.DEV_BACKEND),
    (CharKind, chardev.KIND_SWITCH),
    (graphics_family.SpiceMode, spice.CHANNEL_KEY),
    (graphics_family.SpiceChannelName, spice.CHANNEL_NAME),
    (graphics_family.ImageCompression, spice.IMAGE_COMPRESSION),
    (graphics_family.WanCompression, spice.WAN_COMPRESSION),
    (graphics_family.StreamingMode, spice.STREAMING_VIDEO),
    (graphics_family.MouseMode, spice.AGENT_MOUSE),
]


@pytest.mark.parametrize("enum_type,table", TABLES,
                         ids=[f"{e.__name__}-{i}" for i, (e, _) in enumerate(TABLES)])
def test_every_enum_member_has_a_table_entry(enum_type, table):
    assert set(table) == set(enum_type)


def test_every_enum_in_the_ir_is_mapped_by_some_table():
    ir_enums = {v for module in (ir, disk_family, chardev_family, graphics_family, input_family)
                for v in vars(module).values()
                if isinstance(v, type) and issubclass(v, (enum.Enum, Choice)) and v is not Choice}
    # OsType, CharMode, CharProtocol, GraphicsType, InputBus, ListenType are dispatched by
    # `match` or a single comparison; the rest must have a table.
    dispatched = {OsType, CharMode, CharProtocol, GraphicsType, InputBus,
                  graphics_family.ListenType}
    assert ir_enums - dispatched <= {e for e, _ in TABLES}


def test_every_capability_is_in_some_dialect_and_missing_from_another():
    # the "+libvirt" spellings hold the caps for libvirt's forms of an option (-accel, JSON)
    versions = known_versions() + [v + SPELLING_SUFFIX for v in known_versions()]
    for cap in Cap:
        having = [v for v in versions if get_dialect(v).has(cap)]
        assert having, cap
        assert len(having) < len(versions), f"{cap} is in every dialect: not a flag"


def test_every_qemu_code_is_registered_with_a_full_doc():
    rules = {c: r for c, r in registry().items() if c.startswith("QEMU")}
    assert len(rules) >= 14
    for rule in rules.values():
        assert all([rule.summary, rule.why, rule.example, rule.fix]), rule.code
    active = {c for c, r in rules.items() if not r.retired}
    used = set()
    for path in Path(machine.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            # A code is reported by naming its constant (or, older code, its string).
            name = node.id if isinstance(node, ast.Name) else (
                node.value if isinstance(node, ast.Constant) else None)
            if isinstance(name, str) and re.fullmatch(r"QEMU[34]\d\d", name):
                used.add(name)
    assert used <= active
    assert active <= used, "registered but never emitted"

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


@harness.needs_qemu
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
    argv, _ = compile_(replace(spec_qemu(), devices=Devices()), "0.12")
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
    pv = domain(os=Os(OsType.LINUX, kernel="/k", loader=Loader(path="/usr/lib/xen/boot/hvmloader")),
                bootloader="/usr/bin/pygrub", id=18)
    argv, diags = compile_(pv)
    assert argv is not None
    # libvirt's QEMU driver maps an untyped <loader> to -bios; only the bootloader is Xen's.
    assert argv[argv.index("-bios") + 1] == "/usr/lib/xen/boot/hvmloader"
    assert sorted(codes(diags)) == ["QEMU306", "QEMU311", "QEMU319"]


def test_localtime_clock_per_dialect():
    dom = domain(clock=Clock(ClockOffset.LOCALTIME))
    assert pairs(compile_(dom, "7.2")[0], "-rtc") == ["base=localtime"]
    assert pairs(compile_(dom, "3.0")[0], "-rtc") == ["base=localtime"]  # preferred when both
    assert "-localtime" in compile_(dom, "0.9")[0]


def test_boot_order_and_direct_kernel_boot():
    boots = (Boot(BootDev.NETWORK), Boot(BootDev.HD), Boot(BootDev.CDROM), Boot(BootDev.FD))
    assert pairs(compile_(domain(os=Os(OsType.HVM, boot=boots)))[0], "-boot") == ["order=ncda"]
    argv, diags = compile_(domain(os=Os(OsType.HVM, boot=boots)), "0.9")
    assert pairs(argv, "-boot") == ["n"] and codes(diags) == ["QEMU316"]
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

