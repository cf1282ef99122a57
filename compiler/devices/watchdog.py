"""<watchdog>: a virtual hardware watchdog and what happens when it fires.

    <watchdog model='i6300esb' action='reset'/>     a PCI device
    <watchdog model='ib700' action='poweroff'/>      an ISA device
    <watchdog model='itco' action='pause'/>          q35's built-in iTCO timer (libvirt 9.1)

Schema: schemas/domain/watchdog.xsd. Builder: backends/qemu/devices/watchdog.py.

Read: model=, action= and the DeviceInfo. Every watchdog of a guest shares one action: QEMU
has a single watchdog action for the whole machine (the builder says so when they differ).
"""
from __future__ import annotations

from typing import ClassVar

from ..diagnostics import Severity, Span
from ..ir import NOWHERE
from ..rules.codes import Code
from .info import EMPTY, DeviceInfo
from .xmlmap import Attr, Info
from ..node import Choice, Node, replace


class WatchdogModel(Choice):
    I6300ESB = "i6300esb"       # Intel 6300ESB, a PCI device
    IB700 = "ib700"             # iBase IB700, an ISA device
    DIAG288 = "diag288"         # s390's diagnose 288
    ITCO = "itco"               # the ICH9 LPC bridge's TCO timer (q35 only)


class WatchdogAction(Choice):
    RESET = "reset"
    SHUTDOWN = "shutdown"       # an ACPI power button press
    POWEROFF = "poweroff"       # pull the plug
    PAUSE = "pause"
    NONE = "none"
    DUMP = "dump"               # libvirt pauses the guest, dumps its memory, resumes it
    INJECT_NMI = "inject-nmi"


class Watchdog(Node):
    """One <watchdog>."""

    TAG: ClassVar[str] = "watchdog"
    XML: ClassVar[tuple] = (
        Attr("model", "model", WatchdogModel),
        Attr("action", "action", WatchdogAction),
        Info(),
    )
    model: WatchdogModel = WatchdogModel.I6300ESB
    action: WatchdogAction = WatchdogAction.RESET
    info: DeviceInfo = EMPTY
    span: Span = NOWHERE


NODE = Watchdog

# Reported by backends/qemu/devices/watchdog.py; documented in rules() below.
QEMU380 = Code("QEMU380", Severity.ERROR)
QEMU381 = Code("QEMU381", Severity.WARNING)


def rules():
    from ..rules import Rule

    return (
        Rule(QEMU380, "watchdog-not-expressible",
             "A <watchdog> QEMU can't give this guest: an itco watchdog on a machine other "
             "than q35 (the timer is part of q35's ICH9 chipset), or several watchdogs with "
             "different actions.",
             "libvirt refuses to start such a guest: QEMU has one watchdog action for the "
             "whole machine, and only q35 has an iTCO timer.",
             "<os><type machine='pc'>hvm</type></os> … <watchdog model='itco'/>",
             "use model='i6300esb' (PCI) or 'ib700' (ISA) on pc; give every <watchdog> the "
             "same action"),
        Rule(QEMU381, "watchdog-dump-pauses",
             "<watchdog action='dump'> under plain QEMU: the guest is paused when the "
             "watchdog fires, and nothing dumps its memory.",
             "QEMU has no dump action. libvirt asks QEMU to pause, dumps the guest's memory "
             "when it sees the watchdog event, and resumes it; without libvirtd nobody "
             "watches the event, so the guest stays paused.",
             "<watchdog model='i6300esb' action='dump'/>",
             "use action='pause' and dump the guest over QMP (dump-guest-memory) yourself, "
             "or choose another action"),
    )


def postparse(node: Watchdog, index: int, domain) -> Watchdog:
    """Defaults, as libvirt applies them: action reset when not written (the schema's
    default); alias `watchdog<N>` (qemuAssignDeviceAliases)."""
    return replace(node, info=replace(node.info, alias=node.info.alias or f"watchdog{index}"))
