"""<features>, <clock>/<timer> and <pm> end to end: lowering with sub-nodes and spans, the
XML writer, the QEMU argv (compared with libvirt's own argv from tests/corpus/native and
started in the real QEMU), and Xen's keys both ways."""
from __future__ import annotations

import ast
import copy
import datetime
import pathlib
import shlex

import pytest
from lxml import etree

import qemu_harness as harness
from virtc.backends.domainxml import format_domain
from virtc.backends.qemu.platform import clock as qemu_clock
from virtc.backends.xen.parse_xl import parse_xl
from virtc.compiler.diagnostics import Diagnostics
from virtc.compiler.platform.clock import ClockBasis, ClockOffset, TickPolicy, TimerName
from virtc.compiler.platform.features import HypervMode
from virtc.pipeline import compile_domain, load_bytes
from virtc.backends.xen import import_config
from ir_facts import facts

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"


def doc(platform: str, machine: str = "q35", dtype: str = "kvm", os_type: str = "hvm",
        extra_os: str = "") -> bytes:
    return f"""<domain type='{dtype}'>
  <name>platform</name>
  <uuid>00000000-0000-4000-8000-0000000000bb</uuid>
  <memory unit='MiB'>128</memory>
  <os>
    <type arch='x86_64' machine='{machine}'>{os_type}</type>{extra_os}
  </os>
{platform}
  <devices>
  </devices>
</domain>
""".encode()


def corpus_platform(name: str) -> str:
    """The <features>, <clock> and <pm> of a corpus document, as libvirt wrote them."""
    root = etree.parse(str(CORPUS / "dumpxml" / f"{name}.xml")).getroot()
    parts = [copy.deepcopy(root.find(tag)) for tag in ("features", "clock", "pm")]
    return "\n".join(etree.tostring(p, encoding="unicode") for p in parts if p is not None)


def libvirt_argv(name: str):
    return shlex.split((CORPUS / "native" / f"{name}.argv").read_text())


def load(source: bytes):
    loaded = load_bytes(source, "platform.xml")
    assert loaded.ok, [str(d) for d in loaded.diagnostics]
    return loaded.node


def compile_(source: bytes, target: str = "qemu", version: str = "7.2"):
    diags = Diagnostics()
    out = compile_domain(load(source), target, diags,
                         **({"qemu_version": version} if target == "qemu" else {}))
    return out, diags


def values(argv, flag):
    return [argv[i + 1] for i, word in enumerate(argv) if word == flag]


def props(text: str) -> list:
    return text.split(",")


# ------------------------------------------------------------------ IR and writer

FULL = """  <features>
    <acpi/>
    <apic eoi='on'/>
    <pae/>
    <hap state='off'/>
    <hyperv mode='custom'>
      <relaxed state='on'/>
      <vapic state='off'/>
      <spinlocks state='on' retries='8191'/>
      <stimer state='on'>
        <direct state='on'/>
      </stimer>
      <vendor_id state='on' value='KVM Hv'/>
    </hyperv>
    <kvm>
      <hidden state='on'/>
      <pv-ipi state='off'/>
    </kvm>
    <pvspinlock state='on'/>
    <pmu state='off'/>
    <vmport state='off'/>
    <smm state='on'>
      <tseg unit='MiB'>48</tseg>
    </smm>
    <ioapic driver='qemu'/>
    <vmcoreinfo state='on'/>
  </features>
  <clock offset='localtime'>
    <timer name='rtc' tickpolicy='catchup' track='guest'/>
    <timer name='pit' tickpolicy='delay'/>
    <timer name='hpet' present='no'/>
    <timer name='kvmclock' present='yes'/>
    <timer name='hypervclock' present='yes'/>
    <timer name='tsc' frequency='2000000000'/>
  </clock>
  <pm>
    <suspend-to-mem enabled='no'/>
    <suspend-to-disk enabled='yes'/>
  </pm>"""


