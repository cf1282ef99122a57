"""-cpu and -smp from <cpu>, <vcpu> and <vcpus> (compiler/platform/cpu.py), as libvirt's
qemuBuildCpuCommandLine and qemuBuildSmpCommandLine write them.

-cpu: the model, then `vendor=`, `migratable=`, each feature's policy (force/require → on,
disable/forbid → off; optional → nothing: libvirt decides it from the host at start, so the
model's default stands), then what `backends/qemu/platform/features.py` adds
(`cpu_properties(domain, dialect)`: Hyper-V, kvm hidden, pmu; another module's), then the
cache properties. Modes: host-passthrough → `host`, maximum → `max`, custom → its model,
host-model → `host` under KVM and `max` under TCG (QEMU340: libvirt expands it from the host's
domain capabilities, which only exist where the guest starts). No <cpu> and no property to
set: no -cpu (QEMU's default model, as libvirt leaves it); properties with no model: the
arch's default model (qemu64, qemu32), as libvirt does.

-smp: the online vCPUs, `maxcpus=` when fewer are online than the maximum, and the
topology (sockets, dies, clusters, cores, threads): <topology> when given (dies only where
QEMU has them, clusters only when written, as libvirt 9.0); otherwise one socket per vCPU
(libvirt's rule; QEMU's own default since machine types 6.2 is one socket of N cores, so a
bare `-smp N` would give the guest a different topology). A one-vCPU guest with no
<topology> keeps the bare `-smp 1` of the seed era: every reading of it is 1×1×1.

Host-side parts (<vcpu cpuset>, placement='auto', <cputune>) have no QEMU option: QEMU321.
"""
from __future__ import annotations

import importlib.util
import re
from typing import List, Optional, Tuple, Union

from ....compiler.diagnostics import Span
from ....compiler.ir import NOWHERE, Domain, DomainType
from ....compiler.platform.cpu import (
    QEMU340, QEMU341, CacheMode, Cpu, CpuMode, VcpuPlacement, online_vcpus,
)
from ....compiler.rules.codes import QEMU301, QEMU302, QEMU316, QEMU321
from ..context import QemuContext
from ..dialects import Cap
from ..opts import Option, Opts, Raw, render_value

# libvirt's feature names where QEMU spells them differently (virQEMUCapsCPUFeaturesX86
# translation); QEMU reads '_' as '-' in the rest.
QEMU_FEATURE_NAMES = {
    "cmp_legacy": "cmp-legacy",
    "ds_cpl": "ds-cpl",
    "fxsr_opt": "fxsr-opt",
    "kvm_pv_eoi": "kvm-pv-eoi",
    "kvm_pv_unhalt": "kvm-pv-unhalt",
    "lahf_lm": "lahf-lm",
    "nodeid_msr": "nodeid-msr",
    "pclmuldq": "pclmulqdq",
    "perfctr_core": "perfctr-core",
    "perfctr_nb": "perfctr-nb",
    "tsc_adjust": "tsc-adjust",
}

# QEMU's model when the guest names none (and what libvirt writes when it must add
# properties to it).
DEFAULT_MODELS = {"x86_64": "qemu64", "i686": "qemu32", "i586": "qemu32", "i486": "qemu32",
                  "i386": "qemu32"}
FEATURE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
MODE_MODELS = {CpuMode.HOST_PASSTHROUGH: "host", CpuMode.MAXIMUM: "max"}

Pair = Tuple[str, object]


def build_cpu(domain: Domain, ctx: QemuContext) -> List[Option]:
    cpu: Optional[Cpu] = domain.cpu
    span = cpu.span if cpu is not None else domain.span
    model = _model(domain, cpu, ctx)
    props: List[Pair] = []
    if cpu is not None:
        if cpu.model is not None and cpu.model.vendor_id:
            props.append(("vendor", cpu.model.vendor_id))
        if cpu.migratable is not None and cpu.mode in MODE_MODELS:
            if ctx.has(Cap.CPU_MIGRATABLE):
                props.append(("migratable", cpu.migratable))
            else:
                ctx.unsupported(span, f"<cpu migratable='{'on' if cpu.migratable else 'off'}'>",
                                "the guest starts with QEMU's default", rule=QEMU316)
        props.extend(_features(cpu, ctx))
    props.extend(_platform_properties(domain, ctx))
    if cpu is not None and cpu.cache is not None:
        props.extend(_cache(cpu, ctx))
    if model is None and props:
        model = DEFAULT_MODELS.get(domain.os.arch or "x86_64")
    if model is None:
        return []
    value = _opts(model, props, ctx, span)
    return [Option("-cpu", value, span)] if value is not None else []


