"""serial / parallel keys: qemu-dm character device strings for HVM guests.

Spellings follow libvirt's xenFormatSxprChr ("pty", "file:/p", "tcp:host:port,server,nowait",
"udp:host:port@bindhost:bindport", "unix:/p", a bare /dev path) and xenFormatCharDev: one
parallel port, serial as a string for a lone port 0 and as a list padded with "none"
otherwise. Consoles are implicit on Xen and only produce notes.
"""
from __future__ import annotations

from typing import List, Optional, assert_never

from ...compiler.ir import CharDevice, CharKind, CharType
from ...compiler.rules.codes import XEN404, XEN416
from . import tables
from .common import Builder, Config

NONE = "none"
SERIAL = tables.CHAR_KEYS[CharKind.SERIAL]
PARALLEL = tables.CHAR_KEYS[CharKind.PARALLEL]


def _fields_ok(b: Builder, chr: CharDevice, *values: Optional[str]) -> bool:
    what = f"<{chr.kind.value}> value"
    return all(b.no_separator(what, v, chr.span, chr.kind.value) for v in values)


def char_string(b: Builder, chr: CharDevice) -> Optional[str]:
    """The qemu-dm string; None when a value can't be written (XEN406). SEM220 has made
    sure of each type's path or service (compiler/checks/domain.py); a tcp host left out
    is written empty, as the QEMU backend does."""
    name = tables.CHAR_TYPES[chr.type]
    match chr.type:
        case CharType.PTY | CharType.NULL | CharType.STDIO | CharType.VC:
            return name
        case CharType.FILE | CharType.PIPE:
            if not _fields_ok(b, chr, chr.path):
                return None
            return f"{name}:{chr.path}"
        case CharType.DEV:
            if not _fields_ok(b, chr, chr.path):
                return None
            return chr.path
        case CharType.TCP:
            if not _fields_ok(b, chr, chr.host, chr.service):
                return None
            proto = tables.TCP_PROTOCOLS[chr.protocol]
            return f"{proto}:{chr.host or ''}:{chr.service}{tables.CHAR_MODE_SUFFIX[chr.mode]}"
        case CharType.UDP:
            if not _fields_ok(b, chr, chr.host, chr.service, chr.bind_host, chr.bind_service):
                return None
            bind = f"{chr.bind_host or ''}:{chr.bind_service or ''}"
            return f"{name}:{chr.host or ''}:{chr.service}@{bind}"
        case CharType.UNIX:
            if not _fields_ok(b, chr, chr.path):
                return None
            return f"{name}:{chr.path}{tables.CHAR_MODE_SUFFIX[chr.mode]}"
        case _:
            assert_never(chr.type)


def _ignored(b: Builder, chr: CharDevice, why: str) -> None:
    b.report(XEN416, f"<{chr.kind.value} type='{chr.type.value}'> {why}; ignored", chr.span)


def _build_serial(b: Builder, config: Config) -> None:
    serials = b.domain.devices.serials
    if not serials:
        config.set(SERIAL, NONE)
        return
    if len(serials) == 1 and serials[0].target_port == 0:
        config.set(SERIAL, char_string(b, serials[0]))
        return
    by_port = {}
    for chr in serials:
        if chr.target_port in by_port:
            _ignored(b, chr, f"repeats serial port {chr.target_port}")
            continue
        by_port[chr.target_port] = chr
    slots: List[Optional[str]] = [NONE] * (max(by_port) + 1)
    for port, chr in by_port.items():
        slots[port] = char_string(b, chr)
    if all(s is not None for s in slots):
        config.set(SERIAL, slots)


def build_chardevs(b: Builder, config: Config, parallel: bool = True) -> None:
    """Serial and parallel keys; `parallel=False` for a dialect with no parallel key (xl)."""
    devices = b.domain.devices
    for con in devices.consoles:
        if con.path is not None:
            b.report(XEN404, f"<console tty={con.path!r}>: console tty is assigned by Xen "
                     "at run time; ignored", con.span)
        if con.type is not CharType.PTY:
            _ignored(b, con, "can't be chosen: Xen consoles are always a pty")
    if not b.hvm:
        for chr in devices.serials + devices.parallels:
            _ignored(b, chr, "needs an HVM guest (qemu-dm emulates serial and parallel ports)")
        return
    if not parallel:
        for chr in devices.parallels:
            _ignored(b, chr, f"has no key in {b.target} configs")
    elif devices.parallels:
        for extra in devices.parallels[1:]:
            _ignored(b, extra, "is a second parallel port; xm has one parallel key")
        config.set(PARALLEL, char_string(b, devices.parallels[0]))
    else:
        config.set(PARALLEL, NONE)
    _build_serial(b, config)
