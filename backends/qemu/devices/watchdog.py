"""<watchdog> → its device and the machine's watchdog action (compiler/devices/watchdog.py).

    <watchdog model='i6300esb' action='poweroff'/>
    -device i6300esb,id=watchdog0 -action watchdog=poweroff          (QEMU 6.0+)
    -device i6300esb,id=watchdog0 -watchdog-action poweroff          (before)

    <watchdog model='itco' action='reset'/>                           (q35)
    -global ICH9-LPC.noreboot=off -action watchdog=reset

As libvirt's qemuBuildWatchdogCommandLine: ib700 is an ISA device (no address), i6300esb a
PCI one; q35's iTCO timer is always there, and libvirt lets it fire by clearing the LPC
bridge's "no reboot" strap. QEMU has no dump action: libvirt asks for pause and dumps the
guest itself when the event comes (QEMU381). libvirt 9.0 still writes -watchdog-action;
virtc writes -action watchdog= where QEMU has it (the same setting: QEMU's
select_watchdog_action and -action watchdog= both set the one watchdog action).
"""
from __future__ import annotations

from typing import Dict, List

from ....compiler.devices.watchdog import (QEMU380, QEMU381, Watchdog, WatchdogAction,
                                           WatchdogModel)
from ....compiler.ir import Domain
from ....compiler.rules.codes import QEMU320
from ..context import QemuContext
from ..dialects import Cap
from ..opts import Option, Opts, Raw
from . import device_id, is_q35, not_compiled, placement

# libvirt's action → QEMU's WatchdogAction (the same names, but dump: see above).
ACTION: Dict[WatchdogAction, str] = {
    WatchdogAction.RESET: "reset",
    WatchdogAction.SHUTDOWN: "shutdown",
    WatchdogAction.POWEROFF: "poweroff",
    WatchdogAction.PAUSE: "pause",
    WatchdogAction.NONE: "none",
    WatchdogAction.DUMP: "pause",
    WatchdogAction.INJECT_NMI: "inject-nmi",
}


def build(node: Watchdog, domain: Domain, ctx: QemuContext) -> List[Option]:
    if node.model is WatchdogModel.DIAG288:
        ctx.diags.add(QEMU320, "<watchdog model='diag288'> is s390's watchdog; virtc compiles"
                      " x86 guests, where QEMU has no such device", node.span,
                      hint="use model='i6300esb', 'ib700' or (q35) 'itco'")
        return []
    if node.model is WatchdogModel.ITCO and not is_q35(domain):
        ctx.diags.add(QEMU380, f"<watchdog model='itco'> is q35's built-in timer; machine "
                      f"'{domain.os.machine}' has none", node.span,
                      hint="use model='i6300esb' or 'ib700', or a q35 machine")
        return []
    options = _device(node, domain, ctx)
    if options is None:
        return []
    watchdogs = [n for n in domain.devices.families if isinstance(n, Watchdog)]
    if watchdogs[0] is not node:
        if node.action is not watchdogs[0].action:
            ctx.diags.add(QEMU380, f"<watchdog action='{node.action.value}'> differs from the"
                          f" first watchdog's action='{watchdogs[0].action.value}'; QEMU has"
                          " one watchdog action for the whole machine", node.span,
                          hint=f"give every <watchdog> action='{watchdogs[0].action.value}'")
        return options
    return options + _action(node, ctx)


def _device(node: Watchdog, domain: Domain, ctx: QemuContext):
    if node.model is WatchdogModel.ITCO:
        not_compiled(node, ctx, honoured=("alias",))
        return [Option("-global", Raw("ICH9-LPC.noreboot=off"), node.span)]
    pci = node.model is WatchdogModel.I6300ESB
    not_compiled(node, ctx, honoured=("alias", "address") if pci else ("alias",))
    dev_id = device_id(node.info, node.span, ctx)
    where = placement(node.info, domain, ctx, "<watchdog>") if pci else ()
    if dev_id is None or where is None:
        return None
    return [Option("-device", Opts.of(node.model.value, ("id", dev_id), *where), node.span)]


def _action(node: Watchdog, ctx: QemuContext) -> List[Option]:
    if node.action is WatchdogAction.DUMP:
        ctx.diags.add(QEMU381, "<watchdog action='dump'>: QEMU pauses the guest when the "
                      "watchdog fires, and without libvirtd nothing dumps its memory",
                      node.span, hint="see `virtc rule QEMU381`")
    action = ACTION[node.action]         # written even for reset, QEMU's default, as libvirt does
    if ctx.has(Cap.ACTION):
        return [Option("-action", Raw(f"watchdog={action}"), node.span)]
    return [Option("-watchdog-action", Raw(action), node.span)]
