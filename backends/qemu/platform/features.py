"""<features> on QEMU, as libvirt's qemuBuildCpuCommandLine and qemuBuildMachineCommandLine
write them (compiler/platform/features.py).

- `cpu_properties(domain, dialect)`: what goes on -cpu, in libvirt's order: the timers that
  are CPU features (kvmclock, hypervclock → hv-time, the TSC frequency), the APIC's
  paravirtual EOI, pvspinlock, Hyper-V (hv-passthrough, or each enlightenment that is on:
  hv-relaxed, hv-spinlocks=0x…, hv-vendor-id=…, hv-stimer-direct …), kvm (hidden →
  kvm=off, hint-dedicated, poll-control, pv-ipi) and pmu. backends/qemu/platform/cpu.py
  appends them to the CPU model; without it, `build_cpu_features` writes
  `-cpu qemu64,…` (QEMU's and libvirt's default model for x86_64) when there is any.
- `machine_properties(domain, ctx)`: vmport, smm, hpet (clock.py) and kernel_irqchip from
  <ioapic>, for -machine.
- `build_features(domain, ctx)`: the q35 TSEG size (-global mch.extended-tseg-mbytes) and
  the vmcoreinfo device; what QEMU has no option for is reported.

Xen's switches (hap, viridian, <xen>) and LXC's privnet mean nothing to QEMU: libvirt's
QEMU driver ignores them, virtc says so (QEMU306). <kvm><dirty-ring> is an -accel kvm
property (machine.build_accel), which the -machine accel= form can't carry: QEMU320 there.
"""
from __future__ import annotations

import importlib.util
from typing import List, Tuple, Union

from ....compiler import uncompiled
from ....compiler.ir import Domain, Uncompiled
from ....compiler.platform.clock import TimerName
from ....compiler.platform.features import HYPERV_SWITCHES, HypervMode, IoapicDriver
from ....compiler.platform.switches import is_on
from ....compiler.rules.codes import QEMU301, QEMU306, QEMU320, QEMU321
from ..context import QemuContext
from ..dialects import Cap, Dialect
from ..opts import Option, Opts, Raw

Pair = Tuple[str, Union[str, int, bool]]
DEFAULT_CPU_MODEL = {"x86_64": "qemu64", "i686": "qemu32", "i586": "qemu32",
                     "i486": "qemu32", "i386": "qemu32"}


def is_q35(domain: Domain) -> bool:
    machine = domain.os.machine or "pc"
    return machine == "q35" or machine.startswith("pc-q35")


def cpu_properties(domain: Domain, dialect: Dialect) -> List[Pair]:
    out: List[Pair] = []
    for timer in domain.clock.timers:
        if timer.name is TimerName.KVMCLOCK and timer.present is not None:
            out.append(("kvmclock", timer.present))
        elif timer.name is TimerName.HYPERVCLOCK and timer.present:
            out.append(("hv-time", True))
        elif timer.name is TimerName.TSC and timer.frequency:
            out.append(("tsc-frequency", timer.frequency))
    f = domain.features
    if f.apic_eoi is not None:
        out.append(("kvm-pv-eoi", f.apic_eoi))
    if f.pvspinlock is not None:
        out.append(("kvm-pv-unhalt", f.pvspinlock.on))
    hv = f.hyperv
    if hv is not None:
        if hv.mode is HypervMode.PASSTHROUGH:
            out.append(("hv-passthrough", True))
        for name in HYPERV_SWITCHES[:2]:
            if is_on(getattr(hv, name)):
                out.append((f"hv-{name}", True))
        if hv.spinlocks is not None and hv.spinlocks.on:
            out.append(("hv-spinlocks", hex(hv.spinlocks.retries or 0x1fff)))
        for name in HYPERV_SWITCHES[2:5]:
            if is_on(getattr(hv, name)):
                out.append((f"hv-{name}", True))
        if hv.stimer is not None and hv.stimer.on:
            out.append(("hv-stimer", True))
        if is_on(hv.reset):
            out.append(("hv-reset", True))
        if hv.vendor_id is not None and hv.vendor_id.on and hv.vendor_id.value:
            out.append(("hv-vendor-id", hv.vendor_id.value))
        for name in HYPERV_SWITCHES[6:]:
            if is_on(getattr(hv, name)):
                out.append((f"hv-{name}", True))
        if hv.stimer is not None and hv.stimer.on and is_on(hv.stimer.direct):
            out.append(("hv-stimer-direct", True))
    if any(n.TAG == "panic" and getattr(n.model, "value", None) == "hyperv"
           for n in domain.devices.families):       # backends/qemu/devices/panic.py
        out.append(("hv-crash", True))
    kvm = f.kvm
    if kvm is not None:
        if is_on(kvm.hidden):
            out.append(("kvm", False))
        if is_on(kvm.hint_dedicated):
            out.append(("kvm-hint-dedicated", True))
        if is_on(kvm.poll_control):
            out.append(("kvm-poll-control", True))
        if kvm.pv_ipi is not None and not kvm.pv_ipi.on:
            out.append(("kvm-pv-ipi", False))
    if f.pmu is not None:
        out.append(("pmu", f.pmu.on))
    return out