def _model(domain: Domain, cpu: Optional[Cpu], ctx: QemuContext) -> Optional[str]:
    if cpu is None:
        return None
    mode = cpu.mode or CpuMode.CUSTOM
    if mode is CpuMode.CUSTOM:
        return cpu.model.name if cpu.model is not None else None
    if mode is CpuMode.HOST_MODEL:
        model = "host" if domain.type is DomainType.KVM else "max"
        ctx.diags.add(QEMU340, f"<cpu mode='host-model'> is compiled as -cpu {model}: libvirt "
                      "expands host-model from the domain capabilities of the host that "
                      "starts the guest", cpu.span,
                      hint="name a model with mode='custom' for a CPU that is the same on "
                           "every host")
    else:
        model = MODE_MODELS[mode]
    if model == "max" and not ctx.has(Cap.CPU_MAX):
        ctx.unsupported(cpu.span, "-cpu max", "use mode='host-passthrough' under KVM, or "
                        "name a model", rule=QEMU301)
        return None
    return model


def _features(cpu: Cpu, ctx: QemuContext) -> List[Pair]:
    out: List[Pair] = []
    for feature in cpu.features:
        if not FEATURE_NAME.fullmatch(feature.name):
            # A name is a key of -cpu's options, which nothing can escape.
            ctx.diags.add(QEMU302, f"<feature name='{feature.name}'> is not a CPU feature "
                          "name a QEMU command line can carry", feature.span,
                          hint="CPU feature names are letters, digits, '_', '.' and '-'")
            continue
        on = feature.policy.enables
        if on is None:
            continue
        out.append((QEMU_FEATURE_NAMES.get(feature.name, feature.name), on))
    return out


def _cache(cpu: Cpu, ctx: QemuContext) -> List[Pair]:
    """libvirt's mapping: emulate → l3-cache=on (and host-cache-info=off for a host CPU);
    passthrough → host-cache-info=on,l3-cache=off; disable → both off."""
    if not ctx.has(Cap.CPU_CACHE):
        ctx.unsupported(cpu.cache.span, f"<cache mode='{cpu.cache.mode.value}'>",
                        "the guest sees QEMU's default caches", rule=QEMU316)
        return []
    mode = cpu.cache.mode
    host_like = cpu.mode in MODE_MODELS
    out: List[Pair] = []
    if mode is CacheMode.EMULATE:
        out.append(("l3-cache", True))
        if host_like:
            out.append(("host-cache-info", False))
    elif mode is CacheMode.PASSTHROUGH:
        out += [("host-cache-info", True), ("l3-cache", False)]
    else:
        if host_like:
            out.append(("host-cache-info", False))
        out.append(("l3-cache", False))
    return out


def _platform_properties(domain: Domain, ctx: QemuContext) -> List[Pair]:
    """What the features module adds to -cpu (Hyper-V, kvm hidden, pmu), when it exists:
    `cpu_properties(domain, dialect)` → (key, value) pairs."""
    name = f"{__package__}.features"
    if importlib.util.find_spec(name) is None:
        return []
    module = importlib.import_module(name)
    hook = getattr(module, "cpu_properties", None)
    return list(hook(domain, ctx.dialect)) if hook is not None else []


def _opts(model: str, props: List[Pair], ctx: QemuContext, span) -> Optional[Union[Opts, Raw]]:
    if ctx.has(Cap.CPU_FEATURE_PROPS):
        return Opts(model, tuple(props))
    # Before QEMU's feature properties (QEMU 1.x): +feat / -feat; the model is escaped by
    # the one serializer, the names are checked identifiers (_features).
    head = render_value(Option("-cpu", Opts(model), span), ctx.dialect, ctx.diags)
    if head is None:
        return None
    words = [head]
    for key, value in props:
        if isinstance(value, bool):
            words.append(("+" if value else "-") + key)
        else:
            words.append(render_value(Option("-cpu", Opts.of(None, (key, value)), span),
                                      ctx.dialect, ctx.diags) or "")
    return Raw(",".join(words))