def test_lowering_keeps_sub_nodes_with_their_own_lines():
    d = load(doc(FULL))
    f, c = d.features, d.clock
    assert (f.pae, f.acpi, f.apic, f.apic_eoi) == (True, True, True, True)
    assert f.hap.on is False and f.hap.span.line == 12
    assert f.hyperv.mode is HypervMode.CUSTOM and f.hyperv.relaxed.span.line == 14
    assert (f.hyperv.vapic.on, f.hyperv.spinlocks.retries) == (False, 8191)
    assert f.hyperv.stimer.direct.span.line == 18 and f.hyperv.vendor_id.value == "KVM Hv"
    assert f.kvm.hidden.on and not f.kvm.pv_ipi.on and f.kvm.pv_ipi.span.line == 24
    assert f.smm.tseg_kib == 48 * 1024 and f.smm.span.line == 29
    assert [t.name for t in c.timers] == [TimerName.RTC, TimerName.PIT, TimerName.HPET,
                                         TimerName.KVMCLOCK, TimerName.HYPERVCLOCK,
                                         TimerName.TSC]
    assert c.timer(TimerName.RTC).tickpolicy is TickPolicy.CATCHUP
    assert c.timer(TimerName.HPET).span.line == 38 and c.timer(TimerName.HPET).present is False
    assert d.pm.suspend_to_mem.enabled is False and d.pm.suspend_to_disk.span.line == 45
    assert d.uncompiled == ()


def test_the_writer_gives_back_the_same_ir():
    d = load(doc(FULL))
    text = format_domain(d, Diagnostics())
    again = load(text.encode())
    assert facts((again.features, again.clock, again.pm)) == facts((d.features, d.clock, d.pm))


def test_a_numeric_adjustment_on_utc_is_a_variable_clock_as_libvirt_reads_it():
    """formatdomain: "A numeric value forces the conversion to 'variable' mode using the
    value as the initial adjustment"; 'reset' keeps the offset."""
    c = load(doc("  <clock offset='localtime' adjustment='-3600'/>")).clock
    assert (c.offset, c.basis, c.adjustment) == (ClockOffset.VARIABLE, ClockBasis.LOCALTIME,
                                                 -3600)
    c = load(doc("  <clock offset='utc' adjustment='reset'/>")).clock
    assert (c.offset, c.adjustment) == (ClockOffset.UTC, "reset")


def test_features_of_other_hypervisors_and_arches_stay_reported():
    d = load(doc("  <features>\n    <gic version='3'/>\n    <msrs unknown='ignore'/>\n"
                 "  </features>"))
    assert [u.path for u in d.uncompiled] == ["features/gic", "features/msrs"]


# ------------------------------------------------------------------ QEMU, against libvirt

def test_qemu_argv_matches_libvirts_for_features_clock_and_pm():
    """tests/corpus/native/features-clock-events-pm.argv is libvirt 9.0's argv for the same
    <features>, <clock> and <pm> (with QEMU 7.2)."""
    argv, diags = compile_(doc(corpus_platform("features-clock-events-pm")))
    assert argv is not None, [str(d) for d in diags]
    theirs = libvirt_argv("features-clock-events-pm")
    machine = props(values(argv, "-machine")[0])
    assert {"vmport=off", "smm=on"} <= set(props(values(theirs, "-machine")[0]))
    assert {"vmport=off", "smm=on"} <= set(machine)
    # libvirt 9.0 still wrote -no-hpet for QEMU 7.2; both spell hpet off (docs/qemu-dialects.md).
    assert "-no-hpet" in theirs and "hpet=off" in machine and "-no-hpet" not in argv
    # The CPU properties, in libvirt's order, after libvirt's model and migratable=.
    ours = props(values(argv, "-cpu")[0])[1:]
    assert props(values(theirs, "-cpu")[0])[2:] == ours == [
        "kvmclock=on", "kvm=off", "kvm-poll-control=on", "pmu=off"]
    assert values(argv, "-rtc") == values(theirs, "-rtc") == ["base=utc,driftfix=slew"]
    assert values(argv, "-global") == values(theirs, "-global") == [
        "kvm-pit.lost_tick_policy=delay", "ICH9-LPC.disable_s3=0", "ICH9-LPC.disable_s4=1"]
    assert values(argv, "-device") == ["vmcoreinfo"]


