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
from ....compiler.rules.codes import QEMU302, QEMU306, QEMU307, QEMU320
from ..context import QemuContext
from ..dialects import Cap
from ..opts import Option, Opts, Raw
from . import device_id, not_compiled, placement, usb_address, virtio_serial_address

CHARDEV_BACKEND: Dict[CharType, str] = {
    CharType.PTY: "pty", CharType.NULL: "null", CharType.FILE: "file",
    CharType.PIPE: "pipe", CharType.DEV: "serial", CharType.TCP: "socket",
    CharType.UDP: "udp", CharType.UNIX: "socket", CharType.STDIO: "stdio", CharType.VC: "vc",
    CharType.SPICEVMC: "spicevmc", CharType.SPICEPORT: "spiceport",
    CharType.QEMU_VDAGENT: "qemu-vdagent",
}
# The SPICE-side types, and the flag each needs.
SPICE_TYPES = {CharType.SPICEVMC: Cap.SPICE, CharType.SPICEPORT: Cap.SPICEPORT,
               CharType.QEMU_VDAGENT: Cap.QEMU_VDAGENT}
# A host device behind a parallel port is a parport, not a tty.
DEV_BACKEND: Dict[CharKind, str] = {
    CharKind.SERIAL: "serial", CharKind.CONSOLE: "serial", CharKind.PARALLEL: "parallel",
}
KIND_SWITCH: Dict[CharKind, str] = {
    CharKind.SERIAL: "-serial", CharKind.CONSOLE: "-serial", CharKind.PARALLEL: "-parallel",
}


# A serial's <target type> (or its <model name>) → the -device that libvirt gives it.
SERIAL_MODELS = {"isa-serial": "isa-serial", "pci-serial": "pci-serial",
                 "usb-serial": "usb-serial"}


def build_all(nodes, domain: Domain, ctx: QemuContext) -> List[Option]:
    """Serials, then parallels, then the console: charserialN counts the serials."""
    devices = domain.devices
    for node in nodes:
        # A serial written with its target type or model is built as libvirt builds it
        # (-device isa-serial…): its alias and PCI address are honoured there.
        honoured = ("alias", "address") if _as_device(node) or (
            node.kind is CharKind.CONSOLE and node.target_type == "virtio") else ()
        not_compiled(node, ctx, honoured=honoured)
    out: List[Option] = []

    def ok(dev: CharDevice) -> bool:
        return spice_chardev_ok(dev, domain, ctx, f"<{dev.kind.value}>")

    for index, dev in enumerate(devices.serials):
        if not ok(dev):
            continue
        if _as_device(dev):
            out.extend(build_serial_device(dev, f"charserial{index}", domain, ctx))
        else:
            out.extend(build_char(dev, f"charserial{index}", ctx))
    for index, dev in enumerate(devices.parallels):
        if ok(dev):
            out.extend(build_char(dev, f"charparallel{index}", ctx))
    for index, console in enumerate(devices.consoles):
        _runtime_path(console, ctx)
        if console.target_type not in (None, "serial"):
            if ok(console):
                out.extend(build_virtio_console(console, index, ctx))
            continue
        # libvirt's QEMU console is the guest's first serial port: when a <serial> exists
        # the console is that same port, otherwise it becomes one.
        if devices.serials or index > 0:
            _check_console_matches(console, devices.serials, ctx)
            continue
        # libvirt makes this console serial port 0 (virDomainDefAddConsoleCompat), with
        # that port's chardev id
        if ok(console):
            out.extend(build_char(console, "charserial0", ctx))
    return out


def _as_device(dev: CharDevice) -> bool:
    """Today's documents name a serial's target type and model (virt-install and dumpxml
    always do); libvirt gives those a -chardev and a -device. A 2007-style <serial> with
    neither keeps the -serial form it always had (the same isa-serial port in the guest)."""
    return dev.kind is CharKind.SERIAL and (dev.target_type is not None
                                            or dev.target_model is not None)


