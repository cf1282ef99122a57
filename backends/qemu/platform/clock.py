"""<clock>, its <timer>s and <pm> on QEMU, as libvirt's qemuBuildClockArgStr,
qemuBuildClockCommandLine and qemuBuildPMCommandLine write them
(compiler/platform/clock.py, compiler/platform/lifecycle.py).

-rtc: `base=` utc, localtime, or a date: offset='variable' (basis plus adjustment) and
'absolute' (start=) are a fixed start date, computed when virtc compiles as libvirt computes
it when it starts the guest (QEMU360 says so); offset='timezone' is the time in that zone
then (libvirt sets TZ for QEMU and writes base=localtime, which QEMU reads once at start:
the same date). The rtc timer adds `clock=` (track guest → vm, wall → host, realtime → rt)
and `driftfix=slew` (tickpolicy catchup). utc with nothing else is QEMU's default: no -rtc,
as in the 2007 dialects.

The PIT: tickpolicy delay → `-global kvm-pit.lost_tick_policy=delay`, discard → `discard`;
catchup is kvm-pit's own reinjection and needs nothing (libvirt's rule). The HPET:
present='no' → `-machine hpet=off` (QEMU 5.2+), else `-no-hpet` (removed in 9.0).
kvmclock, hypervclock and the TSC frequency are CPU properties (features.py).

<pm>: `-global PIIX4_PM.disable_s3=1` (pc) or `ICH9-LPC.disable_s3=1` (q35) for
suspend-to-mem enabled='no', `=0` for 'yes'; disable_s4 likewise for suspend-to-disk.
"""
from __future__ import annotations

import datetime
import time
from typing import List, Optional, Tuple, Union

from ....compiler import uncompiled
from ....compiler.ir import Domain, Uncompiled
from ....compiler.platform.clock import (ClockBasis, ClockOffset, TickPolicy, Timer,
                                         TimerName, TimerTrack)
from ....compiler.rules.codes import QEMU301, QEMU320, QEMU321, QEMU360
from ..context import QemuContext
from ..dialects import Cap
from ..opts import Option, Opts, Raw
from .features import is_q35

Pair = Tuple[str, Union[str, int, bool]]

DATE = "date"       # base= is a date, computed (rtc_base)
RTC_BASE = {ClockOffset.UTC: None, ClockOffset.LOCALTIME: "localtime",
            ClockOffset.TIMEZONE: DATE, ClockOffset.VARIABLE: DATE, ClockOffset.ABSOLUTE: DATE}
RTC_CLOCK = {TimerTrack.GUEST: "vm", TimerTrack.WALL: "host", TimerTrack.REALTIME: "rt",
             TimerTrack.BOOT: None}
PIT_POLICY = {TickPolicy.DELAY: "delay", TickPolicy.DISCARD: "discard",
              TickPolicy.CATCHUP: None, TickPolicy.MERGE: None}
# Each timer's attributes QEMU has a spelling for; the others are QEMU320.
_READ = {TimerName.RTC: ("tickpolicy", "track"), TimerName.PIT: ("tickpolicy",),
         TimerName.HPET: ("present",), TimerName.KVMCLOCK: ("present",),
         TimerName.HYPERVCLOCK: ("present",), TimerName.TSC: ("frequency",)}


def _now() -> float:
    return time.time()


def rtc_base(domain: Domain, ctx: QemuContext) -> Optional[str]:
    """QEMU's base= for the domain's offset (None: QEMU's default, utc)."""
    clock = domain.clock
    if RTC_BASE[clock.offset] != DATE:
        return RTC_BASE[clock.offset]
    when = datetime.datetime.fromtimestamp(_now(), datetime.timezone.utc)
    if clock.offset is ClockOffset.VARIABLE:
        seconds = clock.seconds
        if clock.basis is ClockBasis.LOCALTIME:
            seconds += int(datetime.datetime.now().astimezone().utcoffset().total_seconds())
        when = when + datetime.timedelta(seconds=seconds)
    elif clock.offset is ClockOffset.ABSOLUTE:
        when = datetime.datetime.fromtimestamp(clock.start or 0, datetime.timezone.utc)
    else:                                       # TIMEZONE
        when = _in_zone(clock, when, ctx)
        if when is None:
            return None
    if clock.offset is not ClockOffset.ABSOLUTE:
        ctx.diags.add(QEMU360, f"<clock offset='{clock.offset.value}'>: the guest's RTC starts"
                      f" at {when:%Y-%m-%dT%H:%M:%S}, computed now, as libvirt computes it"
                      " when it starts the guest", clock.span,
                      "start the guest soon after compiling, or compile again just before")
    return f"{when:%Y-%m-%dT%H:%M:%S}"


def _in_zone(clock, when: datetime.datetime, ctx: QemuContext) -> Optional[datetime.datetime]:
    try:
        import zoneinfo

        zone = zoneinfo.ZoneInfo(clock.timezone or "")
    except (ImportError, ValueError, OSError, KeyError):
        ctx.diags.add(QEMU301, f"<clock timezone='{clock.timezone}'> names no time zone this"
                      " host knows", clock.span, "use a tz database name, e.g. Europe/Paris")
        return None
    return when.astimezone(zone).replace(tzinfo=None)


def build_clock(domain: Domain, ctx: QemuContext) -> List[Option]:
    # adjustment='reset' needs nothing: QEMU's RTC starts from base= on every boot.
    clock = domain.clock
    _report_unread(domain, ctx)
    base = rtc_base(domain, ctx)
    if clock.offset is ClockOffset.TIMEZONE and base is None:
        return []
    rtc = clock.timer(TimerName.RTC)
    props: List[Tuple[str, Optional[str]]] = []
    if rtc is not None:
        props = _rtc_props(rtc, ctx)
    out: List[Option] = []
    if base is not None or any(v is not None for _, v in props):
        # libvirt always names the base; so does virtc once -rtc is written at all.
        out.extend(_rtc_option(base or "utc", props, domain, ctx))
    out.extend(_pit(domain, ctx))
    out.extend(_no_hpet(domain, ctx))
    return out