def test_qemu_hyperv_flags_match_libvirts():
    argv, diags = compile_(doc(corpus_platform("win10-hyperv")))
    assert argv is not None, [str(d) for d in diags]
    theirs = libvirt_argv("win10-hyperv")
    # libvirt's last one, hv-crash, comes from the <panic model='hyperv'> device.
    assert props(values(theirs, "-cpu")[0])[2:-1] == props(values(argv, "-cpu")[0])[1:] == [
        "hv-time=on", "hv-relaxed=on", "hv-vapic=on", "hv-spinlocks=0x1fff", "hv-synic=on",
        "hv-reset=on"]
    assert values(argv, "-rtc") == values(theirs, "-rtc") == ["base=localtime"]
    assert [g for g in values(argv, "-global")] == [
        "ICH9-LPC.disable_s3=1", "ICH9-LPC.disable_s4=1"]


def test_pc_machines_use_piix4_for_sleep_states():
    argv, _ = compile_(doc(corpus_platform("events-lifecycle-pc"), machine="pc"))
    theirs = libvirt_argv("events-lifecycle-pc")
    assert [g for g in values(argv, "-global") if g.startswith("PIIX4")] == [
        g for g in values(theirs, "-global") if g.startswith("PIIX4")] == [
        "PIIX4_PM.disable_s3=1", "PIIX4_PM.disable_s4=1"]


@pytest.mark.parametrize("version, machine_hpet, no_hpet", [
    ("5.0", False, True), ("6.0", True, False), ("9.0", True, False)])
def test_hpet_off_by_dialect(version, machine_hpet, no_hpet):
    """-no-hpet until QEMU 9.0 removed it; the machine property from 5.2 (6.0 row) on."""
    argv, _ = compile_(doc("  <clock offset='utc'><timer name='hpet' present='no'/></clock>"),
                       version=version)
    assert ("hpet=off" in props(values(argv, "-machine")[0])) is machine_hpet
    assert ("-no-hpet" in argv) is no_hpet


def test_old_dialects_say_what_they_lack():
    argv, diags = compile_(doc("  <features><vmport state='off'/></features>\n"
                               "  <pm><suspend-to-mem enabled='no'/></pm>"), version="1.1")
    assert argv is None
    assert [(d.code, d.span.line) for d in diags] == [("QEMU301", 9), ("QEMU301", 8)]


def test_variable_clock_is_a_date_computed_now(monkeypatch):
    epoch = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc).timestamp()
    monkeypatch.setattr(qemu_clock, "_now", lambda: epoch)
    argv, diags = compile_(doc("  <clock offset='variable' adjustment='3600' basis='utc'/>"))
    assert values(argv, "-rtc") == ["base=2026-01-02T04:04:05"]
    assert [(d.code, d.span.line) for d in diags] == [("QEMU360", 8)]
    argv, _ = compile_(doc("  <clock offset='absolute' start='0'/>"))
    assert values(argv, "-rtc") == ["base=1970-01-01T00:00:00"]
    argv, _ = compile_(doc("  <clock offset='timezone' timezone='Asia/Tokyo'/>"))
    assert values(argv, "-rtc") == ["base=2026-01-02T12:04:05"]


def test_what_qemu_cannot_do_is_reported_on_its_line():
    argv, diags = compile_(doc(
        "  <features>\n    <viridian/>\n    <kvm><dirty-ring state='on' size='4096'/></kvm>\n"
        "  </features>\n  <clock offset='utc'>\n    <timer name='platform'/>\n"
        "    <timer name='rtc' tickpolicy='merge'/>\n  </clock>"))
    assert argv is None
    assert sorted((d.code, d.span.line) for d in diags) == [
        ("QEMU301", 14), ("QEMU306", 9), ("QEMU320", 10), ("QEMU320", 13)]


