"""<features>, <clock> and <pm> on Xen, both ways: the xm/xl keys each maps to
(build_*) and back (read_*), as libvirt pairs xenFormatHypervisorFeatures /
xenFormatTimeOffset with xenParseHypervisorFeatures / xenParseTimeOffset
(src/libxl/xen_common.c). The same keys serve xm and xl.

| XML                                   | key                | guest |
|---------------------------------------|--------------------|-------|
| <pae/> <acpi/> <apic/>                | pae, acpi, apic    | HVM   |
| <hap state='off'/>                    | hap = 0            | HVM   |
| <viridian/>                           | viridian = 1       | HVM   |
| <xen><e820_host state='on'/>          | e820_host = 1      | PV    |
| <xen><passthrough state mode>         | passthrough        | both  |
| <timer name='hpet' present>           | hpet = 0/1         | HVM   |
| <timer name='tsc' mode>               | tsc_mode           | both  |
| <clock offset='localtime'>            | localtime = 1      | both  |
| <clock offset='variable' basis adj>   | localtime, rtc_timeoffset | HVM |

Where virtc differs from libvirt: libvirt writes viridian = 0 and rtc_timeoffset = 0 for
every HVM guest, and reads every HVM clock back as offset='variable'. virtc writes
viridian only when on and rtc_timeoffset only for offset='variable', and reads
rtc_timeoffset back as 'variable' only when the key is there, so the configs of the 2007
format stay as they were and XML → config → XML is a fixed point.

Everything else in these elements has no xm/xl key (Hyper-V, KVM, SMM, vmport, pmu,
the other timers, timezone/absolute offsets, <pm>): XEN440 on its line, as for any part
of a document Xen can't carry.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from ....compiler import uncompiled
from ....compiler.ir import Uncompiled
from ....compiler.platform.clock import (RESET, Clock, ClockBasis, ClockOffset, Timer,
                                        TimerName, TscMode)
from ....compiler.platform.features import Features, Passthrough, XenFeatures, XenPassthroughMode
from ....compiler.platform.switches import State, is_on
from ....compiler.rules.codes import XEN418, XEN427, XEN440, XEN441
from ..common import Builder, Config
from ..import_values import ConfigReader

# tsc_mode per <timer name='tsc' mode=…> (xl.cfg(5) "tsc_mode"); absent mode is "default".
TSC_MODES: Dict[Optional[TscMode], str] = {
    None: "default",
    TscMode.AUTO: "default",
    TscMode.NATIVE: "native",
    TscMode.EMULATE: "always_emulate",
    TscMode.PARAVIRT: "native_paravirt",
    TscMode.SMPSAFE: "default",
}
_TSC_READ = {"default": TscMode.AUTO, "native": TscMode.NATIVE,
             "always_emulate": TscMode.EMULATE, "native_paravirt": TscMode.PARAVIRT}

# Which offsets each guest kind can have (xenFormatTimeOffset).
HVM_OFFSETS = (ClockOffset.UTC, ClockOffset.LOCALTIME, ClockOffset.VARIABLE)
PV_OFFSETS = (ClockOffset.UTC, ClockOffset.LOCALTIME)

# <features> children with no xm/xl key: (field, tag as a person reads it).
_NO_KEY = (("hyperv", "hyperv"), ("kvm", "kvm"), ("pvspinlock", "pvspinlock"),
           ("pmu", "pmu"), ("vmport", "vmport"), ("smm", "smm"), ("ioapic", "ioapic"),
           ("vmcoreinfo", "vmcoreinfo"), ("privnet", "privnet"))


def _not_compiled(b: Builder, path: str, span, value: Optional[str] = None) -> None:
    uncompiled.report([Uncompiled(path, span, value=value)], b.diags, "Xen", XEN440, XEN441)
    b.failed = True


# ------------------------------------------------------------------ XML → config

def build_features(b: Builder, config: Config) -> None:
    f = b.domain.features
    if b.hvm:
        config.set("pae", int(f.pae))
        config.set("acpi", int(f.acpi))
        config.set("apic", int(f.apic))
        if f.hap is not None and not f.hap.on:
            config.set("hap", 0)
        if is_on(f.viridian):
            config.set("viridian", 1)
    else:
        for name in ("pae", "acpi", "apic", "hap", "viridian"):
            if f.on(name):
                b.report(XEN418, f"<features><{name}/> applies to HVM guests only; ignored for "
                         f"this paravirtualized guest", f.span_of(name))
    if f.apic_eoi is not None:
        _not_compiled(b, "features/apic@eoi", f.span_of("apic"),
                      "on" if f.apic_eoi else "off")
    for field, tag in _NO_KEY:
        value = getattr(f, field)
        if value is not None:
            _not_compiled(b, f"features/{tag}", value.span)
    if f.xen is not None:
        _build_xen(b, config, f.xen)


def _build_xen(b: Builder, config: Config, xen: XenFeatures) -> None:
    if xen.e820_host is not None:
        if b.hvm:
            b.report(XEN418, "<xen><e820_host> applies to paravirtualized guests only; ignored "
                     "for this HVM guest", xen.e820_host.span)
        elif xen.e820_host.on:
            config.set("e820_host", 1)
    p = xen.passthrough
    if p is not None:
        # xl.cfg(5): "enabled" lets libxl pick the mode; "disabled" turns passthrough off.
        config.set("passthrough", (p.mode.value if p.mode else "enabled") if p.on
                   else "disabled")


def build_timers(b: Builder, config: Config) -> None:
    """hpet and tsc_mode; libvirt refuses every other timer for Xen, and so does virtc."""
    seen = set()
    for timer in b.domain.clock.timers:
        if timer.name is TimerName.TSC and timer.name not in seen:
            config.set("tsc_mode", TSC_MODES[timer.mode])
            _unused_attrs(b, timer, ("present", "tickpolicy", "track", "frequency", "catchup"))
        elif timer.name is TimerName.HPET and b.hvm and timer.name not in seen:
            config.set("hpet", int(timer.present is not False))
            _unused_attrs(b, timer, ("tickpolicy", "track", "frequency", "mode", "catchup"))
        else:
            _not_compiled(b, "clock/timer", timer.span)
        seen.add(timer.name)


def _unused_attrs(b: Builder, timer: Timer, names: Tuple[str, ...]) -> None:
    for name in names:
        value = getattr(timer, name)
        if value is None or (name == "present" and value is True):
            continue
        if name == "catchup":
            _not_compiled(b, "clock/timer/catchup", value.span)
        else:
            _not_compiled(b, f"clock/timer@{name}", timer.span,
                          getattr(value, "value", None) or str(value).lower())


def build_clock(b: Builder, config: Config) -> None:
    clock = b.domain.clock
    allowed = HVM_OFFSETS if b.hvm else PV_OFFSETS
    if clock.offset not in allowed:
        kind = "HVM" if b.hvm else "paravirtualized"
        b.report(XEN440, f"<clock offset='{clock.offset.value}'> has no xm/xl setting for a "
                 f"{kind} guest (libvirt refuses it too)", clock.span,
                 hint="use offset='utc' or 'localtime'"
                      + (", or 'variable' with basis= and adjustment=" if b.hvm else ""))
        return
    if clock.offset is ClockOffset.VARIABLE:
        # xl's grammar has no negative numbers; libxlu reads a quoted one with strtol.
        seconds = clock.seconds
        config.set("rtc_timeoffset", str(seconds) if seconds < 0 and b.target == "xen-xl"
                   else seconds)
        config.set("localtime", int(clock.basis is ClockBasis.LOCALTIME))
        return
    if clock.adjustment == RESET and b.hvm:
        b.report(XEN440, "<clock adjustment='reset'>: an HVM guest's emulated RTC keeps its "
                 "offset across boots; xm/xl can't reset it (libvirt refuses it too)",
                 clock.span, hint="remove adjustment='reset'")
        return
    config.set("localtime", int(clock.offset is ClockOffset.LOCALTIME))


def build_pm(b: Builder, config: Config) -> None:
    if b.domain.pm is not None:
        _not_compiled(b, "pm", b.domain.pm.span)


# ------------------------------------------------------------------ config → XML

def read_features(r: ConfigReader, hvm: bool) -> Features:
    values: dict = {}
    # Absent from an HVM config, each is on: xend's, xl's (xl.cfg(5)) and libvirt's default
    # (xenParseHypervisorFeatures reads them with a default of 1).
    for key in ("pae", "acpi", "apic"):
        value = r.flag(key)
        values[key] = bool(value) if value is not None else hvm
    if hvm:
        hap = r.flag("hap")
        if hap is False:
            values["hap"] = State(False, r.settings["hap"].span)
        if r.flag("viridian"):
            values["viridian"] = State(True, r.settings["viridian"].span)
    else:
        for key in ("hap", "viridian"):
            if key in r.settings:
                r.get(key)
                r.report(XEN418, f"key {key} applies to HVM guests only; ignored",
                         r.settings[key].span)
    xen = _read_xen(r, hvm)
    if xen is not None:
        values["xen"] = xen
    return Features(span=r.top, **values)


def _read_xen(r: ConfigReader, hvm: bool) -> Optional[XenFeatures]:
    values: dict = {}
    if not hvm and r.flag("e820_host"):
        values["e820_host"] = State(True, r.settings["e820_host"].span)
    elif hvm and "e820_host" in r.settings:
        r.get("e820_host")
        r.report(XEN418, "key e820_host applies to paravirtualized guests only; ignored",
                 r.settings["e820_host"].span)
    mode = r.string("passthrough")
    if mode is not None:
        span = r.settings["passthrough"].span
        if mode == "disabled":
            values["passthrough"] = Passthrough(state="off", span=span)
        elif mode == "enabled":
            values["passthrough"] = Passthrough(state="on", span=span)
        elif mode in ("sync_pt", "share_pt"):
            values["passthrough"] = Passthrough(state="on", mode=XenPassthroughMode(mode),
                                                span=span)
        else:
            r.report(XEN427, f"passthrough = {mode!r} is not a passthrough mode", span,
                     hint='use "enabled", "disabled", "sync_pt" or "share_pt"')
    return XenFeatures(span=r.top, **values) if values else None


def _signed(r: ConfigReader, key: str) -> Optional[int]:
    """A number that may be negative: xm writes -3600, xl "-3600" (see build_clock)."""
    s = r.settings.get(key)
    if s is not None and isinstance(s.value, str) and s.value.strip().startswith("-") \
            and s.value.strip()[1:].isdigit():
        r.get(key)
        return int(s.value.strip())
    return r.integer(key)


def read_clock(r: ConfigReader, hvm: bool) -> Clock:
    localtime = r.flag("localtime")
    timers: List[Timer] = []
    tsc = r.string("tsc_mode")
    if tsc is not None:
        if tsc in _TSC_READ:
            timers.append(Timer(TimerName.TSC, mode=_TSC_READ[tsc],
                                span=r.settings["tsc_mode"].span))
        else:
            r.report(XEN427, f"tsc_mode = {tsc!r} is not a TSC mode", r.settings["tsc_mode"].span,
                     hint='use "default", "native", "always_emulate" or "native_paravirt"')
    hpet = r.flag("hpet") if hvm else None
    if hpet is not None:
        timers.append(Timer(TimerName.HPET, present=hpet, span=r.settings["hpet"].span))
    offset = _signed(r, "rtc_timeoffset") if hvm else None
    if offset is not None:
        return Clock(ClockOffset.VARIABLE, adjustment=offset,
                     basis=ClockBasis.LOCALTIME if localtime else ClockBasis.UTC,
                     timers=tuple(timers), span=r.top)
    return Clock(ClockOffset.LOCALTIME if localtime else ClockOffset.UTC,
                 timers=tuple(timers), span=r.top)
