"""<graphics>: the guest's display, VNC, SDL or SPICE.

    <graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1' keymap='de'>
      <listen type='address' address='127.0.0.1'/>
    </graphics>
    <graphics type='sdl' display=':0.0' xauth='/root/.Xauthority'/>
    <graphics type='spice' port='5901' tlsPort='5902' autoport='no' passwd='secret'>
      <listen type='network' network='default'/>
      <mouse mode='client'/>
      <clipboard copypaste='yes'/>
    </graphics>

Schema: schemas/domain/graphics.xsd. Builders: backends/qemu/devices/graphics.py (-vnc,
-display/-sdl, placed by backends/qemu/argv.py before the character devices),
backends/xen/devices/graphics.py (the vnc/sdl keys, the vfb entry, and reading them back).

Read: the attributes above, every <listen> (address, network, socket or none), and a
SPICE display's defaultMode=, <channel name mode>, <image>, <jpeg>, <zlib>, <playback>,
<streaming>, <clipboard>, <mouse>, <filetransfer> and <gl enable rendernode>. Anything else
(passwdValidTo=, connected=, <audio>, an SDL <gl>, …) stays unread and is reported.
`listen_address` is the address to listen on: the first <listen type='address'> (libvirt
writes the listen= attribute as a copy of it), else listen=.
The VNC listen address QEMU gets when none is written (127.0.0.1) is the QEMU driver's
default (qemu.conf vnc_listen), not the domain's, so that backend applies it.

Its rules (SEM209) are documented with the seed rules (compiler/rules/).
"""
from __future__ import annotations

from typing import ClassVar, Optional, Tuple

from .. import diagnostics as _diagnostics
from ..diagnostics import Diagnostics, Span
from ..ir import NOWHERE, Domain
from ..rules.codes import SEM209, Code
from .info import EMPTY, DeviceInfo
from .xmlmap import Attr, Child, Children, Info, lower as lower_node, on_off, yes_no
from ..node import Choice, Node, replace


class GraphicsType(Choice):
    VNC = "vnc"
    SDL = "sdl"
    SPICE = "spice"


class ListenType(Choice):
    ADDRESS = "address"
    NETWORK = "network"
    SOCKET = "socket"
    NONE = "none"


class SpiceMode(Choice):
    """defaultMode= and a <channel mode>: which port (TLS or plain) a channel takes."""

    ANY = "any"
    SECURE = "secure"
    INSECURE = "insecure"


class SpiceChannelName(Choice):
    MAIN = "main"
    DISPLAY = "display"
    INPUTS = "inputs"
    CURSOR = "cursor"
    PLAYBACK = "playback"
    RECORD = "record"
    SMARTCARD = "smartcard"
    USBREDIR = "usbredir"


class ImageCompression(Choice):
    AUTO_GLZ = "auto_glz"
    AUTO_LZ = "auto_lz"
    QUIC = "quic"
    GLZ = "glz"
    LZ = "lz"
    OFF = "off"


class WanCompression(Choice):
    """<jpeg compression> and <zlib compression>."""

    AUTO = "auto"
    NEVER = "never"
    ALWAYS = "always"


class StreamingMode(Choice):
    FILTER = "filter"
    ALL = "all"
    OFF = "off"


class MouseMode(Choice):
    SERVER = "server"
    CLIENT = "client"


class Listen(Node):
    """<listen type='address' address>, <listen type='network' network>, <listen
    type='socket' socket> (a unix socket; without socket= one the hypervisor names) or
    <listen type='none'/> (no listening at all)."""

    TAG: ClassVar[str] = "listen"
    XML: ClassVar[tuple] = (
        Attr("type", "type", ListenType),
        Attr("address", "address"),
        Attr("network", "network"),
        Attr("socket", "socket"),
    )
    type: ListenType = ListenType.ADDRESS
    address: Optional[str] = None
    network: Optional[str] = None
    socket: Optional[str] = None
    span: Span = NOWHERE


class SpiceChannel(Node):
    """<channel name mode>: one SPICE channel kept to the TLS or the plain port."""

    TAG: ClassVar[str] = "channel"
    XML: ClassVar[tuple] = (Attr("name", "name", SpiceChannelName),
                            Attr("mode", "mode", SpiceMode))
    name: SpiceChannelName = SpiceChannelName.MAIN
    mode: SpiceMode = SpiceMode.ANY
    span: Span = NOWHERE


class Image(Node):
    """<image compression>: SPICE's lossless image compression."""

    TAG: ClassVar[str] = "image"
    XML: ClassVar[tuple] = (Attr("compression", "compression", ImageCompression),)
    compression: Optional[ImageCompression] = None
    span: Span = NOWHERE


