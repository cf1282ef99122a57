"""The sub-elements of <interface> that libvirt's QEMU driver reads beyond the 2007
vocabulary: a udp <source>'s <local>, a vhost-user <source>'s <reconnect>, <driver> with its
<host> and <guest> offloads, <link>, <mtu>, <rom>, <coalesce>, <portForward> with its
<range>s, <backend> and <downscript>. Part of the interface family (interface.py, which
names them in its mapping); a module of its own only to keep the family's file short.
"""
from __future__ import annotations

from typing import ClassVar, Optional

from ..diagnostics import Span
from ..ir import NOWHERE
from ..node import Node
from .xmlmap import Attr, Child, Children, on_off, yes_no


class SourceLocal(Node):
    """<source><local address port/>: a udp interface's own end."""

    TAG: ClassVar[str] = "local"
    XML: ClassVar[tuple] = (Attr("address", "address"), Attr("port", "port", int))
    address: Optional[str] = None
    port: Optional[int] = None
    span: Span = NOWHERE


class SourceReconnect(Node):
    """<source><reconnect enabled timeout/>: a vhost-user client reconnects after a drop."""

    TAG: ClassVar[str] = "reconnect"
    XML: ClassVar[tuple] = (Attr("enabled", "enabled", yes_no), Attr("timeout", "timeout", int))
    enabled: Optional[bool] = None
    timeout: Optional[int] = None
    span: Span = NOWHERE


class DriverHost(Node):
    """<driver><host …/>: offloads of the host side of a virtio NIC (on/off each)."""

    TAG: ClassVar[str] = "host"
    XML: ClassVar[tuple] = tuple(Attr(a, a, on_off) for a in
                                 ("csum", "gso", "tso4", "tso6", "ecn", "ufo", "mrg_rxbuf"))
    csum: Optional[bool] = None
    gso: Optional[bool] = None
    tso4: Optional[bool] = None
    tso6: Optional[bool] = None
    ecn: Optional[bool] = None
    ufo: Optional[bool] = None
    mrg_rxbuf: Optional[bool] = None
    span: Span = NOWHERE


class DriverGuest(Node):
    """<driver><guest …/>: offloads the guest may use (on/off each)."""

    TAG: ClassVar[str] = "guest"
    XML: ClassVar[tuple] = tuple(Attr(a, a, on_off) for a in
                                 ("csum", "tso4", "tso6", "ecn", "ufo"))
    csum: Optional[bool] = None
    tso4: Optional[bool] = None
    tso6: Optional[bool] = None
    ecn: Optional[bool] = None
    ufo: Optional[bool] = None
    span: Span = NOWHERE


class InterfaceDriver(Node):
    """<driver name queues rx_queue_size tx_queue_size txmode …>: the virtio-net device and
    its back end's settings."""

    TAG: ClassVar[str] = "driver"
    XML: ClassVar[tuple] = (
        Attr("name", "name"),
        Attr("queues", "queues", int),
        Attr("rx_queue_size", "rx_queue_size", int),
        Attr("tx_queue_size", "tx_queue_size", int),
        Attr("txmode", "txmode"),
        *(Attr(a, a, on_off) for a in ("ioeventfd", "event_idx", "iommu", "ats", "packed",
                                      "page_per_vq", "rss", "rss_hash_report")),
        Child("host", DriverHost),
        Child("guest", DriverGuest),
    )
    name: Optional[str] = None          # qemu (userspace) or vhost (the kernel's vhost-net)
    queues: Optional[int] = None
    rx_queue_size: Optional[int] = None
    tx_queue_size: Optional[int] = None
    txmode: Optional[str] = None        # iothread or timer
    ioeventfd: Optional[bool] = None
    event_idx: Optional[bool] = None
    iommu: Optional[bool] = None
    ats: Optional[bool] = None
    packed: Optional[bool] = None
    page_per_vq: Optional[bool] = None
    rss: Optional[bool] = None
    rss_hash_report: Optional[bool] = None
    host: Optional[DriverHost] = None
    guest: Optional[DriverGuest] = None
    span: Span = NOWHERE


class InterfaceLink(Node):
    TAG: ClassVar[str] = "link"
    XML: ClassVar[tuple] = (Attr("state", "state"),)
    state: Optional[str] = None         # up or down
    span: Span = NOWHERE


class InterfaceMtu(Node):
    TAG: ClassVar[str] = "mtu"
    XML: ClassVar[tuple] = (Attr("size", "size", int),)
    size: Optional[int] = None
    span: Span = NOWHERE


class InterfaceRom(Node):
    """<rom bar file enabled>: the NIC's option ROM (PXE) as the guest sees it."""

    TAG: ClassVar[str] = "rom"
    XML: ClassVar[tuple] = (Attr("bar", "bar", on_off), Attr("file", "file"),
                            Attr("enabled", "enabled", yes_no))
    bar: Optional[bool] = None
    file: Optional[str] = None
    enabled: Optional[bool] = None
    span: Span = NOWHERE


class CoalesceFrames(Node):
    TAG: ClassVar[str] = "frames"
    XML: ClassVar[tuple] = (Attr("max", "max", int),)
    max: Optional[int] = None
    span: Span = NOWHERE


class CoalesceRx(Node):
    TAG: ClassVar[str] = "rx"
    XML: ClassVar[tuple] = (Child("frames", CoalesceFrames),)
    frames: Optional[CoalesceFrames] = None
    span: Span = NOWHERE


class InterfaceCoalesce(Node):
    """<coalesce><rx><frames max/></rx></coalesce>: interrupt coalescing of the host's tap
    (libvirt sets it with an ioctl on the tap; no QEMU option carries it)."""

    TAG: ClassVar[str] = "coalesce"
    XML: ClassVar[tuple] = (Child("rx", CoalesceRx),)
    rx: Optional[CoalesceRx] = None
    span: Span = NOWHERE


class PortRange(Node):
    """<range start end to exclude>: host ports start..end, to guest ports to.. (passt)."""

    TAG: ClassVar[str] = "range"
    XML: ClassVar[tuple] = (Attr("start", "start", int), Attr("end", "end", int),
                            Attr("to", "to", int), Attr("exclude", "exclude", yes_no))
    start: Optional[int] = None
    end: Optional[int] = None
    to: Optional[int] = None
    exclude: Optional[bool] = None
    span: Span = NOWHERE


class PortForward(Node):
    """<portForward proto address dev>: host ports forwarded into a user-mode guest."""

    TAG: ClassVar[str] = "portForward"
    XML: ClassVar[tuple] = (Attr("proto", "proto"), Attr("address", "address"),
                            Attr("dev", "dev"), Children("ranges", PortRange))
    proto: Optional[str] = None         # tcp or udp
    address: Optional[str] = None       # the host address to listen on
    dev: Optional[str] = None           # the host interface to listen on
    ranges: tuple = ()
    span: Span = NOWHERE


class InterfaceBackend(Node):
    """<backend type tap vhost logFile>: passt instead of QEMU's user-mode stack, or the
    device nodes of the tap and vhost-net."""

    TAG: ClassVar[str] = "backend"
    XML: ClassVar[tuple] = (Attr("type", "type"), Attr("tap", "tap"), Attr("vhost", "vhost"),
                            Attr("logFile", "logFile"))
    type: Optional[str] = None
    tap: Optional[str] = None
    vhost: Optional[str] = None
    logFile: Optional[str] = None
    span: Span = NOWHERE


class InterfaceDownscript(Node):
    TAG: ClassVar[str] = "downscript"
    XML: ClassVar[tuple] = (Attr("path", "path"),)
    path: Optional[str] = None
    span: Span = NOWHERE
