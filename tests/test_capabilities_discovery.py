"""Discovery runs the emulators installed here, and fake ones that hang or fail."""
import os
import time

import pytest

from virtc.pipeline import load_bytes
from virtc.cli.capabilities import run_capabilities
from virtc.compiler.capabilities.format import format_capabilities
from virtc.discovery import ProbeConfig, discover
from virtc.discovery.machines import order_machines, parse_machine_help

QEMU = "/usr/bin/qemu-system-x86_64"
# CI sets VIRTC_REQUIRE_QEMU=1: there the real emulator must be probed, never skipped.
needs_qemu = pytest.mark.skipif(not os.access(QEMU, os.X_OK)
                                and os.environ.get("VIRTC_REQUIRE_QEMU") != "1",
                                reason="qemu-system-x86_64 is not installed")


def fake(tmp_path, name, body):
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)
    return str(path)


def no_kvm_no_xen(tmp_path, **kw):
    return ProbeConfig(kvm_device=str(tmp_path / "no-kvm"), xen_proc=str(tmp_path / "no-xen"),
                       **kw)


@needs_qemu
@pytest.mark.qemu
def test_this_host_lists_x86_64_with_qemu_pc_and_its_alias(capsys):
    assert run_capabilities([], None) == 0
    out = capsys.readouterr().out
    loaded = load_bytes(out.encode(), "discovered.xml")
    assert loaded.ok, loaded.diagnostics
    caps = loaded.node
    assert caps.host_arch == "x86_64"
    guest = next(g for g in caps.guests if g.emulator and g.emulator.endswith("/qemu-system-x86_64"))
    assert guest.arch == "x86_64" and guest.wordsize == 64
    assert "qemu" in [d.type for d in guest.domains]
    pc = next(m for m in guest.machines if m.name == "pc")
    assert pc.canonical and pc.canonical.startswith("pc-i440fx-")
    assert guest.machines[0].name == pc.canonical        # the default machine comes first
    assert any(m.name == pc.canonical for m in guest.machines)
    assert pc.max_cpus and pc.max_cpus >= 1               # from QMP query-machines


@needs_qemu
def test_kvm_is_offered_only_when_dev_kvm_opens(tmp_path):
    caps, _ = discover([QEMU], no_kvm_no_xen(tmp_path))
    assert [d.type for d in caps.guests[0].domains] == ["qemu"]
    kvm = tmp_path / "kvm"
    kvm.write_text("")   # a file that opens read-write stands in for a usable /dev/kvm
    caps, _ = discover([QEMU], ProbeConfig(kvm_device=str(kvm), host_arch="x86_64",
                                           xen_proc=str(tmp_path / "no-xen")))
    assert [d.type for d in caps.guests[0].domains] == ["qemu", "kvm"]
    caps, _ = discover([QEMU], ProbeConfig(kvm_device=str(kvm), host_arch="aarch64",
                                           xen_proc=str(tmp_path / "no-xen")))
    assert [d.type for d in caps.guests[0].domains] == ["qemu"]   # arch must match the host


@needs_qemu
def test_output_is_stable(tmp_path):
    config = no_kvm_no_xen(tmp_path)
    first = format_capabilities(discover([QEMU, "/usr/bin/qemu-system-i386"], config)[0])
    second = format_capabilities(discover(["/usr/bin/qemu-system-i386", QEMU], config)[0])
    assert first == second
    assert first.index("<arch name='i686'>") < first.index("<arch name='x86_64'>")


@needs_qemu
def test_emulators_are_found_on_path(tmp_path):
    folder = tmp_path / "bin"
    folder.mkdir()
    os.symlink(QEMU, folder / "qemu-system-x86_64")
    (folder / "qemu-img").write_text("")     # not an emulator
    caps, diags = discover(config=no_kvm_no_xen(tmp_path, path=str(folder)))
    assert diags == []
    assert [g.emulator for g in caps.guests] == [str(folder / "qemu-system-x86_64")]


def test_a_hanging_emulator_times_out_with_a_warning_naming_it(tmp_path):
    # a child keeps the pipes open after the script is killed: the whole group must go
    hang = fake(tmp_path, "qemu-system-x86_64", "sleep 60\nexit 0")
    start = time.monotonic()
    caps, diags = discover([hang], no_kvm_no_xen(tmp_path, timeout=0.5))
    assert time.monotonic() - start < 10
    assert caps.guests == ()
    codes = [d.code for d in diags]
    assert codes[0] == "CAP511" and hang in diags[0].message
    assert "CAP512" in codes      # and nothing else was found