@harness.needs_qemu
def test_real_qemu_builds_the_platform_as_described():
    """QEMU 7.2 (TCG where KVM is missing) starts the argv, and QOM shows the machine and
    CPU properties set."""
    argv, diags = compile_(doc(FULL, dtype="qemu"))
    assert argv is not None, [str(d) for d in diags]
    cpu = "/machine/unattached/device[0]"
    # kernel_irqchip has no QOM getter: that QEMU starts with it is the proof.
    assert "kernel_irqchip=split" in props(values(argv, "-machine")[0])
    wanted = [("/machine", "hpet"), ("/machine", "smm"), ("/machine", "vmport"), (cpu, "hv-relaxed"), (cpu, "hv-vapic"),
              (cpu, "hv-spinlocks"), (cpu, "hv-vendor-id"), (cpu, "hv-stimer-direct"),
              (cpu, "kvm"), (cpu, "pmu"), (cpu, "kvmclock"), (cpu, "hv-time"),
              (cpu, "tsc-frequency"), (cpu, "kvm-pv-eoi"), (cpu, "kvm-pv-unhalt"),
              (cpu, "kvm-pv-ipi"), ("/machine/q35/mch", "extended-tseg-mbytes")]
    result = harness.run_guests([harness.Guest(argv, qom=wanted)])[0]
    assert result.started, result.stderr
    q = {k.split(" ")[-1]: v for k, v in result.qom.items()}
    assert (q["hpet"], q["smm"], q["vmport"]) == (False, "on", "off")
    assert (q["hv-relaxed"], q["hv-vapic"], q["hv-stimer-direct"]) == (True, False, True)
    assert (q["hv-spinlocks"], q["hv-vendor-id"]) == (8191, "KVM Hv")
    # kvmclock is a KVM paravirtual CPUID bit: TCG filters it out (QOM reads False).
    assert "kvmclock=on" in props(values(argv, "-cpu")[0])
    assert (q["kvm"], q["pmu"], q["hv-time"]) == (False, False, True)
    # So are the other KVM paravirtual bits; the argv carries them as libvirt writes them.
    assert {"kvm-pv-eoi=on", "kvm-pv-unhalt=on", "kvm-pv-ipi=off"} <= set(
        props(values(argv, "-cpu")[0]))
    assert q["tsc-frequency"] == 2000000000
    assert q["extended-tseg-mbytes"] == 48


@harness.needs_qemu
@pytest.mark.parametrize("corpus", ["features-clock-events-pm", "win10-hyperv",
                                    "events-lifecycle-pc"])
def test_real_qemu_starts_libvirts_platforms(corpus):
    machine = "pc" if corpus.endswith("-pc") else "q35"
    argv, diags = compile_(doc(corpus_platform(corpus), machine=machine, dtype="qemu"))
    assert argv is not None, [str(d) for d in diags]
    result = harness.run_paused(argv)
    assert result.started, result.stderr


# ------------------------------------------------------------------ Xen

XEN_HVM = """  <features>
    <acpi/>
    <apic/>
    <pae/>
    <hap state='off'/>
    <viridian/>
    <xen>
      <passthrough state='on' mode='share_pt'/>
    </xen>
  </features>
  <clock offset='variable' adjustment='-3600' basis='localtime'>
    <timer name='tsc' mode='native'/>
    <timer name='hpet' present='yes'/>
  </clock>"""


def xen_doc(platform: str, hvm: bool = True) -> bytes:
    if hvm:
        return doc(platform, machine="xenfv", dtype="xen",
                   extra_os="\n    <loader>/usr/lib/xen/boot/hvmloader</loader>")
    return doc(platform, machine="xenpv", dtype="xen", os_type="linux",
               extra_os="\n    <kernel>/boot/vmlinuz</kernel>")


def test_xen_hvm_features_and_clock_both_ways():
    """Issue 13: <hap/>, <viridian/> and offset='variable' on an HVM guest compile, to the
    keys libvirt's xen_common.c writes (tests/xlconfigdata/test-fullvirt-hypervisor-features
    and test-fullvirt-multi-timer)."""
    text, diags = compile_(xen_doc(XEN_HVM), "xen-xm")
    assert text is not None, [str(d) for d in diags]
    keys = {t.targets[0].id: ast.literal_eval(t.value) for t in ast.parse(text).body}
    assert {k: keys[k] for k in ("pae", "acpi", "apic", "hap", "viridian", "passthrough",
                                 "tsc_mode", "hpet", "rtc_timeoffset", "localtime")} == {
        "pae": 1, "acpi": 1, "apic": 1, "hap": 0, "viridian": 1, "passthrough": "share_pt",
        "tsc_mode": "native", "hpet": 1, "rtc_timeoffset": -3600, "localtime": 1}
    xl, diags = compile_(xen_doc(XEN_HVM), "xen-xl")
    assert xl is not None, [str(d) for d in diags]
    parsed = {k: s.value for k, s in parse_xl(xl, "t.cfg", Diagnostics()).items()}
    assert (parsed["rtc_timeoffset"], parsed["hap"], parsed["viridian"]) == ("-3600", 0, 1)
    for target, config in (("xen-xm", text), ("xen-xl", xl)):
        diags = Diagnostics()
        back = import_config(config, "t.cfg", target, diags)
        original = load(xen_doc(XEN_HVM))
        assert back.features.hap == original.features.hap.__class__(False, back.features.hap.span)
        assert back.features.viridian.on and back.features.xen.passthrough.mode.value == "share_pt"
        assert (back.clock.offset, back.clock.adjustment, back.clock.basis) == (
            ClockOffset.VARIABLE, -3600, ClockBasis.LOCALTIME)
        assert [(t.name, t.mode, t.present) for t in back.clock.timers] == [
            (TimerName.TSC, original.clock.timers[0].mode, None), (TimerName.HPET, None, True)]


