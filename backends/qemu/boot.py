"""Boot order, direct kernel boot and lifecycle actions."""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from ...compiler.diagnostics import Span
from ...compiler.ir import BootDev, Domain, LifecycleAction
from ...compiler.rules.codes import QEMU305, QEMU306, QEMU316
from .context import QemuContext
from .dialects import Cap
from .opts import Option, Opts, Raw

BOOT_LETTER: Dict[BootDev, str] = {
    BootDev.FD: "a",
    BootDev.HD: "c",
    BootDev.CDROM: "d",
    BootDev.NETWORK: "n",
}

DEFAULT_ON_POWEROFF = LifecycleAction.DESTROY
DEFAULT_ON_REBOOT = LifecycleAction.RESTART
DEFAULT_ON_CRASH = LifecycleAction.RESTART

# What each action means for QEMU, per event. A switch string, or None = QEMU's own default
# behaviour already matches, or NOT_EXPRESSIBLE = QEMU305. `-action` forms need Cap.ACTION.
NOT_EXPRESSIBLE = "!"
ON_POWEROFF: Dict[LifecycleAction, Optional[str]] = {
    LifecycleAction.DESTROY: None,                 # QEMU exits when the guest powers off
    LifecycleAction.PRESERVE: "-no-shutdown",      # stays, stopped, for inspection
    LifecycleAction.RESTART: NOT_EXPRESSIBLE,      # QEMU can't boot again after poweroff
    LifecycleAction.RENAME_RESTART: NOT_EXPRESSIBLE,
}
ON_REBOOT: Dict[LifecycleAction, Optional[str]] = {
    LifecycleAction.RESTART: None,                 # QEMU resets the guest in place
    LifecycleAction.DESTROY: "-no-reboot",         # QEMU exits instead of resetting
    LifecycleAction.PRESERVE: NOT_EXPRESSIBLE,
    LifecycleAction.RENAME_RESTART: NOT_EXPRESSIBLE,
}
# A crash is only visible to QEMU through a guest panic notifier (pvpanic), which the 2007
# format cannot declare; `-action panic=` sets what happens when one fires.
ON_CRASH: Dict[LifecycleAction, Optional[str]] = {
    LifecycleAction.RESTART: None,                 # the guest kernel reboots itself on panic
    LifecycleAction.DESTROY: "panic=shutdown",
    LifecycleAction.PRESERVE: "panic=pause",
    LifecycleAction.RENAME_RESTART: NOT_EXPRESSIBLE,
}


def build_boot(domain: Domain, ctx: QemuContext) -> List[Option]:
    """-boot: the <boot dev> order, and <bootmenu>/<bios rebootTimeout> as libvirt writes
    them (menu=on|off, splash-time=MS, reboot-timeout=MS, then strict=on, which libvirt
    always adds; virtc adds it with these settings only, so a plain boot order reads as in
    every dialect before)."""
    os_ = domain.os
    boots = () if os_.kernel else os_.boot
    letters = "".join(dict.fromkeys(BOOT_LETTER[b.dev] for b in boots))
    menu, bios = os_.bootmenu, os_.bios
    extras = (("menu", menu.enable if menu is not None else None),
              ("splash-time", menu.timeout if menu is not None and menu.enable else None),
              ("reboot-timeout", bios.reboot_timeout if bios is not None else None))
    extras = tuple((k, v) for k, v in extras if v is not None)
    if not letters and not extras:
        return []
    span = boots[0].span if boots else (menu or bios).span
    if ctx.has(Cap.BOOT_ORDER):
        strict = (("strict", True),) if extras else ()
        return [Option("-boot", Opts.of(None, ("order", letters or None), *extras, *strict),
                       span)]
    if extras:
        ctx.unsupported((menu or bios).span, "<bootmenu> and <bios rebootTimeout>",
                        "the guest boots without a menu; use QEMU 0.12 or later", rule=QEMU316)
    if not letters:
        return []
    if len(letters) > 1:
        ctx.unsupported(boots[1].span, f"a boot order of several devices ({letters})",
                        f"this dialect boots from one device; using the first,"
                        f" <boot dev='{boots[0].dev.value}'>", rule=QEMU316)
    return [Option("-boot", Raw(letters[0]), boots[0].span)]