def build_cpu_features(domain: Domain, ctx: QemuContext) -> List[Option]:
    """-cpu DEFAULT,… when the features ask for CPU properties and no CPU builder
    (backends/qemu/platform/cpu.py) writes -cpu itself."""
    if importlib.util.find_spec(f"{__package__}.cpu") is not None:
        return []
    props = cpu_properties(domain, ctx.dialect)
    if not props:
        return []
    arch = domain.os.arch or "x86_64"
    model = DEFAULT_CPU_MODEL.get(arch, "qemu64")
    return [Option("-cpu", Opts(model, tuple(props)), domain.features.span)]


def machine_properties(domain: Domain, ctx: QemuContext) -> List[Pair]:
    """-machine properties from <features> and the HPET timer, in libvirt's order."""
    from .clock import machine_hpet

    f = domain.features
    out: List[Pair] = []
    if f.vmport is not None and ctx.has(Cap.MACHINE_VMPORT):
        out.append(("vmport", f.vmport.on))
    if f.smm is not None and ctx.has(Cap.MACHINE_SMM):
        out.append(("smm", f.smm.on))
    if f.ioapic is not None:
        out.append(("kernel_irqchip", "split" if f.ioapic.driver is IoapicDriver.QEMU
                    else True))
    out.extend(machine_hpet(domain, ctx))
    return out


def build_features(domain: Domain, ctx: QemuContext) -> List[Option]:
    f = domain.features
    out: List[Option] = []
    for name, cap in (("vmport", Cap.MACHINE_VMPORT), ("smm", Cap.MACHINE_SMM),
                      ("ioapic", Cap.MACHINE_OPT)):
        node = getattr(f, name)
        if node is not None and not (ctx.has(cap) and ctx.has(Cap.MACHINE_OPT)):
            ctx.unsupported(node.span, f"<features><{name}>", "use QEMU 2.12 or later")
    if f.smm is not None and f.smm.tseg_kib is not None:
        out.extend(_tseg(domain, ctx))
    if is_on(f.vmcoreinfo):
        if ctx.has(Cap.VMCOREINFO):
            out.append(Option("-device", Opts.of("vmcoreinfo"), f.vmcoreinfo.span))
        else:
            ctx.unsupported(f.vmcoreinfo.span, "<vmcoreinfo state='on'>",
                            "use QEMU 2.12 or later")
    for name, why in (("hap", "Xen's hardware-assisted paging switch"),
                      ("viridian", "Xen's Hyper-V interface; use <hyperv> for QEMU"),
                      ("privnet", "an LXC container's private network"),
                      ("xen", "Xen-only switches")):
        node = getattr(f, name)
        if node is not None:
            ctx.diags.add(QEMU306, f"<features><{name}> has no QEMU equivalent and is"
                          f" ignored: {why}", node.span, "remove it from domains compiled"
                          " for QEMU")
    from ..machine import dirty_ring_compiles       # -accel kvm,dirty-ring-size= there

    if (f.kvm is not None and f.kvm.dirty_ring is not None
            and not dirty_ring_compiles(domain, ctx)):
        uncompiled.report([Uncompiled("features/kvm/dirty-ring", f.kvm.dirty_ring.span)],
                          ctx.diags, "QEMU", QEMU320, QEMU321)
    return out


def _tseg(domain: Domain, ctx: QemuContext) -> List[Option]:
    smm = domain.features.smm
    span = next((w.span for w in smm.at if w.tag == "tseg"), smm.span)
    if not is_q35(domain):
        ctx.diags.add(QEMU301, "<smm><tseg>: only q35's memory controller has an extended"
                      " TSEG; this machine is not q35", span,
                      "remove <tseg>, or use a q35 machine type")
        return []
    if smm.tseg_kib % 1024:
        ctx.diags.add(QEMU301, f"<smm><tseg> of {smm.tseg_kib} KiB is not a whole number of"
                      " MiB, which is what QEMU's mch.extended-tseg-mbytes takes", span,
                      "give the size in MiB")
        return []
    if not ctx.has(Cap.MACHINE_SMM):
        ctx.unsupported(span, "<smm><tseg>", "use QEMU 2.12 or later")
        return []
    return [Option("-global", Raw(f"mch.extended-tseg-mbytes={smm.tseg_kib // 1024}"), span)]
