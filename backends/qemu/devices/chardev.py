"""<serial>, <parallel> and <console> (compiler/devices/chardev.py): serial ports, parallel
ports and the console. argv.py places them in QEMU's order (build_all), after -nographic.
A device's <address>, <boot>, <acpi> are QEMU320 on their own line, <alias> QEMU321.

Modern dialects declare each back end with -chardev (so the one serializer escapes every
path) and point -serial/-parallel at it. Older ones use the compact `-serial tcp:h:p,…`
strings, whose file:/pipe:/device forms QEMU reads verbatim.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple, assert_never

from ....compiler.devices.chardev import CharDevice, CharKind, CharMode, CharProtocol, CharType
from ....compiler.ir import Domain
from ....compiler.rules.codes import QEMU302, QEMU306, QEMU307
from ..context import QemuContext
from ..dialects import Cap
from ..opts import Option, Opts, Raw
from . import not_compiled

CHARDEV_BACKEND: Dict[CharType, str] = {
    CharType.PTY: "pty", CharType.NULL: "null", CharType.FILE: "file",
    CharType.PIPE: "pipe", CharType.DEV: "serial", CharType.TCP: "socket",
    CharType.UDP: "udp", CharType.UNIX: "socket", CharType.STDIO: "stdio", CharType.VC: "vc",
}
# A host device behind a parallel port is a parport, not a tty.
DEV_BACKEND: Dict[CharKind, str] = {
    CharKind.SERIAL: "serial", CharKind.CONSOLE: "serial", CharKind.PARALLEL: "parallel",
}
KIND_SWITCH: Dict[CharKind, str] = {
    CharKind.SERIAL: "-serial", CharKind.CONSOLE: "-serial", CharKind.PARALLEL: "-parallel",
}


def build_all(nodes, domain: Domain, ctx: QemuContext) -> List[Option]:
    """Serials, then parallels, then the console: charserialN counts the serials."""
    devices = domain.devices
    for node in nodes:
        not_compiled(node, ctx)
    out: List[Option] = []
    for index, dev in enumerate(devices.serials):
        out.extend(build_char(dev, f"charserial{index}", ctx))
    for index, dev in enumerate(devices.parallels):
        out.extend(build_char(dev, f"charparallel{index}", ctx))
    for index, console in enumerate(devices.consoles):
        _runtime_path(console, ctx)
        # libvirt's QEMU console is the guest's first serial port: when a <serial> exists
        # the console is that same port, otherwise it becomes one.
        if devices.serials or index > 0:
            _check_console_matches(console, devices.serials, ctx)
            continue
        out.extend(build_char(console, "charconsole0", ctx))
    return out


def _runtime_path(dev: CharDevice, ctx: QemuContext) -> None:
    if dev.type is CharType.PTY and dev.path:
        ctx.diags.add(QEMU307, f"<{dev.kind.value} tty='{dev.path}'> is the pty QEMU chose"
                      " at run time; the next start gets a new one", dev.span,
                      "read the pty from QMP `query-chardev` after start")


def _check_console_matches(console: CharDevice, serials, ctx: QemuContext) -> None:
    first = serials[0] if serials else None
    if first is None or console.type is not first.type:
        ctx.diags.add(QEMU306, f"<console type='{console.type.value}'> has no QEMU"
                      " equivalent and is ignored: QEMU's console is the first serial port,"
                      " already defined by <serial>", console.span,
                      "give the console the same type as the first <serial>, or drop it")


def build_char(dev: CharDevice, char_id: str, ctx: QemuContext) -> List[Option]:
    # SEM220 has made sure of each type's path or service (compiler/devices/chardev.py).
    if dev.kind is not CharKind.CONSOLE:
        _runtime_path(dev, ctx)
    switch = KIND_SWITCH[dev.kind]
    if ctx.has(Cap.CHARDEV):
        return [Option("-chardev", Opts.of(chardev_backend(dev), ("id", char_id),
                                           *chardev_props(dev)), dev.span),
                Option(switch, Raw(f"chardev:{char_id}"), dev.span)]
    legacy = legacy_char(dev, ctx)
    return [Option(switch, legacy, dev.span)] if legacy is not None else []


def chardev_backend(dev: CharDevice) -> str:
    if dev.type is CharType.DEV:
        return DEV_BACKEND[dev.kind]
    return CHARDEV_BACKEND[dev.type]


def _server(dev: CharDevice) -> Tuple[Tuple[str, Optional[bool]], ...]:
    # A listening socket must not block QEMU's start-up waiting for its first client.
    if dev.mode is CharMode.BIND:
        return (("server", True), ("wait", False))
    return ()


def chardev_props(dev: CharDevice) -> Tuple[Tuple[str, object], ...]:
    match dev.type:
        case CharType.PTY | CharType.NULL | CharType.STDIO | CharType.VC:
            return ()
        case CharType.FILE | CharType.PIPE | CharType.DEV:
            return (("path", dev.path),)
        case CharType.TCP:
            telnet = True if dev.protocol_type is CharProtocol.TELNET else None
            return (("host", dev.host or ""), ("port", dev.service), *_server(dev),
                    ("telnet", telnet))
        case CharType.UDP:
            return (("host", dev.host), ("port", dev.service), ("localaddr", dev.bind_host),
                    ("localport", dev.bind_service))
        case CharType.UNIX:
            return (("path", dev.path), *_server(dev))
        case _:
            assert_never(dev.type)


def legacy_char(dev: CharDevice, ctx: QemuContext):
    """The compact -serial syntax of QEMU before -chardev."""
    match dev.type:
        case CharType.PTY | CharType.NULL | CharType.STDIO | CharType.VC:
            return Raw(CHARDEV_BACKEND[dev.type])
        case CharType.FILE | CharType.PIPE:
            return Raw(f"{dev.type.value}:{dev.path}")   # QEMU takes the rest verbatim
        case CharType.DEV:
            return Raw(dev.path or "")
        case CharType.TCP:
            prefix = "telnet" if dev.protocol_type is CharProtocol.TELNET else "tcp"
            return Opts.of(f"{prefix}:{dev.host or ''}:{dev.service}", *_server(dev))
        case CharType.UDP:
            bind = f"@{dev.bind_host or ''}:{dev.bind_service}" if dev.bind_service else ""
            return Raw(f"udp:{dev.host or ''}:{dev.service}{bind}")
        case CharType.UNIX:
            if "," in (dev.path or "") and not ctx.has(Cap.ONOFF_BOOLEANS):
                ctx.diags.add(QEMU302, f"<source path='{dev.path}'> contains a comma, which"
                              f" QEMU {ctx.dialect.version}'s -serial unix: syntax cannot"
                              " carry", dev.span, "use a socket path without commas")
                return None
            return Opts.of(f"unix:{dev.path}", *_server(dev))
        case _:
            assert_never(dev.type)