def _rtc_props(rtc: Timer, ctx: QemuContext) -> List[Tuple[str, Optional[str]]]:
    props: List[Tuple[str, Optional[str]]] = []
    if rtc.present is False:
        ctx.diags.add(QEMU301, "<timer name='rtc' present='no'>: a PC always has its RTC",
                      rtc.span, "remove present='no'")
    if rtc.track is not None:
        value = RTC_CLOCK[rtc.track]
        if value is None:
            ctx.diags.add(QEMU301, "<timer name='rtc' track='boot'> has no QEMU spelling"
                          " (libvirt refuses it too)", rtc.span,
                          "use track='guest', 'wall' or 'realtime'")
        props.append(("clock", value))
    if rtc.tickpolicy is TickPolicy.CATCHUP:
        props.append(("driftfix", "slew"))
    elif rtc.tickpolicy in (TickPolicy.MERGE, TickPolicy.DISCARD):
        ctx.diags.add(QEMU301, f"<timer name='rtc' tickpolicy='{rtc.tickpolicy.value}'> has no"
                      " QEMU spelling (libvirt refuses it too)", rtc.span,
                      "use tickpolicy='catchup' (driftfix=slew) or 'delay'")
    return props


def _rtc_option(base, props, domain: Domain, ctx: QemuContext) -> List[Option]:
    span = domain.clock.span
    if ctx.has(Cap.RTC):
        return [Option("-rtc", Opts.of(None, ("base", base), *props), span)]
    if base == "localtime" and ctx.has(Cap.LOCALTIME) and not any(v for _, v in props):
        return [Option("-localtime", None, span)]
    ctx.unsupported(span, f"<clock offset='{domain.clock.offset.value}'> and its rtc timer",
                    "use a newer dialect")
    return []


def _pit(domain: Domain, ctx: QemuContext) -> List[Option]:
    pit = domain.clock.timer(TimerName.PIT)
    if pit is None:
        return []
    if pit.present is False:
        ctx.diags.add(QEMU301, "<timer name='pit' present='no'>: QEMU's PC machines always"
                      " have a PIT", pit.span, "remove present='no'")
    if pit.tickpolicy is None:
        return []
    policy = PIT_POLICY[pit.tickpolicy]
    if pit.tickpolicy is TickPolicy.MERGE:
        ctx.diags.add(QEMU301, "<timer name='pit' tickpolicy='merge'> has no QEMU spelling"
                      " (libvirt refuses it too)", pit.span,
                      "use tickpolicy='delay', 'catchup' or 'discard'")
    if policy is None:
        return []
    if not ctx.has(Cap.KVM_PIT_POLICY):
        ctx.unsupported(pit.span, f"<timer name='pit' tickpolicy='{policy}'>",
                        "use QEMU 2.12 or later")
        return []
    return [Option("-global", Raw(f"kvm-pit.lost_tick_policy={policy}"), pit.span)]


def _hpet_off(domain: Domain):
    hpet = domain.clock.timer(TimerName.HPET)
    return hpet if hpet is not None and hpet.present is False else None


def machine_hpet(domain: Domain, ctx: QemuContext) -> List[Pair]:
    return [("hpet", False)] if _hpet_off(domain) and ctx.has(Cap.MACHINE_HPET) else []


def _no_hpet(domain: Domain, ctx: QemuContext) -> List[Option]:
    hpet = _hpet_off(domain)
    if hpet is None or ctx.has(Cap.MACHINE_HPET):
        return []
    if ctx.has(Cap.NO_HPET):
        return [Option("-no-hpet", None, hpet.span)]
    ctx.unsupported(hpet.span, "<timer name='hpet' present='no'>", "use another dialect")
    return []


def _report_unread(domain: Domain, ctx: QemuContext) -> None:
    """Timers and timer attributes QEMU has no option for: QEMU320 on their line."""
    items = []
    for timer in domain.clock.timers:
        read = _READ.get(timer.name)
        if read is None:                      # platform, armvtimer
            items.append(Uncompiled("clock/timer", timer.span, value=None))
            continue
        for name in ("present", "tickpolicy", "track", "frequency", "mode"):
            value = getattr(timer, name)
            if value is not None and name not in read and not (name == "present" and value):
                text = value.value if hasattr(value, "value") else (
                    ("yes" if value else "no") if isinstance(value, bool) else str(value))
                items.append(Uncompiled(f"clock/timer@{name}", timer.span, value=text))
        if timer.catchup is not None:
            items.append(Uncompiled("clock/timer/catchup", timer.catchup.span))
    uncompiled.report(items, ctx.diags, "QEMU", QEMU320, QEMU321)


def build_pm(domain: Domain, ctx: QemuContext) -> List[Option]:
    pm = domain.pm
    if pm is None:
        return []
    device = "ICH9-LPC" if is_q35(domain) else "PIIX4_PM"
    out: List[Option] = []
    for node, state in ((pm.suspend_to_mem, "s3"), (pm.suspend_to_disk, "s4")):
        if node is None or node.enabled is None:
            continue
        if not ctx.has(Cap.DISABLE_S3):
            ctx.unsupported(node.span, f"<pm><{node.TAG} enabled=…>", "use QEMU 2.12 or later")
            continue
        out.append(Option("-global", Raw(f"{device}.disable_{state}={0 if node.enabled else 1}"),
                          node.span))
    return out