def test_a_failing_emulator_is_a_warning_and_the_rest_still_listed(tmp_path):
    broken = fake(tmp_path, "qemu-system-ppc", "echo 'cannot load libfoo.so' >&2; exit 1")
    good = fake(tmp_path, "qemu-system-riscv64", """
case "$*" in
  *help*) printf 'Supported machines are:\\nvirt                 RISC-V VirtIO board (default)\\nspike                RISC-V Spike board\\n' ;;
  *) exit 1 ;;
esac""")
    caps, diags = discover([broken, good], no_kvm_no_xen(tmp_path))
    first = diags[0]
    assert first.code == "CAP510" and broken in first.message and "libfoo" in first.message
    assert "left out" in first.message
    (guest,) = caps.guests
    assert (guest.arch, guest.wordsize) == ("riscv64", 64)
    assert [m.name for m in guest.machines] == ["virt", "spike"]
    # QMP failed, so the machines carry no maxCpus, and that was said too
    assert all(m.max_cpus is None for m in guest.machines)
    assert any(d.code == "CAP510" and good in d.message and "maxCpus" in d.message for d in diags)


def test_run_capabilities_writes_the_file_and_warns_on_stderr(tmp_path, capsys):
    broken = fake(tmp_path, "qemu-system-x86_64", "exit 1")
    out = tmp_path / "caps.xml"
    assert run_capabilities([broken], str(out), timeout=2) == 0
    assert load_bytes(out.read_bytes(), str(out)).ok
    err = capsys.readouterr().err
    assert "warning: CAP510" in err and broken in err


def test_xen_hosts_offer_pv_and_hvm_guests(tmp_path):
    (tmp_path / "xen").mkdir()
    dm = fake(tmp_path, "qemu-dm", "printf 'Supported machines are:\\npc   Standard PC (default)\\nisapc  ISA-only PC\\n'")
    loader = tmp_path / "hvmloader"
    loader.write_text("")
    config = ProbeConfig(kvm_device=str(tmp_path / "no-kvm"), xen_proc=str(tmp_path / "xen"),
                         xen_qemu_dm=(dm,), xen_loaders=(str(loader),), host_arch="x86_64",
                         path=str(tmp_path / "empty"))
    caps, _ = discover(config=config)
    kinds = [(g.os_type, g.arch) for g in caps.guests]
    assert kinds == [("hvm", "i686"), ("hvm", "x86_64"), ("xen", "x86_64")]
    hvm = caps.guests[0]
    assert hvm.loader == str(loader) and [m.name for m in hvm.machines] == ["pc", "isapc"]
    assert all([d.type for d in g.domains] == ["xen"] for g in caps.guests)
    assert load_bytes(format_capabilities(caps).encode(), "xen.xml").ok


def test_machine_help_aliases_follow_libvirts_layout():
    text = ("Supported machines are:\n"
            "microvm              microvm (i386)\n"
            "pc                   Standard PC (i440FX + PIIX, 1996) (alias of pc-i440fx-7.2)\n"
            "pc-i440fx-7.2        Standard PC (i440FX + PIIX, 1996) (default)\n"
            "pc-i440fx-1.4        Standard PC (i440FX + PIIX, 1996) (deprecated)\n"
            "q35                  Standard PC (Q35 + ICH9, 2009) (alias of pc-q35-7.2)\n"
            "pc-q35-7.2           Standard PC (Q35 + ICH9, 2009)\n")
    machines = order_machines(parse_machine_help(text), {"pc-i440fx-7.2": 255})
    assert [(m.name, m.canonical) for m in machines] == [
        ("pc-i440fx-7.2", None), ("pc", "pc-i440fx-7.2"), ("microvm", None),
        ("pc-i440fx-1.4", None), ("pc-q35-7.2", None), ("q35", "pc-q35-7.2")]
    assert machines[0].max_cpus == machines[1].max_cpus == 255
    assert machines[3].deprecated


def test_cpu_flags_come_from_cpuinfo(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: vmx pae fpu\n\n"
                    "processor\t: 1\nflags\t\t: other\n")
    caps, _ = discover([], no_kvm_no_xen(tmp_path, cpuinfo=str(info), path=""))
    assert caps.host.cpu.features == ("fpu", "pae", "vmx")
    assert caps.host.cpu.vendor == "Intel"
