"""The display: vnc/sdl keys for HVM guests, one vfb entry for paravirtualized ones.

Follows libvirt's xenFormatVfb (src/libxl/xen_common.c): HVM guests get qemu-dm's
display keys, PV guests a comma-separated "type=vnc,…" entry for the PV framebuffer.
"""
from __future__ import annotations

from typing import List, Optional, Tuple, assert_never

from ...compiler.ir import Graphics, GraphicsType
from ...compiler.rules.codes import XEN413, XEN414
from . import tables
from .common import Builder, Config

VNC_BASE_PORT = 5900


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
    fields: List[str] = [f"type={tables.GRAPHICS[g.type]}"]
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


def build_graphics(b: Builder, config: Config) -> None:
    first = first_graphics(b, "xm")
    if first is None:
        return
    if b.hvm:
        _hvm_display(b, first, config)
        return
    entry = _vfb_entry(b, first)
    if entry is not None:
        config.set("vfb", [entry])
