"""<graphics> (compiler/devices/graphics.py): VNC, SDL, SPICE, or no display at all.

argv.py places the display before the character devices (build_all): with no display,
-nographic would move the serial port to stdio unless a -serial follows it. A <graphics>
<alias> is QEMU321, its other DeviceInfo parts QEMU320, each on its own line.
"""
from __future__ import annotations

import os
from typing import List, assert_never

from ....compiler.devices.graphics import (QEMU441, QEMU460, Graphics, GraphicsType, Listen,
                                           ListenType)
from ....compiler.networks import listen_address
from ....compiler.ir import Domain
from ....compiler.rules.codes import QEMU306, QEMU308, QEMU313, QEMU314, QEMU320
from ..context import QemuContext
from ..dialects import Cap
from ..opts import Option, Opts, Raw
from . import not_compiled

VNC_BASE_PORT = 5900
VNC_LAST_DISPLAY = 99             # how far `to=` lets QEMU search for a free display
# The QEMU driver's default listen address (qemu.conf vnc_listen): never expose a console
# by accident.
DEFAULT_LISTEN = "127.0.0.1"


def _videos(domain: Domain) -> tuple:
    from ....compiler.devices.video import Video

    return domain.devices.of(Video)


def build_all(graphics, domain: Domain, ctx: QemuContext) -> List[Option]:
    """The displays (one of each type), or no display at all."""
    if not graphics:
        return build_no_display(domain, ctx)
    for gfx in graphics:
        not_compiled(gfx, ctx)
    out: List[Option] = []
    if ctx.has(Cap.VGA_OPTION) and not any(not v.implicit for v in _videos(domain)):
        # -nodefaults removed the default VGA card; a display needs one to show (a
        # written <video> is the video builder's, backends/qemu/devices/video.py).
        out.append(Option("-vga", Opts.of("std"), graphics[0].span))
    seen = set()
    for gfx in graphics:
        if gfx.type in seen:
            ctx.unsupported(gfx.span, f"a second <graphics type='{gfx.type.value}'>",
                            "keep one graphics element of each type")
            continue
        seen.add(gfx.type)
        match gfx.type:
            case GraphicsType.VNC:
                from .audio import with_audiodev     # VNC's audio capture (<audio>)
                out.extend(with_audiodev(build_vnc(gfx, ctx, domain), domain, ctx))
            case GraphicsType.SDL:
                out.extend(build_sdl(gfx, ctx))
            case GraphicsType.SPICE:
                from .graphics_spice import build_spice

                out.extend(build_spice(gfx, domain, ctx))
            case _:
                assert_never(gfx.type)
    return out


def build_no_display(domain: Domain, ctx: QemuContext) -> List[Option]:
    if ctx.has(Cap.DISPLAY):
        return [Option("-display", Opts.of("none"), domain.devices.span)]
    # -nographic also moves the serial port and monitor to stdio when no -serial is given;
    # build_argv puts it before the -serial options, which then take precedence.
    return [Option("-nographic", None, domain.devices.span)]


VNC_SOCKET_NAME = "vnc.sock"


def network_address(listen: Listen, ctx: QemuContext) -> str:
    """Where a <listen type='network'> listens, as libvirt picks it when the guest starts:
    the address written beside it (libvirt's live XML keeps the one it picked), else the
    first <ip address> of the network (compiler/networks.py); QEMU460 when virtc can't tell."""
    if listen.address is not None:
        return listen.address
    address, why = listen_address(listen.network or "", ctx.networks)
    if address is None:
        ctx.diags.add(QEMU460, f"<listen type='network' network='{listen.network}'>: {why}",
                      listen.span, hint="give the network's definition with --network FILE,"
                      " or write the address: <listen type='address' address='…'/>")
        return DEFAULT_LISTEN
    return address


