"""<vcpu>, <vcpus> and <cpu> on Xen, both ways (compiler/platform/cpu.py), as libvirt's
xenFormatCPUAllocation / xenParseCPU (xen_common.c), xenFormatXLCPUID / xenParseXLCPUID and
the nestedhvm part of xenFormatXLOS / xenParseXLOS (xen_xl.c) do.

vCPUs:
- xl: `vcpus` = the vCPUs online at start, `maxvcpus` = the maximum when it is larger
  (libvirt's tests/xlconfigdata/test-paravirt-maxvcpus.cfg);
- xm: `vcpus` = the maximum and `vcpu_avail` = a bitmap of the online ones, (1 << current)
  - 1, as xend reads it and libvirt's xm driver wrote it (tests/xmconfigdata/
  test-paravirt-vcpu.cfg); import also takes `maxvcpus`, which libvirt's later common code
  writes for both;
- `cpus` = <vcpu cpuset>, ranges as libvirt's virBitmapFormat writes them.

<cpu> (xl only; xm has no CPU key): a host-passthrough CPU, Xen's own default, gives
`nestedhvm` (HVM guests: 0 when the vmx or svm feature is disabled or forbidden, else 1)
and `cpuid = "host,NAME=1|0|x,…"` from the other features (force/require 1, disable/forbid
0, optional x), with libxl's names for the features libvirt names differently. Importing
turns them back: nestedhvm = 0 → a vmx feature disabled; cpuid values 1/0/x|k|s →
force/disable/optional. Anything else of <cpu> (other modes, a topology, a cache) is XEN495:
libvirt ignores it with a warning, and the guest would not see the CPU described.
"""
from __future__ import annotations

import re
from typing import List, Optional

from ....compiler.ir import NOWHERE, Domain
from ....compiler.platform.cpu import (
    XEN495, XEN496, Cpu, CpuFeature, CpuMode, FeaturePolicy, Vcpu, VcpuPlacement,
    format_cpuset, online_vcpus, parse_cpuset,
)
from ....compiler.rules.codes import XEN427

# libvirt's feature name → libxl's (xenTranslateCPUFeature).
LIBXL_NAMES = {
    "cx16": "cmpxchg16", "cid": "cntxid", "ds_cpl": "dscpl", "pclmuldq": "pclmulqdq",
    "pni": "sse3", "ht": "htt", "pn": "psn", "clflush": "clfsh", "sep": "sysenter",
    "cx8": "cmpxchg8", "nodeid_msr": "nodeid", "cr8legacy": "altmovcr8",
    "lahf_lm": "lahfsahf", "cmp_legacy": "cmplegacy", "fxsr_opt": "ffxsr",
    "pdpe1gb": "page1gb", "spec-ctrl": "ibrsb",
}
LIBVIRT_NAMES = {xl: lv for lv, xl in LIBXL_NAMES.items()}
CPUID_VALUES = {True: "1", False: "0", None: "x"}
CPUID_POLICIES = {"1": FeaturePolicy.FORCE, "0": FeaturePolicy.DISABLE,
                  "x": FeaturePolicy.OPTIONAL, "k": FeaturePolicy.OPTIONAL,
                  "s": FeaturePolicy.OPTIONAL}
NESTED = ("vmx", "svm")
FEATURE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


# ------------------------------------------------------------------ XML → config

def build_vcpus(b, config) -> None:
    """vcpus, maxvcpus (xl) or vcpu_avail (xm), and cpus."""
    d = b.domain
    current, maximum = min(online_vcpus(d), d.vcpus), d.vcpus
    if b.target == "xen-xl":
        if current < maximum:
            config.set("maxvcpus", maximum)
        config.set("vcpus", current)
    else:
        config.set("vcpus", maximum)
        if current < maximum:
            config.set("vcpu_avail", (1 << current) - 1)
    vcpu: Optional[Vcpu] = d.vcpu
    if vcpu is None:
        return
    span = vcpu.span if vcpu.span != NOWHERE else d.span
    if vcpu.cpuset is not None:
        try:
            config.set("cpus", format_cpuset(parse_cpuset(vcpu.cpuset)))
        except ValueError:
            pass                        # SEM262 has said so
    if vcpu.placement is VcpuPlacement.AUTO:
        b.report(XEN496, f"<vcpu placement='auto'> has no {b.target} key; Xen places the "
                 "vCPUs itself", span, hint="write the host CPUs with cpuset=")
    states = vcpu.states
    if states is not None and any(e.hotpluggable for e in states.entries):
        b.report(XEN495, f"<vcpus> hot-plug states have no {b.target} key", states.span,
                 hint="remove <vcpus>; Xen brings vcpu_avail/vcpus online at start")


