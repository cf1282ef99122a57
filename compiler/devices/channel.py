"""<channel>: a character device the guest sees as a named channel (virtio-serial port,
Xen PV channel, or a guestfwd socket), and the host side it is connected to.

    <channel type='unix'>
      <source mode='bind' path='/var/lib/xen/qga.sock'/>
      <target type='xen' name='org.qemu.guest_agent.0'/>
    </channel>
    <channel type='pty'>
      <target type='xen' name='org.example.console'/>
    </channel>

Schema: schemas/domain/chardev.xsd. Builders: backends/xen/devices/channel.py (xl's channel
list, and reading it back), backends/qemu/devices/channel.py (virtio-serial ports).

    <channel type='spicevmc'>
      <target type='virtio' name='com.redhat.spice.0'/>
    </channel>

The host side is read as for <serial> (compiler/devices/chardev.py: the same types, sources
and <protocol>, spicevmc, spiceport and qemu-vdagent included). The <target> is read with its type, name=,
and guestfwd's address= and port=; anything else (state=, an <address> below it) stays
unread and is reported.
"""
from __future__ import annotations

from typing import ClassVar, Optional

from ..diagnostics import Span
from ..ir import NOWHERE
from .chardev import (CharDevice, CharMode, CharProtocolSpec, CharSource, CharType,
                      read_host_side)
from .xmlmap import Attr, Child, Children, Info, lower as lower_node
from ..node import Choice, Node


class ChannelTargetType(Choice):
    VIRTIO = "virtio"
    GUESTFWD = "guestfwd"
    XEN = "xen"


class ChannelTarget(Node):
    """<target type name address port>: what the guest sees."""

    TAG: ClassVar[str] = "target"
    XML: ClassVar[tuple] = (
        Attr("type", "type", ChannelTargetType),
        Attr("name", "name"),
        Attr("address", "address"),
        Attr("port", "port"),
    )
    type: Optional[ChannelTargetType] = None
    name: Optional[str] = None
    address: Optional[str] = None      # guestfwd
    port: Optional[str] = None         # guestfwd
    span: Span = NOWHERE


class Channel(CharDevice, Node):
    """One <channel>."""

    TAG: ClassVar[str] = "channel"
    XML: ClassVar[tuple] = (
        Attr("type", "type", CharType),
        Children("sources", CharSource),
        Child("protocol", CharProtocolSpec),
        Child("channel_target", ChannelTarget),
        Info(),
    )
    channel_target: Optional[ChannelTarget] = None

    @property
    def target_type(self) -> Optional[ChannelTargetType]:
        return self.channel_target.type if self.channel_target is not None else None

    @property
    def target_name(self) -> Optional[str]:
        return self.channel_target.name if self.channel_target is not None else None


NODE = Channel
SPICE_AGENT = "com.redhat.spice.0"      # the guest's name for the SPICE agent's port


def make(type: CharType, target_type: ChannelTargetType, name: Optional[str] = None, *,
         path: Optional[str] = None, mode: Optional[CharMode] = None,
         span: Span = NOWHERE) -> Channel:
    """The node for these values, every part at `span`: what the xl importer builds."""
    sources = (CharSource(mode, path, span=span),) if path is not None or mode else ()
    return Channel(type, sources=sources, span=span,
                   channel_target=ChannelTarget(target_type, name, span=span))


def lower(r, el, index: int) -> Channel:
    return lower_node(Channel, r, el, **read_host_side(r, el))


def postparse(node: Channel, index: int, domain) -> Channel:
    """Defaults, as libvirt applies them:

    - a spicevmc or qemu-vdagent channel's virtio target without name= is the SPICE
      agent's, com.redhat.spice.0 (libvirt's channel target parser);
    - alias: `channel<N>`, N counting the <channel> elements (qemuAssignDeviceAliases),
      for the QEMU driver's guests only: libvirt's libxl driver names no channels, and a
      Xen config has no place for an alias (the Xen backend would report each one).
    """
    from ..ir import DomainType
    from ..node import replace

    target = node.channel_target
    if node.type in (CharType.SPICEVMC, CharType.QEMU_VDAGENT) and target is not None \
            and target.type is ChannelTargetType.VIRTIO and target.name is None:
        node = replace(node, channel_target=replace(target, name=SPICE_AGENT))
    if domain.type is DomainType.XEN:
        return node
    return replace(node, info=replace(node.info, alias=node.info.alias or f"channel{index}"))
