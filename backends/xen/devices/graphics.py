"""<graphics> on Xen (compiler/devices/graphics.py): vnc/sdl keys for HVM guests, one vfb
entry for paravirtualized ones (xm's "type=vnc,…", xl's "vnc=1,…"), xl's spice keys for
HVM guests, and reading them all back.

Follows libvirt's xenFormatVfb (src/libxl/xen_common.c) and xenParseVfb, and for SPICE
xenFormatXLSpice / xenParseXLSpice (src/libxl/xen_xl.c):

- VNC: vncunused (1 for autoport or no port), vncdisplay = port - 5900, vnclisten from the
  listen address (<listen type='address'> or listen=), vncpasswd, keymap;
- SDL: display and xauthority (vfb fields of the same names for PV guests);
- SPICE (xl, HVM only): spicehost from the listen address, spiceport, spicetls_port,
  spicedisable_ticketing=0 with spicepasswd when a password is set (else 1),
  spiceagent_mouse from <mouse mode> (client 1, server 0), spice_clipboard_sharing from
  <clipboard copypaste>, and spicevdagent=1 whenever either needs the agent.

xm has no SPICE keys, and a PV guest's vfb has no SPICE field: XEN440. A
<listen type='network'> needs libvirt to look the network's address up at start: XEN440.
xm.py and xl.py place the keys in their key order (build_xm_graphics, build_xl_graphics),
so this module has no generic `build`.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple, assert_never

from ....compiler.devices.graphics import (Clipboard, Graphics, GraphicsType, Listen,
                                           ListenType, Mouse, MouseMode)
from ....compiler.diagnostics import Span
from ....compiler.rules.codes import XEN413, XEN414, XEN427, XEN428, XEN440
from ..common import Builder, Config
from ..dialects import PVFB_OLD_KEYS
from ..import_values import ConfigReader, entry_fields

VNC_BASE_PORT = 5900
# The xm vfb type= of each graphics type; SPICE has none (xl's spice keys are top-level).
GRAPHICS: Dict[GraphicsType, Optional[str]] = {
    GraphicsType.VNC: "vnc",
    GraphicsType.SDL: "sdl",
    GraphicsType.SPICE: None,
}
# spiceagent_mouse for each <mouse mode> (libvirt's xenFormatXLSpice).
SPICE_AGENT_MOUSE: Dict[MouseMode, int] = {
    MouseMode.SERVER: 0,
    MouseMode.CLIENT: 1,
}
# Which listen types xm/xl can write: an address as is; a network's address is only known
# to libvirt when the guest starts.
LISTEN_WRITTEN: Dict[ListenType, bool] = {
    ListenType.ADDRESS: True,
    ListenType.NETWORK: False,
    ListenType.SOCKET: False,
    ListenType.NONE: False,
}
ENUM_TABLES = ((GraphicsType, GRAPHICS), (MouseMode, SPICE_AGENT_MOUSE),
               (ListenType, LISTEN_WRITTEN))


def _cannot(b: Builder, what: str, span: Span, hint: str) -> None:
    b.report(XEN440, f"{what} is valid libvirt XML, but {b.target} has no setting for it; "
             "the guest would lack it", span, hint=hint)


def _listen(b: Builder, g: Graphics) -> Optional[str]:
    """The address to write; a network listen is reported (libvirt resolves it at start)."""
    for item in g.listens:
        if not LISTEN_WRITTEN[item.type]:
            named = {ListenType.NETWORK: f" network='{item.network}'",
                     ListenType.SOCKET: f" socket='{item.socket}'" if item.socket else ""}
            _cannot(b, f"<listen type='{item.type.value}'{named.get(item.type, '')}>",
                    item.span, "write the address: <listen type='address' address='…'/>")
    return g.listen_address


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
            config.set("display", g.display)
            config.set("xauthority", g.xauth)
        case GraphicsType.VNC:
            unused, display = _vnc_display(b, g)
            config.set("sdl", 0)
            config.set("vnc", 1)
            config.set("vncunused", unused)
            config.set("vncdisplay", display)
            config.set("vnclisten", _listen(b, g))
            config.set("vncpasswd", g.passwd)
            config.set("keymap", g.keymap)
        case GraphicsType.SPICE:
            _spice(b, g, config)
        case _:
            assert_never(g.type)


def _spice(b: Builder, g: Graphics, config: Config) -> None:
    if b.target != "xen-xl":
        _cannot(b, "<graphics type='spice'>", g.span,
                "compile for --target xen-xl (xl has spice keys), or use type='vnc'")
        return
    ports = [p for p in (g.port, g.tls_port) if p is not None and p > 0]
    if g.autoport or not ports:
        b.report(XEN440, "<graphics type='spice'> without a fixed port: xl needs spiceport "
                 "or spicetls_port (libvirt's libxl driver picks one when it starts the "
                 "guest)", g.span, hint="give port='5901' (and autoport='no')")
        return
    _spice_unwritten(b, g)
    config.set("sdl", 0)
    config.set("vnc", 0)
    config.set("spice", 1)
    config.set("spicehost", _listen(b, g))
    config.set("spiceport", g.port if g.port and g.port > 0 else None)
    config.set("spicetls_port", g.tls_port if g.tls_port and g.tls_port > 0 else None)
    config.set("spicedisable_ticketing", 0 if g.passwd is not None else 1)
    config.set("spicepasswd", g.passwd)
    agent = False
    if g.mouse is not None and g.mouse.mode is not None:
        config.set("spiceagent_mouse", SPICE_AGENT_MOUSE[g.mouse.mode])
        agent = g.mouse.mode is MouseMode.CLIENT
    if g.clipboard is not None and g.clipboard.copypaste is not None:
        config.set("spice_clipboard_sharing", int(g.clipboard.copypaste))
        agent = agent or g.clipboard.copypaste
    if agent:                       # client mouse and clipboard sharing need the agent
        config.set("spicevdagent", 1)
    config.set("keymap", g.keymap)


def _spice_unwritten(b: Builder, g: Graphics) -> None:
    """The SPICE settings xl has no key for (libvirt's xenFormatXLSpice writes none of
    them): each is reported on its own line."""
    if g.default_mode is not None:
        _cannot(b, f"<graphics defaultMode='{g.default_mode.value}'>", g.span,
                "remove defaultMode=")
    parts = [*g.channels, g.image, g.jpeg, g.zlib, g.playback, g.streaming, g.filetransfer,
             g.gl]
    for part in parts:
        if part is not None:
            _cannot(b, f"<{part.TAG}> in <graphics type='spice'>", part.span,
                    f"remove <{part.TAG}>")


def vnc_fields(b: Builder, g: Graphics) -> Optional[List[str]]:
    """The VNC fields of a vfb entry (xm's PV vfb and xl's vfb share them).

    None when a value would carry the entry's `,` separator (reported by the builder).
    """
    unused, display = _vnc_display(b, g)
    fields = [f"vncunused={unused}"]
    if display is not None:
        fields.append(f"vncdisplay={display}")
    return _fields(b, g, fields, (("vnclisten", _listen(b, g), "VNC listen address"),
                                  ("vncpasswd", g.passwd, "VNC password"),
                                  ("keymap", g.keymap, "keymap")))


def _sdl_fields(b: Builder, g: Graphics, fields: List[str]) -> Optional[List[str]]:
    return _fields(b, g, fields, (("display", g.display, "SDL display"),
                                  ("xauthority", g.xauth, "X authority file")))


def _fields(b: Builder, g: Graphics, fields: List[str], values) -> Optional[List[str]]:
    for key, value, what in values:
        if value is None:
            continue
        if not b.no_separator(what, value, g.span, "vfb"):
            return None
        fields.append(f"{key}={value}")
    return fields


def _vfb(sdl: str, vnc: str):
    """The spelling of a PV guest's `vfb` entry: xm heads it with `type=sdl`/`type=vnc`, xl
    with `sdl=1`/`vnc=1`; the fields after the head are the same."""
    def entry(b: Builder, g: Graphics) -> Optional[str]:
        match g.type:
            case GraphicsType.SDL:
                fields = _sdl_fields(b, g, [sdl])
            case GraphicsType.VNC:
                fields = vnc_fields(b, g)
                fields = None if fields is None else [vnc, *fields]
            case GraphicsType.SPICE:
                fields = _pv_spice(b, g)
            case _:
                assert_never(g.type)
        return None if fields is None else ",".join(fields)
    return entry


_vfb_entry = _vfb("type=sdl", "type=vnc")


def _pv_spice(b: Builder, g: Graphics) -> None:
    _cannot(b, "<graphics type='spice'> for a paravirtualized guest", g.span,
            "use type='vnc' (a vfb entry), or make the guest HVM")
    return None


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
    # xend before 3.0.4 took a PV guest's framebuffer in the HVM keys (PVFB_OLD_KEYS).
    if b.hvm or b.has(PVFB_OLD_KEYS):
        _hvm_display(b, first, config)
        return
    entry = vfb(b, first)
    if entry is not None:
        config.set("vfb", [entry])


def build_xm_graphics(b: Builder, config: Config) -> None:
    _build_graphics(b, config, "xm", _vfb_entry)


# ------------------------------------------------------------------ xl

_vfb_spec = _vfb("sdl=1", "vnc=1")


def build_xl_graphics(b: Builder, config: Config) -> None:
    _build_graphics(b, config, "xl", _vfb_spec)


# ------------------------------------------------------------------ import

def _listens(address: Optional[str], span: Span) -> Tuple[Listen, ...]:
    """libvirt writes a listen address twice: listen= and one <listen type='address'>."""
    return (Listen(ListenType.ADDRESS, address, span=span),) if address is not None else ()


def _vnc(unused: Optional[int], display: Optional[int], listen, passwd, keymap,
         span: Span) -> Graphics:
    if unused is None:
        unused = 0 if display is not None else 1     # xend's default is vncunused=1
    if unused or display is None:
        return Graphics(GraphicsType.VNC, port=-1, autoport=True, listen=listen,
                        passwd=passwd, keymap=keymap, listens=_listens(listen, span),
                        span=span)
    # libvirt reads vncunused=0 as autoport='no' (xenParseVfb)
    return Graphics(GraphicsType.VNC, port=VNC_BASE_PORT + display, autoport=False,
                    listen=listen, passwd=passwd, keymap=keymap,
                    listens=_listens(listen, span), span=span)


def _int_field(r: ConfigReader, fields: dict, key: str, span: Span) -> Optional[int]:
    value = fields.get(key)
    if value is None:
        return None
    if not value.strip().isdigit():
        r.report(XEN427, f"vfb field {key}={value!r}: expected a number", span)
        return None
    return int(value)


_VFB_FIELDS = ("type", "vnc", "sdl", "vncunused", "vncdisplay", "vnclisten", "vncpasswd",
               "keymap", "display", "xauthority")


def vfb(r: ConfigReader, entry: str, span: Span) -> Optional[Graphics]:
    fields = {}
    for key, value in entry_fields(entry):
        if key in _VFB_FIELDS and value is not None:
            fields[key] = value
        else:
            r.report(XEN428, f"vfb field {key!r} has no domain XML equivalent; ignored", span)
    if fields.get("type") == "sdl" or fields.get("sdl", "0") not in ("", "0"):
        return Graphics(GraphicsType.SDL, display=fields.get("display"),
                        xauth=fields.get("xauthority"), span=span)
    if fields.get("type", "vnc") != "vnc" or fields.get("vnc", "1") in ("", "0"):
        r.report(XEN428, f"vfb {entry!r} enables no display; ignored", span)
        return None
    for key in ("display", "xauthority"):
        if key in fields:
            r.report(XEN428, f"vfb field {key!r} applies to SDL only; ignored", span)
    return _vnc(_int_field(r, fields, "vncunused", span),
                _int_field(r, fields, "vncdisplay", span), fields.get("vnclisten"),
                fields.get("vncpasswd"), fields.get("keymap"), span)


def display_keys(r: ConfigReader, hvm: bool = True) -> List[Graphics]:
    """The HVM (and old PV) top-level vnc/sdl keys, and xl's spice keys."""
    vnc, sdl = r.get("vnc"), r.get("sdl")
    unused, display = r.integer("vncunused"), r.integer("vncdisplay")
    listen, passwd, keymap = r.string("vnclisten"), r.string("vncpasswd"), r.string("keymap")
    out = []
    if vnc is not None and r.flag("vnc"):
        out.append(_vnc(unused, display, listen, passwd, keymap, vnc.span))
        keymap = None
    if sdl is not None and r.flag("sdl"):
        out.append(Graphics(GraphicsType.SDL, display=r.string("display"),
                            xauth=r.string("xauthority"), span=sdl.span))
    spice = r.get("spice") if r.source_format == "xen-xl" and hvm else None
    if spice is not None and r.flag("spice"):
        out.append(_spice_keys(r, keymap, spice.span))
    return out


def _spice_keys(r: ConfigReader, keymap: Optional[str], span: Span) -> Graphics:
    """xl's spice keys, as libvirt's xenParseXLSpice reads them; an absent
    spiceagent_mouse or spice_clipboard_sharing writes no <mouse> or <clipboard>."""
    host = r.string("spicehost")
    port, tls_port = r.integer("spiceport") or 0, r.integer("spicetls_port") or 0
    passwd = None if r.flag("spicedisable_ticketing") else r.string("spicepasswd")
    mouse_flag, clip_flag = r.flag("spiceagent_mouse"), r.flag("spice_clipboard_sharing")
    mouse = None if mouse_flag is None else Mouse(
        MouseMode.CLIENT if mouse_flag else MouseMode.SERVER, span)
    clipboard = None if clip_flag is None else Clipboard(clip_flag, span)
    if mouse_flag or clip_flag:
        r.get("spicevdagent")       # implied by the client mouse or the clipboard
    return Graphics(GraphicsType.SPICE, port=port or None, tls_port=tls_port or None,
                    autoport=True if not (port or tls_port) else False, listen=host,
                    passwd=passwd, keymap=keymap, listens=_listens(host, span),
                    mouse=mouse, clipboard=clipboard, span=span)