class Jpeg(Node):
    """<jpeg compression>: JPEG over WAN links."""

    TAG: ClassVar[str] = "jpeg"
    XML: ClassVar[tuple] = (Attr("compression", "compression", WanCompression),)
    compression: Optional[WanCompression] = None
    span: Span = NOWHERE


class Zlib(Node):
    """<zlib compression>: zlib-over-glz over WAN links."""

    TAG: ClassVar[str] = "zlib"
    XML: ClassVar[tuple] = (Attr("compression", "compression", WanCompression),)
    compression: Optional[WanCompression] = None
    span: Span = NOWHERE


class Playback(Node):
    """<playback compression>: compress the audio stream."""

    TAG: ClassVar[str] = "playback"
    XML: ClassVar[tuple] = (Attr("compression", "compression", on_off),)
    compression: Optional[bool] = None
    span: Span = NOWHERE


class Streaming(Node):
    """<streaming mode>: video stream detection."""

    TAG: ClassVar[str] = "streaming"
    XML: ClassVar[tuple] = (Attr("mode", "mode", StreamingMode),)
    mode: Optional[StreamingMode] = None
    span: Span = NOWHERE


class FileTransfer(Node):
    """<filetransfer enable>: file transfer through the guest agent."""

    TAG: ClassVar[str] = "filetransfer"
    XML: ClassVar[tuple] = (Attr("enable", "enable", yes_no),)
    enable: Optional[bool] = None
    span: Span = NOWHERE


class Gl(Node):
    """<gl enable rendernode>: OpenGL acceleration through a host render node."""

    TAG: ClassVar[str] = "gl"
    XML: ClassVar[tuple] = (Attr("enable", "enable", yes_no), Attr("rendernode", "rendernode"))
    enable: Optional[bool] = None
    rendernode: Optional[str] = None
    span: Span = NOWHERE


class Mouse(Node):
    """<mouse mode>: SPICE's mouse in the server or in the client (the agent's)."""

    TAG: ClassVar[str] = "mouse"
    XML: ClassVar[tuple] = (Attr("mode", "mode", MouseMode),)
    mode: Optional[MouseMode] = None
    span: Span = NOWHERE


class Clipboard(Node):
    """<clipboard copypaste>: SPICE clipboard sharing through the guest agent."""

    TAG: ClassVar[str] = "clipboard"
    XML: ClassVar[tuple] = (Attr("copypaste", "copypaste", yes_no),)
    copypaste: Optional[bool] = None
    span: Span = NOWHERE


class Graphics(Node):
    """One <graphics> console (VNC, SDL or SPICE)."""

    TAG: ClassVar[str] = "graphics"
    XML: ClassVar[tuple] = (
        Attr("type", "type", GraphicsType),
        Attr("display", "display"),
        Attr("xauth", "xauth"),
        Attr("port", "port", int),
        Attr("tlsPort", "tls_port", int),
        Attr("autoport", "autoport", yes_no),
        Attr("listen", "listen"),
        Attr("passwd", "passwd"),
        Attr("keymap", "keymap"),
        Attr("defaultMode", "default_mode", SpiceMode),
        Children("listens", Listen),
        Children("channels", SpiceChannel),
        Child("image", Image),
        Child("jpeg", Jpeg),
        Child("zlib", Zlib),
        Child("playback", Playback),
        Child("streaming", Streaming),
        Child("mouse", Mouse),
        Child("clipboard", Clipboard),
        Child("filetransfer", FileTransfer),
        Child("gl", Gl),
        Info(),
    )
    type: GraphicsType = GraphicsType.VNC
    display: Optional[str] = None       # SDL: the X display
    xauth: Optional[str] = None         # SDL: the X authority file
    port: Optional[int] = None          # VNC, SPICE: -1 = choose a free port; None = not given
    tls_port: Optional[int] = None      # SPICE: the TLS port
    autoport: Optional[bool] = None     # autoport='yes' (post-parse: or port -1)
    listen: Optional[str] = None
    passwd: Optional[str] = None
    keymap: Optional[str] = None
    default_mode: Optional[SpiceMode] = None    # SPICE
    listens: Tuple[Listen, ...] = ()
    channels: Tuple[SpiceChannel, ...] = ()     # SPICE, and the rest down to gl
    image: Optional[Image] = None
    jpeg: Optional[Jpeg] = None
    zlib: Optional[Zlib] = None
    playback: Optional[Playback] = None
    streaming: Optional[Streaming] = None
    clipboard: Optional[Clipboard] = None
    mouse: Optional[Mouse] = None
    filetransfer: Optional[FileTransfer] = None
    gl: Optional[Gl] = None
    info: DeviceInfo = EMPTY
    span: Span = NOWHERE

    @property
    def listen_address(self) -> Optional[str]:
        """The address to listen on: the first <listen type='address'>, else listen=."""
        for item in self.listens:
            if item.type is ListenType.ADDRESS and item.address is not None:
                return item.address
        return self.listen

    @property
    def listen_network(self) -> Optional[Listen]:
        """The first <listen type='network'> (the backends find its address, as libvirt does
        when the guest starts: compiler/networks.py)."""
        return next((item for item in self.listens if item.type is ListenType.NETWORK), None)


