"""<clock>: the guest's time base and its timers.

    <clock offset='variable' adjustment='3600' basis='localtime'>
      <timer name='rtc' tickpolicy='catchup' track='guest'>
        <catchup threshold='123' slew='120' limit='10000'/>
      </timer>
      <timer name='pit' tickpolicy='delay'/>
      <timer name='hpet' present='no'/>
      <timer name='tsc' frequency='3504000000' mode='native'/>
      <timer name='kvmclock' present='yes'/>
      <timer name='hypervclock' present='yes'/>
    </clock>

Schema: schemas/domain/clock.xsd. Builders: backends/qemu/platform/clock.py (-rtc, the
PIT's and HPET's options; kvmclock, hypervclock and the TSC frequency go on -cpu through
backends/qemu/platform/features.py), backends/xen/platform/features.py (localtime,
rtc_timeoffset, hpet, tsc_mode).

Everything the schema allows is lowered; what a backend can't build is that backend's
finding. One libvirt rule is applied here, where libvirt's parser applies it: a numeric
adjustment on offset='utc' or 'localtime' is offset='variable' with that basis
(virDomainClockDef parsing in libvirt's domain_conf.c); adjustment='reset' stays on its
offset.
"""
from __future__ import annotations

from typing import Any, ClassVar, Optional, Tuple, Union

from ..devices.xmlmap import Attr, Child, Children, Conv, lower, write, yes_no
from ..diagnostics import Span
from ..node import Choice, Node, replace
from ..reader import Reader
from .switches import NOWHERE


class ClockOffset(Choice):
    UTC = "utc"
    LOCALTIME = "localtime"
    TIMEZONE = "timezone"         # localtime of the named zone (timezone=)
    VARIABLE = "variable"         # basis plus adjustment seconds; the guest may change it
    ABSOLUTE = "absolute"         # a fixed epoch second (start=)


class ClockBasis(Choice):
    UTC = "utc"
    LOCALTIME = "localtime"


class TimerName(Choice):
    PLATFORM = "platform"
    RTC = "rtc"
    TSC = "tsc"
    HPET = "hpet"
    PIT = "pit"
    ARMVTIMER = "armvtimer"
    KVMCLOCK = "kvmclock"
    HYPERVCLOCK = "hypervclock"


class TimerTrack(Choice):
    BOOT = "boot"
    GUEST = "guest"
    WALL = "wall"
    REALTIME = "realtime"


class TickPolicy(Choice):
    DELAY = "delay"               # deliver late ticks at the normal rate
    MERGE = "merge"               # merge missed ticks into one
    DISCARD = "discard"           # drop missed ticks
    CATCHUP = "catchup"           # deliver missed ticks faster


class TscMode(Choice):
    AUTO = "auto"
    NATIVE = "native"
    EMULATE = "emulate"
    PARAVIRT = "paravirt"
    SMPSAFE = "smpsafe"


RESET = "reset"
# adjustment='reset' or a signed number of seconds.
_ADJUSTMENT = Conv(lambda text: text if text == RESET else int(text),
                   lambda value: value if value == RESET else str(value))


class Catchup(Node):
    """<catchup threshold slew limit>: how a catchup tick policy catches up."""

    TAG: ClassVar[str] = "catchup"
    XML: ClassVar[tuple] = (Attr("threshold", "threshold", int), Attr("slew", "slew", int),
                            Attr("limit", "limit", int))
    threshold: Optional[int] = None
    slew: Optional[int] = None
    limit: Optional[int] = None
    span: Span = NOWHERE


class Timer(Node):
    """One <timer>."""

    TAG: ClassVar[str] = "timer"
    XML: ClassVar[tuple] = (
        Attr("name", "name", TimerName), Attr("present", "present", yes_no),
        Attr("tickpolicy", "tickpolicy", TickPolicy), Attr("track", "track", TimerTrack),
        Attr("frequency", "frequency", int), Attr("mode", "mode", TscMode),
        Child("catchup", Catchup),
    )
    name: TimerName = TimerName.RTC
    present: Optional[bool] = None
    tickpolicy: Optional[TickPolicy] = None
    track: Optional[TimerTrack] = None
    frequency: Optional[int] = None      # Hz (tsc)
    mode: Optional[TscMode] = None       # tsc
    catchup: Optional[Catchup] = None
    span: Span = NOWHERE


class Clock(Node):
    """The <clock> element."""

    TAG: ClassVar[str] = "clock"
    XML: ClassVar[tuple] = (
        Attr("offset", "offset", ClockOffset), Attr("adjustment", "adjustment", _ADJUSTMENT),
        Attr("basis", "basis", ClockBasis), Attr("timezone", "timezone", str),
        Attr("start", "start", int), Children("timers", Timer),
    )
    offset: ClockOffset = ClockOffset.UTC
    adjustment: Union[int, str, None] = None   # seconds, or "reset" (utc/localtime)
    basis: Optional[ClockBasis] = None         # variable: what adjustment is added to
    timezone: Optional[str] = None             # timezone: e.g. "Europe/Paris"
    start: Optional[int] = None                # absolute: epoch seconds
    timers: Tuple[Timer, ...] = ()
    span: Span = NOWHERE

    def timer(self, name: TimerName) -> Optional[Timer]:
        """The last <timer name=…> (libvirt keeps one per name; a later one wins)."""
        found = [t for t in self.timers if t.name is name]
        return found[-1] if found else None

    @property
    def seconds(self) -> int:
        """The adjustment in seconds (0 when none, or for 'reset')."""
        return self.adjustment if isinstance(self.adjustment, int) else 0


def lower_clock(r: Reader, el) -> Clock:
    if el is None:
        return Clock()
    clock = lower(Clock, r, el)
    if clock.offset in (ClockOffset.UTC, ClockOffset.LOCALTIME) and isinstance(
            clock.adjustment, int):
        clock = replace(clock, offset=ClockOffset.VARIABLE,
                        basis=ClockBasis(clock.offset.value))
    return clock


def write_clock(clock: Clock) -> Any:
    return write(clock)


__all__ = ["Clock", "ClockOffset", "ClockBasis", "Timer", "TimerName", "TimerTrack",
           "TickPolicy", "TscMode", "Catchup", "RESET", "lower_clock", "write_clock"]
