"""<serial>, <parallel> and <console>: character devices and the host side each is
connected to. One family, three elements, one node class each.

    <serial type='tcp'>
      <source mode='bind' host='127.0.0.1' service='4555'/>
      <protocol type='telnet'/>
      <target port='0'/>
    </serial>
    <serial type='udp'>
      <source mode='bind' host='0.0.0.0' service='2445'/>
      <source mode='connect' host='192.168.1.2' service='2445'/>
    </serial>
    <console type='pty' tty='/dev/pts/3'/>

Schema: schemas/domain/chardev.xsd. Builders: backends/qemu/devices/chardev.py (-chardev
with -serial/-parallel, placed by backends/qemu/argv.py in QEMU's order),
backends/xen/devices/chardev.py (the serial and parallel keys, and reading them back).

Which <source> attributes count depends on the type: a path for pty, file, pipe, dev and
unix; host and service for tcp and udp (udp's mode='bind' source is the local side); none
for null, stdio and vc, whose <source> stays unread and is reported. The values the rules
and builders ask for (path, host, service, mode, bind_host, bind_service, protocol_type,
target_port) are read through the sub-nodes as libvirt's parser reads them: the last
<source> that counts wins; no mode= means connect and no <protocol> raw.

Its rules (SEM220) are documented with the seed rules (compiler/rules/).
"""
from __future__ import annotations

from typing import ClassVar, Optional, Tuple

from ..diagnostics import Diagnostics, Span
from ..ir import NOWHERE, Domain
from ..rules.codes import SEM220
from .info import EMPTY, DeviceInfo
from .xmlmap import Attr, Child, Children, Info, lower as lower_node, yes_no
from ..node import Choice, Node, replace

TAGS = ("serial", "parallel", "console")


class CharKind(Choice):
    """Which element a character device came from."""

    SERIAL = "serial"
    PARALLEL = "parallel"
    CONSOLE = "console"


class CharType(Choice):
    PTY = "pty"
    NULL = "null"
    FILE = "file"
    PIPE = "pipe"
    DEV = "dev"
    TCP = "tcp"
    UDP = "udp"
    UNIX = "unix"
    STDIO = "stdio"
    VC = "vc"
    SPICEVMC = "spicevmc"          # a SPICE channel: the agent, a smartcard, a USB redirection
    SPICEPORT = "spiceport"        # a named SPICE port (<source channel>)
    QEMU_VDAGENT = "qemu-vdagent"  # QEMU's own clipboard/mouse agent (<source><clipboard/>…)


class CharMode(Choice):
    BIND = "bind"        # listen / server side
    CONNECT = "connect"  # client side


class CharProtocol(Choice):
    RAW = "raw"
    TELNET = "telnet"


PATH_TYPES = (CharType.FILE, CharType.PIPE, CharType.DEV, CharType.PTY, CharType.UNIX)
NO_SOURCE_TYPES = (CharType.NULL, CharType.STDIO, CharType.VC, CharType.SPICEVMC)


class SourceClipboard(Node):
    """<clipboard copypaste> in a qemu-vdagent <source>."""

    TAG: ClassVar[str] = "clipboard"
    XML: ClassVar[tuple] = (Attr("copypaste", "copypaste", yes_no),)
    copypaste: Optional[bool] = None
    span: Span = NOWHERE


class SourceMouse(Node):
    """<mouse mode='client|server'> in a qemu-vdagent <source>."""

    TAG: ClassVar[str] = "mouse"
    XML: ClassVar[tuple] = (Attr("mode", "mode"),)
    mode: Optional[str] = None
    span: Span = NOWHERE


class CharSource(Node):
    """One <source mode path host service>; a spiceport's <source channel>; a
    qemu-vdagent's <source> with <clipboard> and <mouse>."""

    TAG: ClassVar[str] = "source"
    XML: ClassVar[tuple] = (
        Attr("mode", "mode", CharMode),
        Attr("path", "path"),
        Attr("host", "host"),
        Attr("service", "service"),
        Attr("channel", "channel"),
        Child("clipboard", SourceClipboard),
        Child("mouse", SourceMouse),
    )
    mode: Optional[CharMode] = None
    path: Optional[str] = None
    host: Optional[str] = None
    service: Optional[str] = None      # a port, as written
    channel: Optional[str] = None      # spiceport
    clipboard: Optional[SourceClipboard] = None   # qemu-vdagent
    mouse: Optional[SourceMouse] = None           # qemu-vdagent
    span: Span = NOWHERE


class CharProtocolSpec(Node):
    """<protocol type> of a tcp device."""

    TAG: ClassVar[str] = "protocol"
    XML: ClassVar[tuple] = (Attr("type", "type", CharProtocol),)
    type: Optional[CharProtocol] = None
    span: Span = NOWHERE


class CharTargetModel(Node):
    """<model name>: the device model behind a serial target (isa-serial, pci-serial, …)."""

    TAG: ClassVar[str] = "model"
    XML: ClassVar[tuple] = (Attr("name", "name"),)
    name: Optional[str] = None
    span: Span = NOWHERE


