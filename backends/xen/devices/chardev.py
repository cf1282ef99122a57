"""serial / parallel keys: qemu-dm character device strings for HVM guests.

Spellings follow libvirt's xenFormatSxprChr ("pty", "file:/p", "tcp:host:port,server,nowait",
"udp:host:port@bindhost:bindport", "unix:/p", a bare /dev path) and xenFormatCharDev: one
parallel port, serial as a string for a lone port 0 and as a list padded with "none"
otherwise. Consoles are implicit on Xen and only produce notes. xm.py and xl.py place the
keys in their key order (build_chardevs), so this module has no generic `build`; reading
the keys back (chardevs()) is at the end.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple, assert_never

from ....compiler.devices.chardev import (CharDevice, CharKind, CharMode, CharProtocol,
                                          CharType, make as make_chardev)
from ....compiler.diagnostics import Span
from ....compiler.rules.codes import XEN404, XEN416, XEN427, XEN428, XEN440
from ..common import Builder, Config
from ..import_values import ConfigReader

# qemu-dm character device spellings (libvirt's xenFormatSxprChr).
CHAR_TYPES: Dict[CharType, str] = {
    CharType.PTY: "pty",
    CharType.NULL: "null",
    CharType.FILE: "file",
    CharType.PIPE: "pipe",
    CharType.DEV: "dev",
    CharType.TCP: "tcp",
    CharType.UDP: "udp",
    CharType.UNIX: "unix",
    CharType.STDIO: "stdio",
    CharType.VC: "vc",
    # SPICE's and QEMU's agent channels: qemu-dm has no such device (char_string reports).
    CharType.SPICEVMC: "spicevmc",
    CharType.SPICEPORT: "spiceport",
    CharType.QEMU_VDAGENT: "qemu-vdagent",
}

TCP_PROTOCOLS: Dict[CharProtocol, str] = {
    CharProtocol.RAW: "tcp",
    CharProtocol.TELNET: "telnet",
}

CHAR_MODE_SUFFIX: Dict[CharMode, str] = {
    CharMode.BIND: ",server,nowait",
    CharMode.CONNECT: "",
}

# The xm key each character device element feeds; consoles have none (Xen assigns them).
CHAR_KEYS: Dict[CharKind, Optional[str]] = {
    CharKind.SERIAL: "serial",
    CharKind.PARALLEL: "parallel",
    CharKind.CONSOLE: None,
}

ENUM_TABLES = (
    (CharType, CHAR_TYPES),
    (CharProtocol, TCP_PROTOCOLS),
    (CharMode, CHAR_MODE_SUFFIX),
    (CharKind, CHAR_KEYS),
)

NONE = "none"
SERIAL = CHAR_KEYS[CharKind.SERIAL]
PARALLEL = CHAR_KEYS[CharKind.PARALLEL]


def _fields_ok(b: Builder, chr: CharDevice, *values: Optional[str]) -> bool:
    what = f"<{chr.kind.value}> value"
    return all(b.no_separator(what, v, chr.span, chr.kind.value) for v in values)


def char_string(b: Builder, chr: CharDevice) -> Optional[str]:
    """The qemu-dm string; None when a value can't be written (XEN406). SEM220 has made
    sure of each type's path or service (compiler/devices/chardev.py); a tcp host left out
    is written empty, as the QEMU backend does."""
    name = CHAR_TYPES[chr.type]
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
            proto = TCP_PROTOCOLS[chr.protocol_type]
            return f"{proto}:{chr.host or ''}:{chr.service}{CHAR_MODE_SUFFIX[chr.mode]}"
        case CharType.UDP:
            if not _fields_ok(b, chr, chr.host, chr.service, chr.bind_host, chr.bind_service):
                return None
            bind = f"{chr.bind_host or ''}:{chr.bind_service or ''}"
            return f"{name}:{chr.host or ''}:{chr.service}@{bind}"
        case CharType.UNIX:
            if not _fields_ok(b, chr, chr.path):
                return None
            return f"{name}:{chr.path}{CHAR_MODE_SUFFIX[chr.mode]}"
        case CharType.SPICEVMC | CharType.SPICEPORT | CharType.QEMU_VDAGENT:
            b.report(XEN440, f"<{chr.kind.value} type='{name}'> is valid libvirt XML, but"
                     " Xen's device model has no such character device; the guest would"
                     " lack it", chr.span, hint="use type='pty'")
            return None
        case _:
            assert_never(chr.type)


def _ignored(b: Builder, chr: CharDevice, why: str) -> None:
    b.report(XEN416, f"<{chr.kind.value} type='{chr.type.value}'> {why}; ignored", chr.span)


MAX_SERIAL_PORT = 255


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
        if chr.target_port > MAX_SERIAL_PORT:      # the list would need that many "none"s
            _ignored(b, chr, f"is serial port {chr.target_port}, beyond the {MAX_SERIAL_PORT + 1}"
                     " entries a serial list holds")
            continue
        if chr.target_port in by_port:
            _ignored(b, chr, f"repeats serial port {chr.target_port}")
            continue
        by_port[chr.target_port] = chr
    if not by_port:
        return
    slots: List[Optional[str]] = [NONE] * (max(by_port) + 1)
    for port, chr in by_port.items():
        slots[port] = char_string(b, chr)
    if all(s is not None for s in slots):
        config.set(SERIAL, slots)


# The <target type>s a Xen guest's ports and console are (qemu-dm's ISA serial port, the
# PV console); another (pci-serial, a virtio console, …) is XEN440.
XEN_TARGETS = {CharKind.SERIAL: (None, "isa-serial"), CharKind.PARALLEL: (None,),
               CharKind.CONSOLE: (None, "serial", "xen")}


def build_chardevs(b: Builder, config: Config, parallel: bool = True) -> None:
    """Serial and parallel keys; `parallel=False` for a dialect with no parallel key (xl)."""
    devices = b.domain.devices
    for chr in devices.serials + devices.parallels + devices.consoles:
        model = chr.target_model
        if chr.target_type not in XEN_TARGETS[chr.kind] or model not in (None, "isa-serial"):
            what = chr.target_type if model is None else f"{chr.target_type}, model {model}"
            b.report(XEN440, f"<{chr.kind.value}> with <target type='{what}'> is valid libvirt "
                     "XML, but a Xen guest has only its ISA serial ports and its PV console",
                     chr.target.span if chr.target is not None else chr.span)
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


# ------------------------------------------------------------------ import

def _host_port(rest: str) -> Tuple[Optional[str], Optional[str]]:
    host, sep, port = rest.rpartition(":")
    return (host or None, port or None) if sep else (None, rest or None)


def _socket_options(r: ConfigReader, text: str, span: Span) -> Tuple[str, CharMode]:
    base, *options = text.split(",")
    mode = CharMode.CONNECT
    for option in options:
        if option == "server":
            mode = CharMode.BIND
        elif option != "nowait":
            r.report(XEN428, f"character device option {option!r} has no domain XML "
                     "equivalent; ignored", span)
    return base, mode


def chardev(r: ConfigReader, kind: CharKind, text: str, port: int,
            span: Span) -> Optional[CharDevice]:
    def make(ctype: CharType, **kw) -> CharDevice:
        return make_chardev(kind, ctype, target_port=port, span=span, **kw)

    prefix, colon, rest = text.partition(":")
    if text in ("pty", "null", "stdio", "vc"):
        return make(CharType(text))
    if text.startswith("/"):
        return make(CharType.DEV, path=text)
    if colon and prefix in ("file", "pipe"):
        return make(CharType(prefix), path=rest)
    if colon and prefix in ("tcp", "telnet"):
        base, mode = _socket_options(r, rest, span)
        host, service = _host_port(base)
        proto = CharProtocol.TELNET if prefix == "telnet" else CharProtocol.RAW
        return make(CharType.TCP, host=host, service=service, mode=mode, protocol=proto)
    if colon and prefix == "unix":
        path, mode = _socket_options(r, rest, span)
        return make(CharType.UNIX, path=path, mode=mode)
    if colon and prefix == "udp":
        connect, _, bind = rest.partition("@")
        host, service = _host_port(connect)
        bind_host, bind_service = _host_port(bind) if bind else (None, None)
        return make(CharType.UDP, host=host, service=service, bind_host=bind_host,
                    bind_service=bind_service)
    r.report(XEN427, f"{kind.value} device {text!r} is not a character device virtc knows",
             span, hint="use pty, null, file:PATH, pipe:PATH, /dev/…, tcp:, udp: or unix:")
    return None


def chardevs(r: ConfigReader, key: str, kind: CharKind) -> List[CharDevice]:
    out = []
    for index, text, span in r.strings(key):
        if text == "none":
            continue
        dev = chardev(r, kind, text, index, span)
        if dev is not None:
            out.append(dev)
    return out
