"""<graphics type='spice'> → -spice (the graphics family's SPICE half; graphics.py calls it).

    <graphics type='spice' autoport='yes' listen='127.0.0.1'>
      <listen type='address' address='127.0.0.1'/>
      <image compression='auto_glz'/>
      <mouse mode='client'/>
      <clipboard copypaste='no'/>
    </graphics>
    -spice port=5900,addr=127.0.0.1,agent-mouse=on,disable-ticketing=on,
           image-compression=auto_glz,disable-copy-paste=on,seamless-migration=on

As libvirt's qemuBuildGraphicsSPICECommandLine writes it, key by key in its order:

- the first <listen>: an address, or a network's (its first <ip address>, as libvirt picks it;
  QEMU460 when virtc can't tell)
  gives port=, tls-port= and, with either, addr= (no address: the QEMU driver's default,
  qemu.conf spice_listen = 127.0.0.1); a socket gives unix=on,addr=PATH (no socket=: the
  runtime directory's spice.sock, where libvirt uses the domain's private directory);
  type='none' gives port=0 (QEMU needs some port, 0 listens nowhere);
- autoport: libvirt takes the first free port from 5900 at start (and a TLS port only when
  a channel or defaultMode is secure); QEMU can't search, so virtc writes 5900 (5901 for
  TLS): QEMU400;
- agent-mouse= from <mouse mode>; disable-ticketing=on without a password (libvirt sets a
  password over the monitor after start; virtc gives it in a secret object, QEMU401);
- a TLS port: x509-dir=/etc/pki/libvirt-spice (qemu.conf's default; QEMU403);
- defaultMode and each <channel>: tls-channel=/plaintext-channel= (a mode whose port the
  display lacks: QEMU402);
- image-compression, jpeg-wan-compression, zlib-glz-wan-compression, playback-compression,
  streaming-video, disable-copy-paste=on (copypaste='no'), disable-agent-file-xfer=on
  (filetransfer enable='no'), gl=on with rendernode= (local listens only: QEMU404);
- seamless-migration=on, always, as libvirt does; then -k KEYMAP.
"""
from __future__ import annotations

import os
from typing import List, Optional, Tuple

from ....compiler.devices.graphics import (QEMU400, QEMU401, QEMU402, QEMU403, QEMU404,
                                           QEMU406, Graphics, ImageCompression, Listen,
                                           ListenType, MouseMode, SpiceChannelName,
                                           SpiceMode, StreamingMode, WanCompression)
from ....compiler.ir import Domain
from ....compiler.rules.codes import QEMU308
from ..context import QemuContext
from ..dialects import Cap
from ..host import runtime_dir
from ..opts import Option, Opts

SPICE_BASE_PORT = 5900
# qemu.conf's spice_listen and spice_tls_x509_cert_dir defaults.
DEFAULT_LISTEN = "127.0.0.1"
X509_DIR = "/etc/pki/libvirt-spice"
SOCKET_NAME = "spice.sock"
AGENT_MOUSE = {MouseMode.CLIENT: True, MouseMode.SERVER: False}
CHANNEL_KEY = {SpiceMode.SECURE: "tls-channel", SpiceMode.INSECURE: "plaintext-channel",
               SpiceMode.ANY: None}
# QEMU's spellings, which are libvirt's (the tables keep the IR's names out of the argv).
CHANNEL_NAME = {n: n.value for n in SpiceChannelName}
IMAGE_COMPRESSION = {c: c.value for c in ImageCompression}
WAN_COMPRESSION = {c: c.value for c in WanCompression}
STREAMING_VIDEO = {m: m.value for m in StreamingMode}


def _listen(gfx: Graphics) -> Listen:
    return gfx.listens[0] if gfx.listens else Listen(ListenType.ADDRESS, span=gfx.span)