NODE = Graphics

# The codes the SPICE builder reports (backends/qemu/devices/graphics.py); documented in
# rules() below.
# (Severity is reached through the module: an enum named here would read as an IR enum.)
QEMU400 = Code("QEMU400", _diagnostics.Severity.INFO)
QEMU401 = Code("QEMU401", _diagnostics.Severity.WARNING)
QEMU441 = Code("QEMU441", _diagnostics.Severity.WARNING)
QEMU402 = Code("QEMU402", _diagnostics.Severity.ERROR)
QEMU403 = Code("QEMU403", _diagnostics.Severity.WARNING)
QEMU404 = Code("QEMU404", _diagnostics.Severity.ERROR)
QEMU405 = Code("QEMU405", _diagnostics.Severity.ERROR)
QEMU406 = Code("QEMU406", _diagnostics.Severity.ERROR)
QEMU407 = Code("QEMU407", _diagnostics.Severity.ERROR)
QEMU460 = Code("QEMU460", _diagnostics.Severity.ERROR)   # VNC and SPICE (graphics.py)


def rules():
    """The rules this family reports (built on demand: the text is only for the registry)."""
    from ..rules import Rule

    return (
        Rule(QEMU400, "spice-autoport-fixed",
             "A SPICE display with autoport gets a fixed port (5900, and 5901 for TLS).",
             "libvirt picks the first free port from 5900 up when it starts the guest; QEMU's"
             " -spice has no way to search for one, so virtc writes the port libvirt would"
             " take on a host where nothing else listens. If that port is taken, QEMU fails"
             " to start.",
             "<graphics type='spice' autoport='yes'/>",
             "Nothing to do on a host without other consoles; otherwise give port= (and"
             " tlsPort=) explicitly."),
        Rule(QEMU401, "spice-password-on-argv",
             "A SPICE password is passed to QEMU in a secret object on its command line.",
             "libvirt sets the password over the monitor after QEMU starts; virtc has no"
             " monitor connection, so the password goes into `-object secret,data=…`, which"
             " every local user can read from the process list.",
             "<graphics type='spice' autoport='yes' passwd='secret'/>",
             "Run the guest where other users can't see its processes, or drop passwd= and"
             " set the password with QMP `set_password` after start."),
        Rule(QEMU460, "listen-network-unresolved",
             "A display's <listen type='network'> names a network whose address virtc can't"
             " tell.",
             "libvirt listens on the network's first <ip address> when the network is one it"
             " runs (no <forward>, or mode nat, route or open), and on the host device's"
             " address otherwise, which it reads when the guest starts. virtc knows the"
             " built-in 'default' network (192.168.122.1) and those given with --network;"
             " without an address it can't write -vnc or -spice as libvirt would.",
             "<graphics type='vnc' port='5900'><listen type='network' network='lan'/>"
             "</graphics>",
             "Give the network's definition with --network FILE, or write the address with"
             " <listen type='address' address='…'/>."),
        Rule(QEMU441, "vnc-password-on-argv",
             "A VNC password is passed to QEMU in a secret object on its command line.",
             "libvirt sets the password over the monitor after QEMU starts; virtc has no"
             " monitor connection, so from QEMU 6.0 on (password-secret=) the password goes"
             " into `-object secret,data=…`, which every local user can read from the"
             " process list. Older QEMU gets password=on and QEMU308.",
             "<graphics type='vnc' port='5904' passwd='secret'/>",
             "Run the guest where other users can't see its processes, or drop passwd= and"
             " set the password with QMP `change-vnc-password` after start."),
        Rule(QEMU402, "spice-channel-without-port",
             "A SPICE channel (or defaultMode) asks for a port the display doesn't have.",
             "mode='secure' needs the TLS port and mode='insecure' the plain one; libvirt"
             " refuses to start such a guest (\"spice secure channels set in XML"
             " configuration, but TLS connection is not available\").",
             "<graphics type='spice' port='5900' autoport='no'><channel name='main'"
             " mode='secure'/></graphics>",
             "Give tlsPort= (or port=) for the channels that need it, or use autoport='yes'."),
        Rule(QEMU403, "spice-tls-certificates",
             "A SPICE display with a TLS port needs certificates in /etc/pki/libvirt-spice.",
             "As libvirt does (qemu.conf spice_tls_x509_cert_dir), virtc points QEMU at"
             " /etc/pki/libvirt-spice, where QEMU reads ca-cert.pem, server-cert.pem and"
             " server-key.pem; without them QEMU fails to start.",
             "<graphics type='spice' port='5900' tlsPort='5901' autoport='no'/>",
             "Install the certificates there, or drop tlsPort= and the secure channels."),
        Rule(QEMU404, "spice-gl-not-local",
             "SPICE OpenGL acceleration with a TCP listen address.",
             "QEMU's SPICE GL is local only: it refuses gl=on together with port= or"
             " tls-port=.",
             "<graphics type='spice' autoport='yes'><gl enable='yes'/></graphics>",
             "Use <listen type='socket'/> (or type='none') with <gl enable='yes'/>."),
        Rule(QEMU405, "spiceport-without-spice",
             "A spiceport character device on a guest without a SPICE display.",
             "A spiceport chardev is a port of the SPICE server; QEMU refuses to start"
             " (\"spice not enabled\") when there is no -spice.",
             "<serial type='spiceport'><source channel='org.qemu.console.serial.0'/></serial>",
             "Add <graphics type='spice'/>, or use another character device type."),
        Rule(QEMU406, "spice-no-port",
             "A SPICE display with autoport='no' and neither port= nor tlsPort=.",
             "QEMU's SPICE server needs a port to listen on (\"neither port nor tls-port"
             " specified for spice\") and refuses to start.",
             "<graphics type='spice' autoport='no'/>",
             "Give port= (or tlsPort=), or use autoport='yes'."),
        Rule(QEMU407, "virtio-channel-name-twice",
             "Two virtio channels with the same target name (say the SPICE agent's"
             " com.redhat.spice.0 for both a spicevmc and a qemu-vdagent channel).",
             "Each virtio-serial port's name must be unique: QEMU refuses to start (\"A port"
             " already exists by name …\"). libvirt accepts the document and writes both"
             " ports; the guest never starts.",
             "<channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/>"
             "</channel><channel type='qemu-vdagent'><target type='virtio'"
             " name='com.redhat.spice.0'/></channel>",
             "Keep one agent channel: spicevmc with a SPICE display, qemu-vdagent without."),
    )

