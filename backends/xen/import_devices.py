"""Display, USB input and serial/parallel settings back into IR devices (vifs:
devices/interface.py).

Inverses of graphics.py / xl._vfb_spec, common.build_inputs and
chardev.char_string, after libvirt's xenParseXMNet, xenParseVfb and xenParseSxprChar.
"""
from __future__ import annotations

from typing import List, Optional, Tuple

from ...compiler.diagnostics import Span
from ...compiler.ir import (
    CharDevice, CharKind, CharMode, CharProtocol, CharType, Graphics, GraphicsType, Input,
    InputBus, InputType,
)
from ...compiler.rules.codes import XEN427, XEN428
from .graphics import VNC_BASE_PORT
from .import_values import ConfigReader, entry_fields

def _vnc(unused: Optional[int], display: Optional[int], listen, passwd, keymap,
         span: Span) -> Graphics:
    if unused is None:
        unused = 0 if display is not None else 1     # xend's default is vncunused=1
    if unused or display is None:
        return Graphics(GraphicsType.VNC, port=-1, autoport=True, listen=listen,
                        passwd=passwd, keymap=keymap, span=span)
    return Graphics(GraphicsType.VNC, port=VNC_BASE_PORT + display, listen=listen,
                    passwd=passwd, keymap=keymap, span=span)


def _int_field(r: ConfigReader, fields: dict, key: str, span: Span) -> Optional[int]:
    value = fields.get(key)
    if value is None:
        return None
    if not value.strip().isdigit():
        r.report(XEN427, f"vfb field {key}={value!r}: expected a number", span)
        return None
    return int(value)


def vfb(r: ConfigReader, entry: str, span: Span) -> Optional[Graphics]:
    fields = {}
    for key, value in entry_fields(entry):
        if key in ("type", "vnc", "sdl", "vncunused", "vncdisplay", "vnclisten", "vncpasswd",
                   "keymap") and value is not None:
            fields[key] = value
        else:
            r.report(XEN428, f"vfb field {key!r} has no domain XML equivalent; ignored", span)
    if fields.get("type") == "sdl" or fields.get("sdl", "0") not in ("", "0"):
        return Graphics(GraphicsType.SDL, span=span)
    if fields.get("type", "vnc") != "vnc" or fields.get("vnc", "1") in ("", "0"):
        r.report(XEN428, f"vfb {entry!r} enables no display; ignored", span)
        return None
    return _vnc(_int_field(r, fields, "vncunused", span),
                _int_field(r, fields, "vncdisplay", span), fields.get("vnclisten"),
                fields.get("vncpasswd"), fields.get("keymap"), span)


def display_keys(r: ConfigReader) -> List[Graphics]:
    """The HVM (and old PV) top-level vnc/sdl keys."""
    vnc, sdl = r.get("vnc"), r.get("sdl")
    unused, display = r.integer("vncunused"), r.integer("vncdisplay")
    listen, passwd, keymap = r.string("vnclisten"), r.string("vncpasswd"), r.string("keymap")
    out = []
    if vnc is not None and r.flag("vnc"):
        out.append(_vnc(unused, display, listen, passwd, keymap, vnc.span))
    if sdl is not None and r.flag("sdl"):
        out.append(Graphics(GraphicsType.SDL, span=sdl.span))
    return out


def usb_inputs(r: ConfigReader) -> List[Input]:
    r.flag("usb")
    inputs = []
    for _, name, span in r.strings("usbdevice"):
        if name in ("mouse", "tablet"):
            inputs.append(Input(InputType(name), InputBus.USB, span=span))
        else:
            r.report(XEN428, f"usbdevice {name!r} has no domain XML equivalent; ignored", span)
    return inputs


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
        return CharDevice(kind, ctype, target_port=port, span=span, **kw)

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