def test_xen_pv_e820_host():
    pv = "  <features>\n    <xen>\n      <e820_host state='on'/>\n    </xen>\n  </features>"
    text, diags = compile_(xen_doc(pv, hvm=False), "xen-xl")
    assert text is not None and "e820_host = 1" in text, [str(d) for d in diags]
    back = import_config(text, "t.cfg", "xen-xl", Diagnostics())
    assert back.features.xen.e820_host.on


def test_xen_reports_what_it_has_no_key_for():
    platform = ("  <features>\n    <acpi/>\n    <hyperv><relaxed state='on'/></hyperv>\n"
                "  </features>\n  <clock offset='timezone' timezone='Europe/Paris'>\n"
                "    <timer name='rtc' tickpolicy='catchup'/>\n  </clock>\n"
                "  <pm><suspend-to-mem enabled='no'/></pm>")
    text, diags = compile_(xen_doc(platform), "xen-xm")
    assert text is None
    assert sorted((d.code, d.span.line) for d in diags) == [
        ("XEN440", 11), ("XEN440", 13), ("XEN440", 14), ("XEN440", 16)]



# ------------------------------------------------------------------ lifecycle

COREDUMP = "  <on_crash>coredump-destroy</on_crash>"


def test_a_crash_that_dumps_memory_goes_to_xen_and_back():
    """libvirt's xenFormatEventActions writes coredump-destroy/coredump-restart as they are;
    xl.cfg(5) and xend take them."""
    for target in ("xen-xm", "xen-xl"):
        text, diags = compile_(xen_doc(COREDUMP, hvm=False), target)
        assert text is not None and 'on_crash = "coredump-destroy"' in text, [str(d) for d in diags]
        back = import_config(text, "t.cfg", target, Diagnostics())
        assert (back.on_crash.value, back.on_crash_dump) == ("destroy", True)
        assert "<on_crash>coredump-destroy</on_crash>" in format_domain(back, Diagnostics())


def test_qemu_cannot_dump_memory_on_a_crash_by_itself():
    argv, diags = compile_(doc(COREDUMP))
    assert [(d.code, d.span.line) for d in diags] == [("QEMU305", 8)]
    assert argv is not None and values(argv, "-action") == ["panic=shutdown"]


def test_an_hvm_config_without_pae_acpi_apic_keeps_them_on():
    """xl.cfg(5) and libvirt's xenParseHypervisorFeatures default pae, acpi and apic to 1
    for HVM guests: importing a config that leaves them out must not turn them off."""
    config = 'name = "w"\ntype = "hvm"\nmemory = 512\n'
    back = import_config(config, "w.cfg", "xen-xl", Diagnostics())
    assert (back.features.pae, back.features.acpi, back.features.apic) == (True, True, True)
    text = compile_domain(back, "xen-xl", Diagnostics())
    assert {k: _xl(text)[k] for k in ("pae", "acpi", "apic")} == {"pae": 1, "acpi": 1, "apic": 1}
    pv = import_config('name = "p"\nkernel = "/k"\n', "p.cfg", "xen-xl", Diagnostics())
    assert (pv.features.pae, pv.features.acpi, pv.features.apic) == (False, False, False)


def _xl(text: str) -> dict:
    return {k: s.value for k, s in parse_xl(text, "t.cfg", Diagnostics()).items()}