# What each type reads beyond the shared attributes (libvirt's parser reads display and
# xauth for SDL only; tlsPort, defaultMode and the <channel>…<gl> children for SPICE only);
# for another type they stay unread and are reported.
SPICE_ONLY = ("tls_port", "default_mode", "channels", "image", "jpeg", "zlib", "playback",
              "streaming", "clipboard", "mouse", "filetransfer", "gl")
_ONLY = {
    "display": GraphicsType.SDL, "xauth": GraphicsType.SDL,
    **{field: GraphicsType.SPICE for field in SPICE_ONLY},
}


def lower(r, el, index: int) -> Graphics:
    gtype = r.enum(el, "type", GraphicsType, GraphicsType.VNC)
    skipped = {field: (() if field == "channels" else None)
               for field, owner in _ONLY.items() if owner is not gtype}
    return lower_node(Graphics, r, el, type=gtype, **skipped)


def postparse(node: Graphics, index: int, domain: Domain) -> Graphics:
    """Defaults, as libvirt applies them:

    - autoport: yes when port is -1 and autoport= is not written (libvirt's parser turns
      port='-1' into autoport). An autoport='no' stays as written.
    - SPICE autoport: yes also when neither port nor tlsPort is written (or both are 0 or
      -1), as libvirt's SPICE parser does; an autoport='no' stays as written.
    - listen= and the first <listen type='address'> are one setting that libvirt writes
      twice (virDomainGraphicsListensParseXML): a listen= without <listen> children gets
      one, and a first <listen type='address'> gives listen= its address (VNC and SPICE).
    """
    if node.autoport is None and node.port == -1:
        node = replace(node, autoport=True)
    if node.type is GraphicsType.SPICE and node.autoport is None \
            and node.port in (None, 0, -1) and node.tls_port in (None, 0, -1):
        node = replace(node, autoport=True)
    if node.type in (GraphicsType.VNC, GraphicsType.SPICE):
        if node.listen is not None and not node.listens:
            node = replace(node, listens=(Listen(ListenType.ADDRESS, node.listen,
                                                 span=node.span),))
        elif node.listen is None and node.listens and node.listens[0].address is not None \
                and node.listens[0].type is ListenType.ADDRESS:
            node = replace(node, listen=node.listens[0].address)
    return node


def check(g: Graphics, diags: Diagnostics) -> None:
    if g.type is GraphicsType.VNC and g.port is not None and g.port != -1 \
            and not 5900 <= g.port <= 65535:
        diags.add(SEM209, f"<graphics type='vnc' port='{g.port}'> is outside the VNC range",
                  g.span, hint="use port='-1' to let the hypervisor choose, or a port from "
                               "5900 to 65535 (display = port - 5900)")