def build_serial_device(dev: CharDevice, char_id: str, domain: Domain,
                        ctx: QemuContext) -> List[Option]:
    """-chardev … -device isa-serial|pci-serial|usb-serial,chardev=…,id=serialN, as
    libvirt writes it."""
    kind = dev.target_model or dev.target_type or "isa-serial"
    model = SERIAL_MODELS.get(kind)
    if model is None:
        ctx.diags.add(QEMU320, f"a serial port with <target type='{dev.target_type}'> "
                      f"(model {kind}) is valid libvirt XML, but virtc builds only isa-serial, "
                      "pci-serial and usb-serial ports for QEMU", dev.target.span if dev.target else dev.span,
                      hint="use <target type='isa-serial'>, or start this guest with libvirt")
        return []
    if not ctx.has(Cap.CHARDEV):
        return build_char(dev, char_id, ctx)     # the old -serial form: an isa-serial port
    _runtime_path(dev, ctx)
    dev_id = device_id(dev.info, dev.span, ctx)
    if dev_id is None:
        return []
    props = [("chardev", char_id), ("id", dev_id)]
    if model == "isa-serial":
        props.append(("index", dev.target_port))
    elif model == "usb-serial":
        props += usb_address(dev.info)       # the USB port post-parse (or the XML) gave it
    else:
        where = placement(dev.info, domain, ctx, "<serial>")
        if where is None:
            return []
        props += where
    return [Option("-chardev", Opts.of(chardev_backend(dev), ("id", char_id),
                                       *chardev_props(dev)), dev.span),
            Option("-device", Opts.of(model, *props), dev.span)]


def build_virtio_console(console: CharDevice, index: int, ctx: QemuContext) -> List[Option]:
    """<console><target type='virtio'/> → a virtconsole port on the virtio-serial bus."""
    if console.target_type != "virtio" or not ctx.has(Cap.CHARDEV):
        ctx.diags.add(QEMU320, f"<console> with <target type='{console.target_type}'> is "
                      "valid libvirt XML, but virtc builds only serial and virtio consoles for "
                      "QEMU", console.target.span if console.target else console.span,
                      hint="use <target type='serial'/> or <target type='virtio'/>")
        return []
    dev_id = console.info.alias or f"console{index}"
    char_id = f"char{dev_id}"
    where = virtio_serial_address(console.info)
    port = [("bus", where[0]), ("nr", where[1] or None)] if where else []
    return [Option("-chardev", Opts.of(chardev_backend(console), ("id", char_id),
                                       *chardev_props(console)), console.span),
            Option("-device", Opts.of("virtconsole", *port, ("chardev", char_id),
                                      ("id", dev_id)), console.span)]


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


def spice_chardev_ok(dev: CharDevice, domain: Domain, ctx: QemuContext,
                     what: str) -> bool:
    """Whether a spicevmc, spiceport or qemu-vdagent device can be built (anything else
    can): the dialect must have it, and a spiceport needs a SPICE display (QEMU refuses
    one without: "spice not enabled")."""
    cap = SPICE_TYPES.get(dev.type)
    if cap is None:
        return True
    if not ctx.has(cap):
        ctx.unsupported(dev.span, f"{what} of type '{dev.type.value}'",
                        "use another character device type")
        return False
    if dev.type is CharType.SPICEPORT and not any(
            g.type.value == "spice" for g in domain.devices.graphics):
        from ....compiler.devices.graphics import QEMU405

        ctx.diags.add(QEMU405, f"{what} of type 'spiceport' needs a SPICE display, and this"
                      " guest has none; QEMU refuses to start (\"spice not enabled\")",
                      dev.span, hint="add <graphics type='spice'/>, or use another type")
        return False
    return True


def chardev_props(dev: CharDevice,
                  spicevmc: str = "vdagent") -> Tuple[Tuple[str, object], ...]:
    """The -chardev properties after id=; `spicevmc` names the SPICE channel a spicevmc
    device carries (vdagent, or smartcard and usbredir for those families)."""
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
        case CharType.SPICEVMC:
            return (("name", spicevmc),)
        case CharType.SPICEPORT:
            return (("name", dev.spice_channel),)
        case CharType.QEMU_VDAGENT:
            source = dev.sources[-1] if dev.sources else None
            clipboard = source.clipboard if source is not None else None
            mouse = source.mouse if source is not None else None
            return (("name", "vdagent"),
                    ("clipboard", clipboard.copypaste if clipboard is not None else None),
                    ("mouse", None if mouse is None or mouse.mode is None
                     else mouse.mode == "client"))
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
        case CharType.SPICEVMC | CharType.SPICEPORT | CharType.QEMU_VDAGENT:
            ctx.unsupported(dev.span, f"<{dev.kind.value} type='{dev.type.value}'>",
                            "use another character device type")
            return None
        case _:
            assert_never(dev.type)
