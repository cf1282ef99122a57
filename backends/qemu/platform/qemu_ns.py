"""libvirt's QEMU namespace on the command line (compiler/platform/qemu_ns.py), as libvirt's
qemuBuildCommandLine and qemuBuildCompatDeprecatedCommandLine write it:

    <qemu:arg value='-device'/><qemu:arg value='pvpanic'/>   →  … -device pvpanic
    <qemu:env name='FOO' value='bar'/>                        →  FOO=bar in QEMU's environment
    <qemu:deprecation behavior='reject'/>                     →  -compat '{"deprecated-output":
                                                                  "hide","deprecated-input":"reject"}'
    <qemu:override><qemu:device alias='A'>…                   →  the -device with id=A changed

Each <qemu:arg> is one argv word, never split or quoted: QEMU reads it as the user wrote
it, and virtc checks none of it (QEMU451, as libvirt taints the domain "custom-argv").
libvirt adds them after its devices and before -sandbox, panic, shmem, vsock and crypto;
virtc after every option it builds, so an argument may name any device virtc made (a
`-set device.ID.…`, a `-global`). The environment is not argv: `environment()` gives it,
and each output carries it (the API's `CompileResult.env`, `virtc compile`'s NAME=value
prefix, `virtc run` sets it for QEMU).
"""
from __future__ import annotations

import json
from typing import Dict, List

from ....compiler.ir import Domain
from ....compiler.platform.qemu_ns import (QEMU451, QEMU452, QEMU453, QemuNamespace,
                                           property_value)
from ....compiler.rules.codes import QEMU316
from ..context import QemuContext
from ..dialects import Cap
from ..opts import Option, Opts, Raw

# libvirt's -compat for each <qemu:deprecation behavior> (none writes nothing).
_COMPAT = {"omit": (("deprecated-output", "hide"),),
           "reject": (("deprecated-output", "hide"), ("deprecated-input", "reject")),
           "crash": (("deprecated-output", "hide"), ("deprecated-input", "crash"))}


def environment(domain: Domain) -> Dict[str, str]:
    """The variables QEMU's process gets besides the caller's environment."""
    ns = domain.qemu
    return ns.environment() if isinstance(ns, QemuNamespace) else {}


def build_compat(domain: Domain, ctx: QemuContext) -> List[Option]:
    """-compat, right after -name as libvirt writes it (always its JSON form)."""
    ns = domain.qemu
    if ns is None or ns.deprecation is None or ns.deprecation.behavior not in _COMPAT:
        return []
    if not ctx.has(Cap.COMPAT):
        ctx.unsupported(ns.deprecation.span, "<qemu:deprecation> (-compat)",
                        "remove it, or compile for QEMU 6.0 or later", rule=QEMU316)
        return []
    text = json.dumps(dict(_COMPAT[ns.deprecation.behavior]), separators=(",", ":"))
    return [Option("-compat", Raw(text), ns.deprecation.span)]


def build_args(domain: Domain, ctx: QemuContext) -> List[Option]:
    """The <qemu:arg> words, last; and what virtc does not check or honour, said once."""
    ns = domain.qemu
    if ns is None:
        return []
    for line in ns.commandlines:
        if line.args or line.env:
            ctx.diags.add(QEMU451, f"<qemu:commandline> passes {len(line.args)} argument(s)"
                          f" and {len(line.env)} environment variable(s) to QEMU unchecked:"
                          " virtc (like libvirt, which taints such a domain 'custom-argv')"
                          " does not know what they do", line.span,
                          hint="prefer the domain XML's own elements; check the arguments"
                          " against the QEMU you run")
    for caps in ns.capabilities:
        for item in (*caps.add, *caps.remove):
            op = "add" if item in caps.add else "del"
            ctx.diags.add(QEMU452, f"<qemu:{op} capability='{item.capability}'> changes what"
                          " libvirt's QEMU driver believes its QEMU can do; virtc picks"
                          " QEMU's options from the dialect, and ignores it", item.span,
                          hint="choose the QEMU with --qemu-version (docs/qemu-dialects.md)")
    return [Option(arg.value, None, arg.span) for arg in ns.args]


def apply_overrides(options: List[Option], domain: Domain, ctx: QemuContext) -> List[Option]:
    """Each <qemu:override><qemu:device alias> applied to the -device whose id is the
    alias, as libvirt's qemuBuildDeviceCommandlineHandleOverrides: each property is taken
    out, and put back last with its new value unless its type is 'remove'."""
    ns = domain.qemu
    if ns is None or not ns.overrides:
        return options
    out = list(options)
    for override in ns.overrides:
        for device in override.devices:
            at = [i for i, o in enumerate(out) if o.flag == "-device"
                  and isinstance(o.value, Opts) and o.value.get("id") == device.alias]
            if not at:
                ctx.diags.add(QEMU453, f"<qemu:device alias='{device.alias}'> names no device"
                              " of this domain's argv: its override changes nothing",
                              device.span, hint="give the alias of a device: its <alias"
                              " name>, or the id virtc writes for it (virtc compile)")
            for i in at:
                out[i] = _overridden(out[i], device.properties)
    return out


def _overridden(option: Option, properties) -> Option:
    value = option.value
    assert isinstance(value, Opts)
    props = list(value.props)
    for prop in properties:
        props = [(k, v) for k, v in props if k != prop.name]
        typed = property_value(prop)
        if prop.type != "remove" and typed is not None:
            props.append((prop.name, typed))
    return Option(option.flag, Opts(value.head, tuple(props)), option.span, option.key_spans)