class CharTarget(Node):
    """<target type port>: what the guest sees (a serial's isa-serial, pci-serial or
    usb-serial; a console's serial, virtio or xen) and its port number (post-parse numbers
    ports not written). `type` and `model` stay as written: which of libvirt's values a
    backend builds is that backend's decision."""

    TAG: ClassVar[str] = "target"
    XML: ClassVar[tuple] = (Attr("type", "type"), Attr("port", "port", int),
                            Child("model", CharTargetModel))
    type: Optional[str] = None
    port: Optional[int] = None
    model: Optional[CharTargetModel] = None
    span: Span = NOWHERE


_XML = (
    Attr("type", "type", CharType),
    Children("sources", CharSource),
    Child("protocol", CharProtocolSpec),
    Child("target", CharTarget),
    Info(),
)


class CharDevice(Node):
    """A character device; Serial, Parallel and Console are its elements."""

    TAG: ClassVar[str] = ""
    XML: ClassVar[tuple] = _XML
    type: CharType = CharType.PTY
    sources: Tuple[CharSource, ...] = ()
    protocol: Optional[CharProtocolSpec] = None
    target: Optional[CharTarget] = None
    info: DeviceInfo = EMPTY
    span: Span = NOWHERE

    @property
    def kind(self) -> CharKind:
        return CharKind(self.TAG)

    @property
    def path(self) -> Optional[str]:
        """The file, pipe, device, socket or pty path (a console's tty= unless a source
        says otherwise)."""
        path = getattr(self, "tty", None)
        if self.type in PATH_TYPES:
            for source in self.sources:
                path = source.path or path
        return path

    def _remote(self) -> Tuple[CharSource, ...]:
        """The sources that name the far side: every tcp one, udp's non-bind ones."""
        if self.type is CharType.TCP:
            return self.sources
        if self.type is CharType.UDP:
            return tuple(s for s in self.sources if s.mode is not CharMode.BIND)
        return ()

    def _bind(self) -> Optional[CharSource]:
        if self.type is not CharType.UDP:
            return None
        binds = [s for s in self.sources if s.mode is CharMode.BIND]
        return binds[-1] if binds else None

    @property
    def host(self) -> Optional[str]:
        remote = self._remote()
        return remote[-1].host if remote else None

    @property
    def service(self) -> Optional[str]:
        remote = self._remote()
        return remote[-1].service if remote else None

    @property
    def mode(self) -> CharMode:
        """Which side of a tcp or unix socket the host is; connect unless a source says."""
        counted = self._remote() if self.type is not CharType.UNIX else self.sources
        modes = [s.mode for s in counted if s.mode is not None]
        return modes[-1] if modes else CharMode.CONNECT

    @property
    def bind_host(self) -> Optional[str]:
        bind = self._bind()
        return bind.host if bind else None

    @property
    def bind_service(self) -> Optional[str]:
        bind = self._bind()
        return bind.service if bind else None

    @property
    def spice_channel(self) -> Optional[str]:
        """A spiceport's port name (<source channel>; the last one counts)."""
        names = [s.channel for s in self.sources if s.channel is not None]
        return names[-1] if names else None

    @property
    def protocol_type(self) -> CharProtocol:
        proto = self.protocol
        return proto.type if proto is not None and proto.type is not None else CharProtocol.RAW

    @property
    def target_port(self) -> Optional[int]:
        return self.target.port if self.target is not None else None

    @property
    def target_type(self) -> Optional[str]:
        return self.target.type if self.target is not None else None

    @property
    def target_model(self) -> Optional[str]:
        target = self.target
        return target.model.name if target is not None and target.model is not None else None


class Serial(CharDevice, Node):
    """One <serial>."""

    TAG: ClassVar[str] = "serial"


class Parallel(CharDevice, Node):
    """One <parallel>."""

    TAG: ClassVar[str] = "parallel"


class Console(CharDevice, Node):
    """One <console>; tty= is the pty a running guest got."""

    TAG: ClassVar[str] = "console"
    XML: ClassVar[tuple] = (_XML[0], Attr("tty", "tty"), *_XML[1:])
    tty: Optional[str] = None


CLASSES = {CharKind.SERIAL: Serial, CharKind.PARALLEL: Parallel, CharKind.CONSOLE: Console}
NODE = CharDevice

# This family's place in libvirt's order of USB ports (compiler/postparse/qemu.py, 5).
USB_ORDER = 50


def wants_usb_port(node: CharDevice) -> bool:
    """A <serial> whose target is usb-serial takes a USB port."""
    return node.TAG == "serial" and "usb-serial" in (node.target_type, node.target_model)


