"""<graphics> on Xen (compiler/devices/graphics.py): vnc/sdl keys for HVM guests, one vfb
entry for paravirtualized ones (xm's "type=vnc,…", xl's "vnc=1,…"), and reading them back.

Follows libvirt's xenFormatVfb (src/libxl/xen_common.c) and xenParseVfb. xm.py and xl.py
place the keys in their key order (build_xm_graphics, build_xl_graphics), so this module
has no generic `build`.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple, assert_never

from ....compiler.devices.graphics import Graphics, GraphicsType
from ....compiler.diagnostics import Span
from ....compiler.rules.codes import XEN413, XEN414, XEN427, XEN428
from ..common import Builder, Config
from ..import_values import ConfigReader, entry_fields

VNC_BASE_PORT = 5900
# The xm vfb type= of each graphics type.
GRAPHICS: Dict[GraphicsType, str] = {
    GraphicsType.VNC: "vnc",
    GraphicsType.SDL: "sdl",
}
ENUM_TABLES = ((GraphicsType, GRAPHICS),)


def _vnc_display(b: Builder, g: Graphics) -> Tuple[int, Optional[int]]:
    """(vncunused, vncdisplay). Port -1, autoport or no port let Xen pick a free display."""
    if g.autoport or g.port is None or g.port == -1:
        return 1, None
    if g.port < VNC_BASE_PORT:
        b.report(XEN414, f"<graphics type='vnc' port='{g.port}'>: xm sets a display "
                 f"number (port - {VNC_BASE_PORT}), so the port must be {VNC_BASE_PORT} "
                 "or above", g.span, hint="use port='-1' to let Xen choose a free port")
        return 0, None
    return 0, g.port - VNC_BASE_PORT


def _hvm_display(b: Builder, g: Graphics, config: Config) -> None:
    match g.type:
        case GraphicsType.SDL:
            config.set("sdl", 1)
            config.set("vnc", 0)
        case GraphicsType.VNC:
            unused, display = _vnc_display(b, g)
            config.set("sdl", 0)
            config.set("vnc", 1)
            config.set("vncunused", unused)
            config.set("vncdisplay", display)
            config.set("vnclisten", g.listen)
            config.set("vncpasswd", g.passwd)
            config.set("keymap", g.keymap)
        case _:
            assert_never(g.type)


def vnc_fields(b: Builder, g: Graphics) -> Optional[List[str]]:
    """The VNC fields of a vfb entry (xm's PV vfb and xl's vfb share them).

    None when a value would carry the entry's `,` separator (reported by the builder).
    """
    unused, display = _vnc_display(b, g)
    fields = [f"vncunused={unused}"]
    if display is not None:
        fields.append(f"vncdisplay={display}")
    for key, value, what in (("vnclisten", g.listen, "VNC listen address"),
                             ("vncpasswd", g.passwd, "VNC password"),
                             ("keymap", g.keymap, "keymap")):
        if value is None:
            continue
        if not b.no_separator(what, value, g.span, "vfb"):
            return None
        fields.append(f"{key}={value}")
    return fields


def _vfb_entry(b: Builder, g: Graphics) -> Optional[str]:
    fields: List[str] = [f"type={GRAPHICS[g.type]}"]
    match g.type:
        case GraphicsType.SDL:
            pass
        case GraphicsType.VNC:
            vnc = vnc_fields(b, g)
            if vnc is None:
                return None
            fields += vnc
        case _:
            assert_never(g.type)
    return ",".join(fields)


def first_graphics(b: Builder, tool: str) -> Optional[Graphics]:
    """The one display an xm or xl config can describe; later ones are noted (XEN413)."""
    graphics = b.domain.devices.graphics
    for extra in graphics[1:]:
        b.report(XEN413, f"<graphics type='{extra.type.value}'>: an {tool} config has one "
                 "display; only the first <graphics> is written", extra.span)
    return graphics[0] if graphics else None


def _build_graphics(b: Builder, config: Config, tool: str, vfb) -> None:
    """The first <graphics>: HVM display keys, or a PV guest's one `vfb` entry, spelled by
    `vfb(b, graphics)` (xm and xl write the entry differently)."""
    first = first_graphics(b, tool)
    if first is None:
        return
    if b.hvm:
        _hvm_display(b, first, config)
        return
    entry = vfb(b, first)
    if entry is not None:
        config.set("vfb", [entry])


def build_xm_graphics(b: Builder, config: Config) -> None:
    _build_graphics(b, config, "xm", _vfb_entry)


# ------------------------------------------------------------------ xl

def _vfb_spec(b: Builder, g: Graphics) -> Optional[str]:
    if g.type is GraphicsType.SDL:
        return "sdl=1"
    vnc = vnc_fields(b, g)
    return None if vnc is None else ",".join(["vnc=1", *vnc])


def build_xl_graphics(b: Builder, config: Config) -> None:
    _build_graphics(b, config, "xl", _vfb_spec)


# ------------------------------------------------------------------ import

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