def _auto_ports(gfx: Graphics) -> Tuple[bool, bool]:
    """(plain port, TLS port) an autoport display needs (libvirt's
    qemuProcessSPICEAllocatePorts, with TLS only where something asks for it): every
    channel (one not written is 'any') and defaultMode left at 'any' or 'insecure' needs
    the plain port, a 'secure' one TLS."""
    written = {c.name: c.mode for c in gfx.channels}
    modes = [written.get(name, SpiceMode.ANY) for name in SpiceChannelName]
    modes.append(gfx.default_mode or SpiceMode.ANY)
    return (any(m is not SpiceMode.SECURE for m in modes),
            any(m is SpiceMode.SECURE for m in modes))


def _ports(gfx: Graphics, ctx: QemuContext) -> Tuple[Optional[int], Optional[int]]:
    if not gfx.autoport:
        port = gfx.port if gfx.port and gfx.port > 0 else None
        tls = gfx.tls_port if gfx.tls_port and gfx.tls_port > 0 else None
        if port is None and tls is None:
            ctx.diags.add(QEMU406, "<graphics type='spice' autoport='no'> gives neither port="
                          " nor tlsPort=; QEMU's SPICE server needs one to listen on",
                          gfx.span, "give port='5900', or use autoport='yes'")
        return port, tls
    plain, secure = _auto_ports(gfx)
    port = SPICE_BASE_PORT if plain else None
    tls = (SPICE_BASE_PORT + 1 if plain else SPICE_BASE_PORT) if secure else None
    chosen = " and ".join(f"{what} {p}" for what, p in (("port", port), ("TLS port", tls))
                          if p is not None)
    ctx.diags.add(QEMU400, f"<graphics type='spice' autoport='yes'> gets {chosen}: libvirt"
                  " takes the first free port from 5900 when it starts the guest, and QEMU"
                  " cannot search for one", gfx.span,
                  "give port= (and tlsPort=) to choose, if another display may hold it")
    return port, tls


def build_spice(gfx: Graphics, domain: Domain, ctx: QemuContext) -> List[Option]:
    from .graphics import build_keymap, network_address

    if not ctx.has(Cap.SPICE):
        ctx.unsupported(gfx.span, "<graphics type='spice'>", "use type='vnc'")
        return []
    listen = _listen(gfx)
    props: list = []
    has_plain = has_tls = False
    if listen.type is ListenType.SOCKET:
        if not ctx.has(Cap.SPICE_UNIX):
            ctx.unsupported(listen.span, "a SPICE <listen type='socket'>",
                            "listen on an address")
            return []
        path = listen.socket or os.path.join(runtime_dir(domain, ctx.runtime_dir),
                                             SOCKET_NAME)
        props += [("unix", True), ("addr", path)]
        has_plain = True
    elif listen.type is ListenType.NONE:
        props.append(("port", 0))
        has_plain = True
    else:
        port, tls = _ports(gfx, ctx)
        has_plain, has_tls = port is not None, tls is not None
        if listen.type is ListenType.NETWORK:
            address = network_address(listen, ctx)
        else:
            address = listen.address or gfx.listen or DEFAULT_LISTEN
        props += [("port", port), ("tls-port", tls),
                  ("addr", address if has_plain or has_tls else None)]
    if gfx.mouse is not None and gfx.mouse.mode is not None:
        props.append(("agent-mouse", AGENT_MOUSE[gfx.mouse.mode]))
    objects, password = _password(gfx, ctx)
    props += password
    if has_tls:
        props.append(("x509-dir", X509_DIR))
        ctx.diags.add(QEMU403, "<graphics type='spice'> with a TLS port: QEMU reads its"
                      f" certificates from {X509_DIR} (ca-cert.pem, server-cert.pem,"
                      " server-key.pem) and fails to start without them", gfx.span,
                      f"install the certificates in {X509_DIR}")
    props += _channels(gfx, has_plain, has_tls, ctx)
    props += _compression(gfx)
    gl = _gl(gfx, listen, ctx)
    if gl is None:
        return []
    props += gl
    props.append(("seamless-migration", True))
    return objects + [Option("-spice", Opts.of(None, *props), gfx.span)] + build_keymap(gfx)