def vnc_display(gfx: Graphics, ctx: QemuContext, domain: Domain) -> Opts:
    first = gfx.listens[0] if gfx.listens else None
    network = gfx.listen_network
    if network is not None and network is not first:
        # QEMU's VNC server listens once; libvirt reads the first <listen> only
        _not_compiled(network, ctx, f"<listen type='network' network='{network.network}'>")
    if first is not None and first.type in (ListenType.SOCKET, ListenType.NONE):
        # libvirt: -vnc unix:PATH (without socket=, vnc.sock in the domain's own directory:
        # here the runtime directory) and -vnc none (a server only QMP clients reach)
        if first.type is ListenType.NONE:
            display = "none"
        else:
            from ..host import runtime_dir

            display = "unix:" + (first.socket or os.path.join(
                runtime_dir(domain, ctx.runtime_dir), VNC_SOCKET_NAME))
        return Opts.of(display, *_vnc_password(gfx, ctx))
    if first is not None and first.type is ListenType.NETWORK:
        listen = network_address(first, ctx)
    else:
        listen = gfx.listen_address or DEFAULT_LISTEN
    host = f"[{listen}]" if ":" in listen else listen   # an IPv6 literal needs brackets
    port = gfx.port
    autoport = gfx.autoport or port is None or port == -1
    to = None
    display = 0
    if not autoport:
        assert port is not None
        if port < VNC_BASE_PORT:
            ctx.diags.add(QEMU313, f"<graphics type='vnc' port='{port}'> is below"
                          f" {VNC_BASE_PORT}; QEMU can only listen on {VNC_BASE_PORT}+display",
                          gfx.span, f"use a port of {VNC_BASE_PORT} or more, or port='-1'")
        display = max(port - VNC_BASE_PORT, 0)
    elif ctx.has(Cap.VNC_TO):
        to = VNC_LAST_DISPLAY
    else:
        asked = f"port='{port}'" if port is not None else "autoport='yes'"
        ctx.diags.add(QEMU314, f"<graphics type='vnc' {asked}> asks for any free port,"
                      f" but QEMU {ctx.dialect.version} cannot search; it uses display 0"
                      f" (port {VNC_BASE_PORT}) and fails to start if that is taken",
                      gfx.span, "give a fixed port, or use QEMU 1.1 or later")
    return Opts.of(f"{host}:{display}", ("to", to), *_vnc_password(gfx, ctx))


def _vnc_password(gfx: Graphics, ctx: QemuContext) -> tuple:
    password: tuple = ()
    if gfx.passwd is not None and ctx.has(Cap.VNC_PASSWORD_SECRET):
        password = (("password-secret", VNC_SECRET_ID),)
    elif gfx.passwd is not None:
        password = (("password", True),)
        ctx.diags.add(QEMU308, "<graphics passwd='…'> cannot be given on the QEMU command"
                      " line; VNC starts with password authentication on and refuses every"
                      " client until a password is set",
                      gfx.span,
                      "after start run QMP `change-vnc-password` (HMP `set_password vnc …`)")
    return password


VNC_SECRET_ID = "vnc0-secret0"


def build_vnc(gfx: Graphics, ctx: QemuContext, domain: Domain) -> List[Option]:
    """-vnc, and for a passwd= the secret object that holds it (QEMU 6.0+:
    `-object secret,id=vnc0-secret0,data=…` + `-vnc …,password-secret=vnc0-secret0`)."""
    out = []
    if gfx.passwd is not None and ctx.has(Cap.VNC_PASSWORD_SECRET):
        ctx.diags.add(QEMU441, "<graphics type='vnc' passwd='…'> goes to QEMU in a secret"
                      " object on its command line, which every local user can read; libvirt"
                      " sets it over the monitor instead", gfx.span,
                      "drop passwd= and run QMP `change-vnc-password` after start if that"
                      " matters")
        out.append(Option("-object", Opts.of("secret", ("id", VNC_SECRET_ID),
                                             ("data", gfx.passwd), ("format", "raw")),
                          gfx.span))
    out.append(Option("-vnc", vnc_display(gfx, ctx, domain), gfx.span))
    out.extend(build_keymap(gfx))
    return out


def _not_compiled(node, ctx: QemuContext, what: str) -> None:
    ctx.diags.add(QEMU320, f"{what} is valid libvirt XML, but virtc does not compile it for"
                  " QEMU yet; the guest would lack it", node.span,
                  hint="remove it, or start this guest with libvirt")


def build_sdl(gfx: Graphics, ctx: QemuContext) -> List[Option]:
    _ignore_vnc_only(gfx, ctx)
    for attr, value in (("display", gfx.display), ("xauth", gfx.xauth)):
        if value is not None:       # libvirt sets DISPLAY / XAUTHORITY in QEMU's environment
            _not_compiled(gfx, ctx, f"<graphics type='sdl' {attr}='{value}'>")
    if ctx.has(Cap.DISPLAY):
        out = [Option("-display", Opts.of("sdl"), gfx.span)]
    elif ctx.has(Cap.SDL):
        out = [Option("-sdl", None, gfx.span)]
    else:  # pragma: no cover - every dialect has one of the two
        ctx.unsupported(gfx.span, "<graphics type='sdl'>", "use VNC")
        return []
    return out + build_keymap(gfx)


def build_keymap(gfx: Graphics) -> List[Option]:
    return [Option("-k", Raw(gfx.keymap), gfx.span)] if gfx.keymap else []


def _ignore_vnc_only(gfx: Graphics, ctx: QemuContext) -> None:
    for attr, value in (("port", gfx.port), ("listen", gfx.listen_address),
                        ("passwd", gfx.passwd)):
        if value is not None:
            shown = "…" if attr == "passwd" else value
            ctx.diags.add(QEMU306, f"<graphics type='sdl' {attr}='{shown}'> has no QEMU"
                          " equivalent and is ignored: SDL opens a local window", gfx.span,
                          f"remove {attr}= or use type='vnc'")
