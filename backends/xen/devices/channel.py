"""<channel> on Xen (compiler/devices/channel.py): xl's channel list, and reading it back.

Follows libvirt's xenFormatXLChannel / xenParseXLChannel (src/libxl/xen_xl.c): a channel
with <target type='xen' name> is "connection=pty,name=NAME", or, for a unix socket the
host side listens on, "connection=socket,path=PATH,name=NAME". Reading back, a socket
channel is <channel type='unix'> with <source mode='bind'>, as libvirt reads it.

What xl can't express is XEN440: any channel on xm (no channel key), a virtio or guestfwd
target (libvirt leaves those out of an xl config), another host side than pty or a
listening unix socket, and a channel without a name. xl.py places the key in its key
order (build_channels), so this module has no generic `build`.
"""
from __future__ import annotations

from typing import Dict, List, Optional

from ....compiler.devices.channel import Channel, ChannelTargetType, make
from ....compiler.devices.chardev import CharMode, CharType
from ....compiler.rules.codes import XEN427, XEN428, XEN440
from ..common import Builder, Config
from ..import_values import ConfigReader, entry_fields

# xl's connection= for each host side it has.
CONNECTIONS: Dict[CharType, str] = {CharType.PTY: "pty", CharType.UNIX: "socket"}


def _cannot(b: Builder, ch: Channel, why: str, hint: str) -> None:
    b.report(XEN440, f"<channel type='{ch.type.value}'> is valid libvirt XML, but {why}; the "
             "guest would lack it", ch.span, hint=hint)


def _entry(b: Builder, ch: Channel) -> Optional[str]:
    if ch.target_type is not ChannelTargetType.XEN:
        target = ch.target_type.value if ch.target_type else ""
        _cannot(b, ch, f"xl has Xen PV channels only, not <target type='{target}'>",
                "use <target type='xen' name='…'/>")
        return None
    connection = CONNECTIONS.get(ch.type)
    if connection is None or (ch.type is CharType.UNIX and ch.mode is not CharMode.BIND):
        _cannot(b, ch, "an xl channel is a pty or a unix socket the host listens on",
                "use type='pty', or type='unix' with <source mode='bind' path='…'/>")
        return None
    if not ch.target_name:
        _cannot(b, ch, "an xl channel needs a name", "add name='…' to <target>")
        return None
    fields = [f"connection={connection}"]
    if ch.type is CharType.UNIX and ch.path is not None:
        if not b.no_separator("channel socket path", ch.path, ch.span, "channel"):
            return None
        fields.append(f"path={ch.path}")
    if not b.no_separator("channel name", ch.target_name, ch.span, "channel"):
        return None
    fields.append(f"name={ch.target_name}")
    return ",".join(fields)


def build_channels(b: Builder, config: Config) -> None:
    channels = b.domain.devices.of(Channel)
    if b.target != "xen-xl":
        for ch in channels:
            _cannot(b, ch, "xm has no channel key", "compile for --target xen-xl")
        return
    entries: List[str] = [e for e in (_entry(b, ch) for ch in channels) if e is not None]
    if entries:
        config.set("channel", entries)


# ------------------------------------------------------------------ import

def channels(r: ConfigReader, xl: bool) -> List[Channel]:
    out = []
    for _, entry, span in (r.strings("channel") if xl else ()):
        fields: Dict[str, str] = {}
        for key, value in entry_fields(entry):
            if key in ("connection", "name", "path") and value is not None:
                fields[key] = value
            else:
                r.report(XEN428, f"channel field {key!r} has no domain XML equivalent; "
                         "ignored", span)
        connection = fields.get("connection")
        if connection == "pty":
            if "path" in fields:
                r.report(XEN428, "channel field 'path' means nothing for a pty; ignored", span)
            out.append(make(CharType.PTY, ChannelTargetType.XEN, fields.get("name"),
                            span=span))
        elif connection == "socket":
            out.append(make(CharType.UNIX, ChannelTargetType.XEN, fields.get("name"),
                            path=fields.get("path"), mode=CharMode.BIND, span=span))
        else:
            r.report(XEN427, f"channel entry {entry!r}: connection must be pty or socket",
                     span, hint='write "connection=pty,name=org.example.channel"')
    return out
