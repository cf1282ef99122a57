"""A parsed xm or xl config (settings.py) → an IR Domain, the inverse of xm.py / xl.py.

Follows libvirt's xenParseXM / xenParseXL: memory keys are MiB, HVM guests boot the
firmware in xm's kernel key (xl: firmware_override), PV guests a kernel or bootloader.
Keys without a domain XML equivalent are reported (XEN426) and skipped; values that can't
be read are errors (XEN427) and nothing is imported.
"""
from __future__ import annotations

import re
from typing import List, Optional, Tuple

from ...compiler.diagnostics import Diagnostics
from ...compiler.ir import (
    Devices, Domain, DomainType, LifecycleAction,
)
from ...compiler.rules.codes import XEN427, XEN429
from .devices.disk import read_disks
from .devices.chardev import CharKind, chardevs
from .devices.graphics import display_keys, vfb
from .devices.input import usb_inputs
from .devices.interface import vif
from .devices.channel import channels
from .devices.controller import controllers
from .devices.hostdev import hostdevs
from .devices.sound import sounds
from .guest_os import read_emulator, read_os
from .import_values import ConfigReader
from .platform.features import read_clock, read_features
from .platform.cpu import read_cpu_fields
from .settings import Settings

_UUID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?"
                   r"[0-9a-fA-F]{12}$")
DEFAULT_MEMORY_MIB = 128          # xend's and xl's default when memory is not set


def _uuid(r: ConfigReader) -> Optional[str]:
    value = r.string("uuid")
    if value is None:
        return None
    if not _UUID.match(value):
        r.report(XEN427, f"uuid = {value!r} is not a UUID", r.settings["uuid"].span)
        return None
    digits = value.replace("-", "").lower()
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


def _action(r: ConfigReader, key: str, default: LifecycleAction) -> LifecycleAction:
    value = r.string(key)
    if value is None:
        return default
    if key == "on_crash" and value in ("coredump-destroy", "coredump-restart"):
        value = value[len("coredump-"):]
    try:
        return LifecycleAction(value)
    except ValueError:
        r.report(XEN427, f"{key} = {value!r} has no domain XML equivalent",
                 r.settings[key].span, hint="use destroy, restart, preserve or rename-restart")
        return default


def _memory(r: ConfigReader) -> Tuple[int, Optional[int]]:
    memory, maxmem = r.integer("memory"), r.integer("maxmem")
    memory = memory if memory is not None else DEFAULT_MEMORY_MIB
    if maxmem is None or maxmem == memory:
        return memory * 1024, None
    return maxmem * 1024, memory * 1024


def _devices(r: ConfigReader, hvm: bool, xl: bool) -> Devices:
    graphics: List = [g for _, e, span in r.strings("vfb") for g in [vfb(r, e, span)] if g]
    top = display_keys(r, hvm)
    graphics += top if not graphics else []
    return Devices(
        emulator=read_emulator(r, xl),
        # In the order the XML writer writes them (backends/domainxml.py).
        families=read_disks(r, xl) + tuple(controllers(r, xl)) + tuple(
            i for _, e, span in r.strings("vif") for i in [vif(r, e, span)] if i)
        + tuple(graphics) + tuple(usb_inputs(r))
        + tuple(chardevs(r, "serial", CharKind.SERIAL))
        + tuple(chardevs(r, "parallel", CharKind.PARALLEL))
        + tuple(channels(r, xl)) + tuple(sounds(r, hvm)) + tuple(hostdevs(r, xl)),
    )


def config_to_domain(settings: Settings, source_format: str, file: str,
                     diags: Diagnostics) -> Optional[Domain]:
    r = ConfigReader(settings, file, diags, source_format)
    xl = source_format == "xen-xl"
    name = r.string("name")
    if name is None and "name" not in settings:
        r.report(XEN429, "the config has no name key", r.top, hint='add name = "guest"')
    os, bootloader, bootloader_args = read_os(r, xl)
    memory_kib, current_kib = _memory(r)
    domain = Domain(
        type=DomainType.XEN, name=name or "", memory_kib=memory_kib,
        current_memory_kib=current_kib, uuid=_uuid(r),
        bootloader=bootloader, bootloader_args=bootloader_args, os=os,
        features=read_features(r, os.is_hvm),
        clock=read_clock(r, os.is_hvm),
        on_poweroff=_action(r, "on_poweroff", LifecycleAction.DESTROY),
        on_reboot=_action(r, "on_reboot", LifecycleAction.RESTART),
        # xl's default on_crash is destroy (xl.cfg(5)); xend's is restart.
        on_crash=_action(r, "on_crash",
                         LifecycleAction.DESTROY if xl else LifecycleAction.RESTART),
        on_crash_dump=(r.settings["on_crash"].value if "on_crash" in r.settings else ""
                       ) in ("coredump-destroy", "coredump-restart"),
        devices=_devices(r, os.is_hvm, xl),
        span=r.top,
        **read_cpu_fields(r, xl, os.is_hvm),
    )
    if xl and "vnuma" in r.settings:
        from .memory import read_vnuma     # the NUMA cells (backends/xen/memory.py)

        domain = read_vnuma(r, domain)
    r.leftovers()
    return None if r.failed else domain
