"""<graphics>: the guest's display, VNC or SDL.

    <graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1' keymap='de'/>
    <graphics type='sdl'/>

Schema: schemas/domain/graphics.xsd. Builders: backends/qemu/devices/graphics.py (-vnc,
-display/-sdl, placed by backends/qemu/argv.py before the character devices),
backends/xen/devices/graphics.py (the vnc/sdl keys, the vfb entry, and reading them back).

Only attributes are read; a <listen> or spice child stays unread and is reported. The
VNC listen address QEMU gets when none is written (127.0.0.1) is the QEMU driver's
default (qemu.conf vnc_listen), not the domain's, so that backend applies it.

Its rules (SEM209) are documented with the seed rules (compiler/rules/).
"""
from __future__ import annotations

import enum
from typing import ClassVar, Optional

from ..diagnostics import Diagnostics, Span
from ..ir import NOWHERE, Domain
from ..rules.codes import SEM209
from .info import EMPTY, DeviceInfo
from .xmlmap import Attr, Info, yes_no
from ..node import Node, replace


class GraphicsType(str, enum.Enum):
    VNC = "vnc"
    SDL = "sdl"


class Graphics(Node):
    """One <graphics> console (VNC or SDL)."""

    TAG: ClassVar[str] = "graphics"
    XML: ClassVar[tuple] = (
        Attr("type", "type", GraphicsType),
        Attr("port", "port", int),
        Attr("autoport", "autoport", yes_no),
        Attr("listen", "listen"),
        Attr("passwd", "passwd"),
        Attr("keymap", "keymap"),
        Info(),
    )
    type: GraphicsType = GraphicsType.VNC
    port: Optional[int] = None          # VNC: -1 = choose a free port; None = not given
    autoport: Optional[bool] = None     # VNC: autoport='yes' (post-parse: or port -1)
    listen: Optional[str] = None
    passwd: Optional[str] = None
    keymap: Optional[str] = None
    info: DeviceInfo = EMPTY
    span: Span = NOWHERE


NODE = Graphics


def postparse(node: Graphics, index: int, domain: Domain) -> Graphics:
    """Defaults, as libvirt applies them:

    - autoport: yes when port is -1 and autoport= is not written (libvirt's parser turns
      port='-1' into autoport). An autoport='no' stays as written.
    """
    if node.autoport is None and node.port == -1:
        return replace(node, autoport=True)
    return node


def check(g: Graphics, diags: Diagnostics) -> None:
    if g.type is GraphicsType.VNC and g.port is not None and g.port != -1 \
            and not 5900 <= g.port <= 65535:
        diags.add(SEM209, f"<graphics type='vnc' port='{g.port}'> is outside the VNC range",
                  g.span, hint="use port='-1' to let the hypervisor choose, or a port from "
                               "5900 to 65535 (display = port - 5900)")

