"""Display and USB input settings back into IR devices (vifs: devices/interface.py,
serial and parallel: devices/chardev.py).

Inverses of graphics.py / xl._vfb_spec, common.build_inputs, after libvirt's xenParseXMNet, xenParseVfb and xenParseSxprChar.
"""
from __future__ import annotations

from typing import List, Optional

from ...compiler.diagnostics import Span
from ...compiler.ir import (
    Graphics, GraphicsType, Input, InputBus, InputType,
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