def make(kind: CharKind, type: CharType, *, path: Optional[str] = None,
         host: Optional[str] = None, service: Optional[str] = None,
         mode: CharMode = CharMode.CONNECT, bind_host: Optional[str] = None,
         bind_service: Optional[str] = None, protocol: CharProtocol = CharProtocol.RAW,
         target_port: Optional[int] = 0, span: Span = NOWHERE) -> CharDevice:
    """The node for these values, its sub-nodes as libvirt writes them (every part at
    `span`): what the xm/xl importer builds, and tests."""
    sources = []
    if type is CharType.UDP:
        if bind_host is not None or bind_service is not None:
            sources.append(CharSource(CharMode.BIND, host=bind_host, service=bind_service,
                                      span=span))
        sources.append(CharSource(CharMode.CONNECT, host=host, service=service, span=span))
    elif path is not None or host is not None or service is not None:
        written = mode if type in (CharType.TCP, CharType.UNIX) else None
        if written is CharMode.CONNECT and type is CharType.UNIX:
            written = None
        sources.append(CharSource(written, path, host, service, span=span))
    spec = (CharProtocolSpec(protocol, span)
            if type is CharType.TCP and protocol is not CharProtocol.RAW else None)
    target = CharTarget(port=target_port, span=span) if target_port is not None else None
    return CLASSES[kind](type, sources=tuple(sources), protocol=spec, target=target, span=span)


def lower(r, el, index: int) -> CharDevice:
    return lower_node(CLASSES[CharKind(el.tag)], r, el, **read_host_side(r, el))


def read_host_side(r, el) -> dict:
    """type=, the <source>s and the <protocol> of any character device element (<serial>,
    <channel>, …): the fields its type reads; a source of a type that reads none is left
    unread (reported)."""
    ctype = r.enum(el, "type", CharType, CharType.PTY)
    sources = []
    for src in r.peek_all(el, "source"):
        if ctype in NO_SOURCE_TYPES:
            continue                    # these read no source: it is reported as unused
        if ctype is CharType.SPICEPORT:
            r.use(src)
            sources.append(CharSource(channel=r.attr(src, "channel"), span=r.span(src)))
            continue
        if ctype is CharType.QEMU_VDAGENT:
            from .xmlmap import lower as by_mapping

            sources.append(by_mapping(CharSource, r, src))
            continue
        r.use(src)
        mode = r.enum(src, "mode", CharMode)
        if ctype in PATH_TYPES:
            sources.append(CharSource(mode, path=r.attr(src, "path"), span=r.span(src)))
        else:
            sources.append(CharSource(mode, host=r.attr(src, "host"),
                                      service=r.attr(src, "service"), span=r.span(src)))
    protocol = None
    proto_el = r.peek(el, "protocol")
    if proto_el is not None and ctype is CharType.TCP:
        r.use(proto_el)
        protocol = CharProtocolSpec(r.enum(proto_el, "type", CharProtocol), r.span(proto_el))
    return {"type": ctype, "sources": tuple(sources), "protocol": protocol}


def postparse(node: CharDevice, index: int, domain: Domain) -> CharDevice:
    """Defaults, as libvirt applies them:

    - <target port>, when not written: the device's position among the elements of its
      kind (the first <serial> is port 0, the next port 1; libvirt's
      virDomainChrDefAssignTarget);
    - alias: `serial<N>`, `parallel<N>`, `console<N>` (libvirt's qemuAssignDeviceAliases).
      libvirt counts consoles after its own compat step (virDomainDefAddConsoleCompat):
      a guest with a serial port whose first <console> is not a serial console gets a
      console for serial port 0 in front, so the document's consoles count from 1.
    """
    if isinstance(node, Console) and _serial_console_added(domain):
        index += 1
    target = node.target
    if target is None or target.port is None:
        span = target.span if target is not None else NOWHERE
        target = (replace(target, port=index) if target is not None
                  else CharTarget(port=index, span=span))
    return replace(node, target=target,
                   info=replace(node.info, alias=node.info.alias or f"{node.TAG}{index}"))


def _serial_console_added(domain: Domain) -> bool:
    devices = domain.devices
    consoles = devices.consoles
    return bool(devices.serials) and bool(consoles) and consoles[0].target_type not in (
        None, "serial")


_NEEDS_PATH = (CharType.FILE, CharType.PIPE, CharType.DEV, CharType.UNIX)


def check(dev: CharDevice, diags: Diagnostics) -> None:
    tag = dev.kind.value
    if dev.type in _NEEDS_PATH and not dev.path:
        diags.add(SEM220, f"<{tag} type='{dev.type.value}'> needs <source path='…'>", dev.span,
                  hint=f"name the {dev.type.value} with <source path='…'/>")
    elif dev.type in (CharType.TCP, CharType.UDP) and not dev.service:
        diags.add(SEM220, f"<{tag} type='{dev.type.value}'> needs <source service='…'>", dev.span,
                  hint="give the port: <source mode='connect' host='127.0.0.1' service='4555'/>")
    elif dev.type is CharType.TCP and not dev.host:
        # libvirt 9.0 refuses it too: "Missing source host attribute for char device"
        # (a udp device may leave its host out).
        diags.add(SEM220, f"<{tag} type='tcp'> needs <source host='…'>", dev.span,
                  hint="give the address to listen on or connect to, e.g. host='127.0.0.1'")