def _password(gfx: Graphics, ctx: QemuContext) -> Tuple[List[Option], list]:
    if gfx.passwd is None:
        return [], [("disable-ticketing", True)]
    if not ctx.has(Cap.SPICE_PASSWORD_SECRET):
        # Ticketing stays on and no password is set: every client is refused until one is.
        ctx.diags.add(QEMU308, "<graphics type='spice' passwd='…'> cannot be given on QEMU"
                      f" {ctx.dialect.version}'s command line; SPICE starts refusing every"
                      " client until a password is set", gfx.span,
                      "after start run QMP `set_password` with protocol 'spice'")
        return [], []
    secret_id = "graphics-spice-password"
    ctx.diags.add(QEMU401, "<graphics type='spice' passwd='…'> goes to QEMU in a secret"
                  " object on its command line, which every local user can read; libvirt"
                  " sets it over the monitor instead", gfx.span,
                  "drop passwd= and run QMP `set_password` after start if that matters")
    secret = Option("-object", Opts.of("secret", ("id", secret_id), ("data", gfx.passwd),
                                       ("format", "raw")), gfx.span)
    return [secret], [("password-secret", secret_id)]


def _channels(gfx: Graphics, has_plain: bool, has_tls: bool, ctx: QemuContext) -> list:
    props = []
    wanted = [("default", gfx.default_mode, gfx.span)]
    wanted += [(CHANNEL_NAME[c.name], c.mode, c.span) for c in gfx.channels]
    for name, mode, span in wanted:
        key = CHANNEL_KEY[mode] if mode is not None else None
        if key is None:
            continue
        missing = ("the TLS port (tlsPort=)" if mode is SpiceMode.SECURE and not has_tls
                   else "a plain port (port=)" if mode is SpiceMode.INSECURE and not has_plain
                   else None)
        if missing is not None:
            what = "defaultMode" if name == "default" else f"<channel name='{name}'"
            ctx.diags.add(QEMU402, f"SPICE {what} mode='{mode.value}'"
                          f"{'' if name == 'default' else '>'} needs {missing}, which this"
                          " display doesn't have", span,
                          "give the port it needs, or use autoport='yes'")
            continue
        props.append((key, name))
    return props


def _compression(gfx: Graphics) -> list:
    def value(part, field, table=None):
        got = getattr(part, field) if part is not None else None
        return table[got] if table is not None and got is not None else got

    copypaste = gfx.clipboard.copypaste if gfx.clipboard is not None else None
    transfer = gfx.filetransfer.enable if gfx.filetransfer is not None else None
    return [("image-compression", value(gfx.image, "compression", IMAGE_COMPRESSION)),
            ("jpeg-wan-compression", value(gfx.jpeg, "compression", WAN_COMPRESSION)),
            ("zlib-glz-wan-compression", value(gfx.zlib, "compression", WAN_COMPRESSION)),
            ("playback-compression", value(gfx.playback, "compression")),
            ("streaming-video", value(gfx.streaming, "mode", STREAMING_VIDEO)),
            ("disable-copy-paste", True if copypaste is False else None),
            ("disable-agent-file-xfer", True if transfer is False else None)]


def _gl(gfx: Graphics, listen: Listen, ctx: QemuContext) -> Optional[list]:
    gl = gfx.gl
    if gl is None or not gl.enable:
        return []
    if not ctx.has(Cap.SPICE_GL):
        ctx.unsupported(gl.span, "SPICE <gl enable='yes'>", "remove <gl>")
        return None
    if listen.type in (ListenType.ADDRESS, ListenType.NETWORK):
        ctx.diags.add(QEMU404, "<gl enable='yes'> on a SPICE display that listens on a TCP"
                      " port: QEMU's SPICE OpenGL is local only and refuses port=/tls-port=",
                      gl.span, "use <listen type='socket'/> or <listen type='none'/>")
        return None
    return [("gl", True), ("rendernode", gl.rendernode)]
