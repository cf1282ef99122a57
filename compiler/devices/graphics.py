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

Read: the attributes above, <listen type='address'|'network'> (a socket or none listen
leaves the whole element unread, so it is reported), and a SPICE display's <mouse mode> and
<clipboard copypaste>. Any other child (spice <channel>, <image>, <gl>, …) stays unread and
is reported. `listen_address` is the address to listen on: the first <listen
type='address'> (libvirt writes the listen= attribute as a copy of it), else listen=.
The VNC listen address QEMU gets when none is written (127.0.0.1) is the QEMU driver's
default (qemu.conf vnc_listen), not the domain's, so that backend applies it.

Its rules (SEM209) are documented with the seed rules (compiler/rules/).
"""
from __future__ import annotations

import enum
from typing import ClassVar, Optional, Tuple

from ..diagnostics import Diagnostics, Span
from ..ir import NOWHERE, Domain
from ..rules.codes import SEM209
from .info import EMPTY, DeviceInfo
from .xmlmap import Attr, Child, Children, Info, lower as lower_node, yes_no
from ..node import Node, replace


class GraphicsType(str, enum.Enum):
    VNC = "vnc"
    SDL = "sdl"
    SPICE = "spice"


class ListenType(str, enum.Enum):
    ADDRESS = "address"
    NETWORK = "network"


class MouseMode(str, enum.Enum):
    SERVER = "server"
    CLIENT = "client"


class Listen(Node):
    """<listen type='address' address> or <listen type='network' network>."""

    TAG: ClassVar[str] = "listen"
    XML: ClassVar[tuple] = (
        Attr("type", "type", ListenType),
        Attr("address", "address"),
        Attr("network", "network"),
    )
    type: ListenType = ListenType.ADDRESS
    address: Optional[str] = None
    network: Optional[str] = None
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
        Children("listens", Listen),
        Child("mouse", Mouse),
        Child("clipboard", Clipboard),
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
    listens: Tuple[Listen, ...] = ()
    mouse: Optional[Mouse] = None       # SPICE
    clipboard: Optional[Clipboard] = None   # SPICE
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
        """The first <listen type='network'>, which only libvirt can resolve."""
        return next((item for item in self.listens if item.type is ListenType.NETWORK), None)


NODE = Graphics

# What each type reads beyond the shared attributes (libvirt's parser reads display and
# xauth for SDL only, tlsPort, <mouse> and <clipboard> for SPICE only); for another type
# they stay unread and are reported.
_ONLY = {
    "display": GraphicsType.SDL, "xauth": GraphicsType.SDL,
    "tls_port": GraphicsType.SPICE, "mouse": GraphicsType.SPICE,
    "clipboard": GraphicsType.SPICE,
}


def lower(r, el, index: int) -> Graphics:
    gtype = r.enum(el, "type", GraphicsType, GraphicsType.VNC)
    skipped = {field: None for field, owner in _ONLY.items() if owner is not gtype}
    return lower_node(Graphics, r, el, type=gtype, **skipped)


def postparse(node: Graphics, index: int, domain: Domain) -> Graphics:
    """Defaults, as libvirt applies them:

    - autoport: yes when port is -1 and autoport= is not written (libvirt's parser turns
      port='-1' into autoport). An autoport='no' stays as written.
    - listen= and the first <listen type='address'> are one setting that libvirt writes
      twice (virDomainGraphicsListensParseXML): a listen= without <listen> children gets
      one, and a first <listen type='address'> gives listen= its address (VNC and SPICE).
    """
    if node.autoport is None and node.port == -1:
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