# ------------------------------------------------------------------ -smp

def build_smp(domain: Domain, ctx: QemuContext) -> List[Option]:
    vcpu, cpu = domain.vcpu, domain.cpu
    maximum = domain.vcpus
    span = vcpu.span if vcpu is not None and vcpu.span != NOWHERE else domain.span
    _report_host_side(domain, ctx, span)
    online = _online(domain, ctx, span)
    topology = cpu.topology if cpu is not None else None
    if topology is None and maximum == 1:
        return [Option("-smp", Raw(str(online)), span)]
    if not ctx.has(Cap.SMP_TOPOLOGY):
        if online != maximum or topology is not None:
            ctx.unsupported(span, "a vCPU topology or maximum", "the guest starts with "
                            f"{online} vCPUs in QEMU's default topology", rule=QEMU316)
        return [Option("-smp", Raw(str(online)), span)]
    pairs: List[Tuple[str, Optional[int]]] = [
        ("maxcpus", maximum if online != maximum else None)]
    if topology is None:
        pairs += [("sockets", maximum), ("cores", 1), ("threads", 1)]
    else:
        pairs.append(("sockets", topology.sockets))
        pairs.append(("dies", _dies(topology, ctx)))
        pairs.append(("clusters", _clusters(topology, ctx)))
        pairs += [("cores", topology.cores), ("threads", topology.threads)]
    return [Option("-smp", Opts.of(str(online), *pairs), span)]


def _dies(topology, ctx: QemuContext) -> Optional[int]:
    dies = topology.dies or 1
    if ctx.has(Cap.SMP_DIES):
        return dies
    if dies != 1:
        ctx.unsupported(topology.span, f"<topology dies='{dies}'>", "use dies='1'")
    return None


def _clusters(topology, ctx: QemuContext) -> Optional[int]:
    clusters = topology.clusters or 1
    if clusters != 1:
        # QEMU 7.2's x86 machines refuse more than one ("clusters not supported by this
        # machine's CPU topology"); only ARM virt machines have clusters.
        ctx.unsupported(topology.span, f"<topology clusters='{clusters}'> on an x86 machine",
                        "use clusters='1' and count the cores per die instead")
        return None
    # Written only when the document writes it, as libvirt 9.0 does (10.1 always writes it).
    return clusters if topology.clusters is not None and ctx.has(Cap.SMP_CLUSTERS) else None


def _online(domain: Domain, ctx: QemuContext, span: Span) -> int:
    """The vCPUs QEMU starts with: <vcpu current>, less the online hot-pluggable ones of
    <vcpus> (libvirt plugs those with -device after asking QEMU where: QEMU341)."""
    vcpu = domain.vcpu
    current = online_vcpus(domain)
    states = vcpu.states if vcpu is not None else None
    for entry in states.entries if states is not None else ():
        if entry.enabled and entry.hotpluggable:
            ctx.diags.add(QEMU341, f"<vcpu id='{entry.id}' enabled='yes' hotpluggable='yes'>"
                          " is plugged by libvirt after QEMU starts; virtc can't compile it",
                          entry.span, hint="set hotpluggable='no' for vCPUs online at start")
    return current


def _report_host_side(domain: Domain, ctx: QemuContext, span: Span) -> None:
    vcpu = domain.vcpu
    if vcpu is None:
        return
    if vcpu.cpuset is not None:
        ctx.diags.add(QEMU321, f"attribute cpuset='{vcpu.cpuset}' of <vcpu> is host-side "
                      "tuning that QEMU has no option for; it is left out", span,
                      hint=f"pin QEMU's threads on the host: taskset -c {vcpu.cpuset} …")
    if vcpu.placement is VcpuPlacement.AUTO:
        ctx.diags.add(QEMU321, "attribute placement='auto' of <vcpu> is host-side tuning "
                      "that QEMU has no option for; it is left out", span,
                      hint="place the QEMU process yourself (numactl, taskset)")