def build_kernel(domain: Domain, ctx: QemuContext) -> List[Option]:
    os_ = domain.os
    cmdline = kernel_cmdline(os_.root, os_.cmdline)
    initrd_span = os_.span_of("initrd")
    # -append joins <root> and <cmdline>; a value it can't carry is more often the cmdline.
    append_span = os_.span_of("cmdline" if os_.cmdline else "root")
    if not os_.kernel:
        if os_.dtb:
            ctx.diags.add(QEMU306, "<dtb> without <kernel> has no QEMU equivalent and is"
                          " ignored: QEMU hands a device tree only to a kernel it loads itself",
                          os_.span_of("dtb"), "add <kernel> or remove <dtb>")
        if os_.initrd or cmdline is not None:
            # QEMU refuses -initrd/-append without -kernel.
            ctx.diags.add(QEMU306, "<initrd>/<cmdline>/<root> without <kernel> has no QEMU"
                          " equivalent and is ignored: QEMU only hands them to a kernel it"
                          " loads itself", initrd_span if os_.initrd else append_span,
                          "add <kernel> or remove them")
        return []
    out = [Option("-kernel", Raw(os_.kernel), os_.span_of("kernel"))]
    if os_.initrd:
        out.append(Option("-initrd", Raw(os_.initrd), initrd_span))
    if cmdline is not None:
        out.append(Option("-append", Raw(cmdline), append_span))
    if os_.dtb:
        out.append(Option("-dtb", Raw(os_.dtb), os_.span_of("dtb")))
    return out


def kernel_cmdline(root: Optional[str], cmdline: Optional[str]) -> Optional[str]:
    """libvirt's Xen semantics: <root> becomes `root=X` in front of <cmdline>."""
    parts = []
    if root:
        parts.append(f"root={root}")
    if cmdline and cmdline.strip():
        parts.append(cmdline.strip())
    return " ".join(parts) if parts else None


def build_lifecycle(domain: Domain, ctx: QemuContext) -> List[Option]:
    out: List[Option] = []
    events: Tuple[Tuple[str, LifecycleAction, Dict[LifecycleAction, Optional[str]], Span], ...] = (
        ("on_poweroff", domain.on_poweroff, ON_POWEROFF, domain.span_of("on_poweroff")),
        ("on_reboot", domain.on_reboot, ON_REBOOT, domain.span_of("on_reboot")),
        ("on_crash", domain.on_crash, ON_CRASH, domain.span_of("on_crash")),
    )
    if domain.on_crash_dump:
        # libvirt dumps the guest's memory itself (QMP dump-guest-memory) when a panic event
        # arrives; a QEMU command line has no such action.
        ctx.diags.add(QEMU305, f"<on_crash>coredump-{domain.on_crash.value}</on_crash> cannot"
                      " be expressed on the QEMU command line: QEMU has no action that dumps"
                      " the guest's memory", domain.span_of("on_crash"),
                      "a management layer watching QMP events must run dump-guest-memory, or"
                      f" write <on_crash>{domain.on_crash.value}</on_crash>")
    for element, action, table, span in events:
        spelled = table[action]
        if spelled is None:
            continue
        if spelled != NOT_EXPRESSIBLE and spelled.startswith("-"):
            out.append(Option(spelled, None, span))
            continue
        if spelled != NOT_EXPRESSIBLE and ctx.has(Cap.ACTION):
            out.append(Option("-action", Raw(spelled), span))
            continue
        reason = ("QEMU has no such action" if spelled == NOT_EXPRESSIBLE
                  else f"it needs -action (QEMU 6.0+), not in QEMU {ctx.dialect.version}")
        ctx.diags.add(QEMU305, f"<{element}>{action.value}</{element}> cannot be expressed"
                      f" on the QEMU command line: {reason}", span,
                      "a management layer watching QMP events must implement it, or choose"
                      " an action this table supports (see docs/qemu-mapping.md)")
    return out