def build_xl_cpu(b, config) -> None:
    """nestedhvm and cpuid from a host-passthrough <cpu> (xl)."""
    cpu: Optional[Cpu] = b.domain.cpu
    if cpu is None:
        return
    _report_inexpressible(b, cpu)
    if cpu.mode is not CpuMode.HOST_PASSTHROUGH:
        return
    if b.hvm:
        off = any(f.name in NESTED and f.policy.enables is False for f in cpu.features)
        config.set("nestedhvm", 0 if off else 1)
    for f in cpu.features:
        if not FEATURE_NAME.fullmatch(f.name):
            b.report(XEN495, f"<feature name='{f.name}'> can't be written in xl's cpuid "
                     "string", f.span, hint="CPU feature names are letters, digits, '_', "
                     "'.' and '-'")
    pairs = [f"{LIBXL_NAMES.get(f.name, f.name)}={CPUID_VALUES[f.policy.enables]}"
             for f in cpu.features if f.name not in NESTED and FEATURE_NAME.fullmatch(f.name)]
    if pairs:
        config.set("cpuid", ",".join(["host", *pairs]))


def check_xm_cpu(b) -> None:
    """xm has no CPU key: a <cpu> beyond Xen's default (the host's CPU) can't be written."""
    cpu: Optional[Cpu] = b.domain.cpu
    if cpu is None:
        return
    _report_inexpressible(b, cpu)
    if cpu.mode is CpuMode.HOST_PASSTHROUGH and cpu.features:
        b.report(XEN495, "<cpu> features have no xm key (xl writes them as cpuid= and "
                 "nestedhvm=)", cpu.features[0].span,
                 hint="compile for xen-xl, or drop the <feature> elements")


def _report_inexpressible(b, cpu: Cpu) -> None:
    # A <cpu> that only holds NUMA cells (libvirt's Xen tests write it so) asks for no model.
    if cpu.mode is not CpuMode.HOST_PASSTHROUGH and (cpu.model is not None or cpu.features):
        b.report(XEN495, f"<cpu mode='{cpu.mode.value}'> can't be written for {b.target}: a "
                 "Xen guest sees the host's CPU", cpu.span,
                 hint="use <cpu mode='host-passthrough'> (with <feature> policies on xl)")
    for part, what in ((cpu.topology, "<topology>"), (cpu.cache, "<cache>")):
        if part is not None:
            b.report(XEN495, f"<cpu> {what} has no {b.target} key", part.span,
                     hint=f"remove {what} for a Xen guest")


# ------------------------------------------------------------------ config → XML

def read_cpu_fields(r, xl: bool, hvm: bool) -> dict:
    """The Domain fields (vcpus, vcpu, cpu) of a parsed config."""
    fields: dict = {}
    vcpus = r.integer("vcpus")
    maximum = r.integer("maxvcpus")
    current = vcpus if vcpus is not None else 1
    if maximum is None:
        maximum = current
    avail = None if xl else r.integer("vcpu_avail")
    if avail is not None and maximum == current:
        current = min(bin(avail).count("1"), maximum)
    fields["vcpus"] = maximum
    cpus = r.string("cpus")
    cpuset = None
    if cpus is not None:
        try:
            cpuset = format_cpuset(parse_cpuset(cpus))
        except ValueError:
            r.report(XEN427, f"cpus = {cpus!r} is not a CPU list", r.settings["cpus"].span,
                     hint='write CPU numbers and ranges, e.g. "0-3,^2"')
    if current != maximum or cpuset is not None:
        fields["vcpu"] = Vcpu(cpuset=cpuset, current=current if current != maximum else None,
                              span=r.top)
    if xl:
        cpu = _read_xl_cpu(r, hvm)
        if cpu is not None:
            fields["cpu"] = cpu
    return fields


def _read_xl_cpu(r, hvm: bool) -> Optional[Cpu]:
    features: List[CpuFeature] = []
    present = False
    nested = r.integer("nestedhvm") if hvm else None
    if nested is not None:
        present = True
        if nested == 0:
            features.append(CpuFeature(FeaturePolicy.DISABLE, "vmx", r.settings["nestedhvm"].span))
    cpuid = r.string("cpuid")
    if cpuid is not None:
        present = True
        features += _cpuid_features(r, cpuid)
    if not present:
        return None
    return Cpu(mode=CpuMode.HOST_PASSTHROUGH, features=tuple(features), span=r.top)


def _cpuid_features(r, text: str) -> List[CpuFeature]:
    span = r.settings["cpuid"].span
    parts = text.split(",")
    if parts[0] != "host":
        r.report(XEN427, f"cpuid = {text!r}: only libxl's \"host,NAME=VALUE,…\" form has a "
                 "domain XML equivalent", span, hint='start the string with "host,"')
        return []
    out: List[CpuFeature] = []
    for part in parts[1:]:
        name, sep, value = part.partition("=")
        policy = CPUID_POLICIES.get(value) if sep and name else None
        if policy is None:
            r.report(XEN427, f"cpuid item {part!r}: expected NAME=1, 0, x, k or s", span)
            continue
        out.append(CpuFeature(policy, LIBVIRT_NAMES.get(name, name), span))
    return out
