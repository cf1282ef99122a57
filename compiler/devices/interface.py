"""<interface>: a guest NIC and what it is plugged into on the host.

    <interface type='bridge'>
      <source bridge='br0'/>
      <mac address='52:54:00:12:34:56'/>
      <ip address='192.0.2.7'/>
      <script path='vif-bridge'/>
      <target dev='vnet0'/>
      <model type='virtio'/>
      <bandwidth><outbound average='10240'/></bandwidth>
      <vlan><tag id='42'/></vlan>
      <virtualport type='openvswitch'/>
      <driver queues='4' rx_queue_size='512'><host csum='off'/><guest tso4='off'/></driver>
      <link state='down'/>
      <mtu size='9000'/>
      <rom bar='off'/>
      <coalesce><rx><frames max='7'/></rx></coalesce>
      <boot order='1'/>
      <acpi index='3'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>
    </interface>
    <interface type='user'>
      <ip family='ipv4' address='172.17.2.0' prefix='24'/>
      <backend type='passt'/>
      <portForward proto='tcp'><range start='2222' to='22'/></portForward>
    </interface>
    <interface type='vhostuser'>
      <source type='unix' path='/run/vu.sock' mode='client'><reconnect enabled='yes'/></source>
    </interface>
    <interface type='udp'>
      <source address='127.0.0.1' port='5555'><local address='127.0.0.1' port='5556'/></source>
    </interface>

Schema: schemas/domain/interface.xsd. Builders: backends/qemu/devices/interface.py (-netdev
and -device, placed by backends/qemu/argv.py in QEMU's order), backends/xen/devices/
interface.py (the vif entries, and reading them back).

The NIC model, the tap's ifup script and Xen's vif script have defaults, but each is the
hypervisor's own (QEMU's rtl8139 and /etc/qemu-ifup, Xen's vif-bridge), not libvirt's
domain default: the backends apply them, and the import writer leaves them out.

Its rules (SEM201-207 and SEM218) are documented with the seed rules (compiler/rules/);
SEM315-318 (what libvirt refuses per type and model) and the QEMU builders' QEMU430-437
with this family (rules()). A backend that doesn't carry a sub-element reports it
(`unused_parts`): QEMU320/XEN440, or QEMU321/XEN441 for host-side <bandwidth> and
<coalesce>.
"""
from __future__ import annotations

import re
from typing import ClassVar, Optional

from ..diagnostics import Diagnostics, Severity, Span
from ..ir import NOWHERE, Domain, NetType
from ..rules.codes import (SEM201, SEM202, SEM203, SEM204, SEM205, SEM207, SEM218,
                           Code)
from ._interface_parts import (CoalesceFrames, CoalesceRx, DriverGuest, DriverHost,  # noqa: F401
                               InterfaceBackend, InterfaceCoalesce, InterfaceDownscript,
                               InterfaceDriver, InterfaceLink, InterfaceMtu, InterfaceRom,
                               PortForward, PortRange, SourceLocal, SourceReconnect)
from .info import EMPTY, DeviceInfo
from .xmlmap import Attr, Child, Children, Info, lower as lower_node, yes_no
from ..node import Node, replace


class InterfaceSource(Node):
    """<source>: the attributes the interface's type reads (see _SOURCE_ATTRS)."""

    TAG: ClassVar[str] = "source"
    XML: ClassVar[tuple] = (
        Attr("bridge", "bridge"),
        Attr("network", "network"),
        Attr("address", "address"),
        Attr("port", "port", int),
        Attr("type", "type"),
        Attr("path", "path"),
        Attr("mode", "mode"),
        Attr("dev", "dev"),
        Child("local", SourceLocal),
        Child("reconnect", SourceReconnect),
    )
    bridge: Optional[str] = None       # BRIDGE (or the legacy <source dev>, SEM218)
    network: Optional[str] = None      # NETWORK
    address: Optional[str] = None      # MCAST/SERVER/CLIENT/UDP
    port: Optional[int] = None         # MCAST/SERVER/CLIENT/UDP
    type: Optional[str] = None         # VHOSTUSER: 'unix'
    path: Optional[str] = None         # VHOSTUSER: the socket
    mode: Optional[str] = None         # VHOSTUSER: server (QEMU listens) or client; DIRECT
    dev: Optional[str] = None          # DIRECT: the host device macvtap sits on
    local: Optional[SourceLocal] = None            # UDP
    reconnect: Optional[SourceReconnect] = None    # VHOSTUSER client
    span: Span = NOWHERE


class MacAddress(Node):
    """<mac address>, normalised to lower case."""

    TAG: ClassVar[str] = "mac"
    XML: ClassVar[tuple] = (Attr("address", "address"),)
    address: Optional[str] = None
    span: Span = NOWHERE
    derived: bool = False       # made by post-parse (compiler/postparse/qemu.py), not written


class InterfaceIp(Node):
    """<ip address family prefix>: the guest's address (a user-mode NIC's network, Xen's
    vif ip=)."""

    TAG: ClassVar[str] = "ip"
    XML: ClassVar[tuple] = (Attr("address", "address"), Attr("family", "family"),
                            Attr("prefix", "prefix", int))
    address: Optional[str] = None
    family: Optional[str] = None
    prefix: Optional[int] = None
    span: Span = NOWHERE


class InterfaceScript(Node):
    TAG: ClassVar[str] = "script"
    XML: ClassVar[tuple] = (Attr("path", "path"),)
    path: Optional[str] = None
    span: Span = NOWHERE


class InterfaceTarget(Node):
    """<target dev>: the host-side tap or vif name."""

    TAG: ClassVar[str] = "target"
    XML: ClassVar[tuple] = (Attr("dev", "dev"),)
    dev: Optional[str] = None
    span: Span = NOWHERE


class InterfaceModel(Node):
    TAG: ClassVar[str] = "model"
    XML: ClassVar[tuple] = (Attr("type", "type"),)
    type: Optional[str] = None
    span: Span = NOWHERE


class BandwidthRate(Node):
    """<inbound> or <outbound>: average and peak in KiB/s, burst in KiB, floor (inbound)."""

    XML: ClassVar[tuple] = (Attr("average", "average", int), Attr("peak", "peak", int),
                            Attr("floor", "floor", int), Attr("burst", "burst", int))
    average: Optional[int] = None
    peak: Optional[int] = None
    floor: Optional[int] = None
    burst: Optional[int] = None
    span: Span = NOWHERE


class Inbound(BandwidthRate):
    TAG: ClassVar[str] = "inbound"


class Outbound(BandwidthRate):
    TAG: ClassVar[str] = "outbound"


class InterfaceBandwidth(Node):
    """<bandwidth>: traffic shaping of what the guest receives (inbound) and sends
    (outbound)."""

    TAG: ClassVar[str] = "bandwidth"
    XML: ClassVar[tuple] = (Child("inbound", Inbound), Child("outbound", Outbound))
    inbound: Optional[Inbound] = None
    outbound: Optional[Outbound] = None
    span: Span = NOWHERE


class VlanTag(Node):
    TAG: ClassVar[str] = "tag"
    XML: ClassVar[tuple] = (Attr("id", "id", int),)
    id: int = 0
    span: Span = NOWHERE


class InterfaceVlan(Node):
    """<vlan trunk='yes'><tag id/>…</vlan>: the VLAN tags of the port (Open vSwitch)."""

    TAG: ClassVar[str] = "vlan"
    XML: ClassVar[tuple] = (Attr("trunk", "trunk", yes_no), Children("tags", VlanTag))
    trunk: Optional[bool] = None
    tags: tuple = ()
    span: Span = NOWHERE


class InterfaceVirtualPort(Node):
    """<virtualport type>: the kind of switch port, e.g. 'openvswitch'."""

    TAG: ClassVar[str] = "virtualport"
    XML: ClassVar[tuple] = (Attr("type", "type"),)
    type: Optional[str] = None
    span: Span = NOWHERE


class Interface(Node):
    """One <interface>."""

    TAG: ClassVar[str] = "interface"
    XML: ClassVar[tuple] = (
        Attr("type", "type", NetType),
        Child("source", InterfaceSource),
        Child("mac", MacAddress),
        Children("ips", InterfaceIp),
        Child("script", InterfaceScript),
        Child("target", InterfaceTarget),
        Child("model", InterfaceModel),
        Child("bandwidth", InterfaceBandwidth),
        Child("vlan", InterfaceVlan),
        Child("virtualport", InterfaceVirtualPort),
        Child("driver", InterfaceDriver),
        Child("link", InterfaceLink),
        Child("mtu", InterfaceMtu),
        Child("rom", InterfaceRom),
        Child("coalesce", InterfaceCoalesce),
        Children("port_forwards", PortForward),
        Child("backend", InterfaceBackend),
        Child("downscript", InterfaceDownscript),
        Info(),
    )
    type: NetType = NetType.USER
    source: Optional[InterfaceSource] = None
    mac: Optional[MacAddress] = None
    ips: tuple = ()                    # InterfaceIp, one per <ip>
    script: Optional[InterfaceScript] = None
    target: Optional[InterfaceTarget] = None
    model: Optional[InterfaceModel] = None
    bandwidth: Optional[InterfaceBandwidth] = None
    vlan: Optional[InterfaceVlan] = None
    virtualport: Optional[InterfaceVirtualPort] = None
    driver: Optional[InterfaceDriver] = None
    link: Optional[InterfaceLink] = None
    mtu: Optional[InterfaceMtu] = None
    rom: Optional[InterfaceRom] = None
    coalesce: Optional[InterfaceCoalesce] = None
    port_forwards: tuple = ()          # PortForward, one per <portForward>
    backend: Optional[InterfaceBackend] = None
    downscript: Optional[InterfaceDownscript] = None
    info: DeviceInfo = EMPTY
    span: Span = NOWHERE

    @property
    def ip(self) -> Optional[InterfaceIp]:
        """The first <ip>."""
        return self.ips[0] if self.ips else None

    # The values every rule and builder asks for, read through the sub-nodes.
    @property
    def bridge(self) -> Optional[str]:
        return self.source.bridge if self.source is not None else None

    @property
    def network(self) -> Optional[str]:
        return self.source.network if self.source is not None else None

    @property
    def address(self) -> Optional[str]:
        return self.source.address if self.source is not None else None

    @property
    def port(self) -> Optional[int]:
        return self.source.port if self.source is not None else None

    @property
    def mac_address(self) -> Optional[str]:
        return self.mac.address if self.mac is not None else None

    @property
    def ip_address(self) -> Optional[str]:
        return self.ip.address if self.ip is not None else None

    @property
    def script_path(self) -> Optional[str]:
        return self.script.path if self.script is not None else None

    @property
    def target_dev(self) -> Optional[str]:
        return self.target.dev if self.target is not None else None

    @property
    def model_type(self) -> Optional[str]:
        return self.model.type if self.model is not None else None

    def where(self, sub) -> Span:
        """The span of sub-node `sub` (self.mac, self.source, …) when the interface has it,
        else the interface's own."""
        return sub.span if sub is not None else self.span


NODE = Interface

# This family's place in libvirt's order of USB ports (compiler/postparse/qemu.py, 5).
USB_ORDER = 20


def wants_usb_port(node: Interface) -> bool:
    """A usb-net NIC takes a USB port. libvirt's QEMU driver doesn't build one, so its
    place in the order (after the disks) is virtc's choice."""
    return node.model_type == "usb-net"


# The codes this family declares (documented in _interface_rules.py). The QEMU ones
# are reported by backends/qemu/devices/interface.py and netdev.py.
SEM315 = Code("SEM315", Severity.WARNING)
SEM316 = Code("SEM316", Severity.ERROR)
SEM317 = Code("SEM317", Severity.ERROR)
SEM318 = Code("SEM318", Severity.ERROR)
QEMU430 = Code("QEMU430", Severity.ERROR)
QEMU431 = Code("QEMU431", Severity.WARNING)
QEMU432 = Code("QEMU432", Severity.WARNING)
QEMU433 = Code("QEMU433", Severity.WARNING)
QEMU434 = Code("QEMU434", Severity.INFO)
QEMU436 = Code("QEMU436", Severity.ERROR)
QEMU437 = Code("QEMU437", Severity.INFO)


def rules():
    """The rules this family declares (their text is in _interface_rules.py)."""
    from ._interface_rules import rules as declared

    return declared()


# The <source> attributes each interface type reads; a type that reads none leaves
# <source> unread, so that it is reported as unused (SEM221).
_SOURCE_ATTRS = {
    NetType.USER: (),
    NetType.ETHERNET: (),
    NetType.NETWORK: ("network",),
    NetType.BRIDGE: ("bridge", "dev"),
    NetType.MCAST: ("address", "port"),
    NetType.SERVER: ("address", "port"),
    NetType.CLIENT: ("address", "port"),
    NetType.UDP: ("address", "port"),
    NetType.VHOSTUSER: ("type", "path", "mode"),
    NetType.NULL: (),
    NetType.DIRECT: ("dev", "mode"),
}
# The <source> children each interface type reads.
_SOURCE_CHILDREN = {
    NetType.UDP: (("local", SourceLocal),),
    NetType.VHOSTUSER: (("reconnect", SourceReconnect),),
}


def lower(r, el, index: int) -> Interface:
    ntype = r.enum(el, "type", NetType)
    source = None
    source_el = r.peek(el, "source")
    if source_el is not None and _SOURCE_ATTRS[ntype]:
        r.use(source_el)
        src = {a: r.attr(source_el, a) for a in _SOURCE_ATTRS[ntype]}
        bridge = src.get("bridge")
        if ntype is NetType.BRIDGE and bridge is None and src.get("dev") is not None:
            # The format page's bridge examples write <source dev='br0'/>; libvirt reads
            # bridge=.
            bridge = src["dev"]
            r.diags.add(SEM218, f"<source dev='{bridge}'> names the bridge the old way",
                        r.span(source_el), hint=f"write <source bridge='{bridge}'/>")
        port = src.get("port")
        children = {}
        for field, cls in _SOURCE_CHILDREN.get(ntype, ()):
            sub = r.child(source_el, cls.TAG)
            if sub is not None:
                children[field] = lower_node(cls, r, sub)
        source = InterfaceSource(bridge=bridge, network=src.get("network"),
                                 address=src.get("address"),
                                 port=int(port) if port is not None else None,
                                 type=src.get("type"), path=src.get("path"),
                                 mode=src.get("mode"),
                                 dev=src.get("dev") if ntype is NetType.DIRECT else None,
                                 span=r.span(source_el), **children)
    node = lower_node(Interface, r, el, source=source)
    if node.mac is not None and node.mac.address is not None:
        node = replace(node, mac=replace(node.mac, address=node.mac.address.lower()))
    return node


def postparse(node: Interface, index: int, domain: Domain) -> Interface:
    """No default of libvirt's own: the model and scripts are the hypervisors' (see the
    module docstring). A libvirt-style QEMU document's NICs get their MAC and alias in
    compiler/postparse/qemu.py, as libvirt's QEMU driver gives them."""
    return node


def unused_parts(iface: Interface, used) -> list:
    """The sub-nodes that a backend carrying only the tags in `used` leaves out, as
    Uncompiled items (host_side for <bandwidth> and <coalesce>), for it to report."""
    from ..ir import Uncompiled

    parts = [iface.driver, iface.link, iface.mtu, iface.rom, iface.coalesce,
             *iface.port_forwards, iface.backend, iface.downscript, iface.bandwidth,
             iface.vlan, iface.virtualport]
    return [Uncompiled(f"devices/interface/{part.TAG}", part.span,
                       host_side=part.TAG in ("bandwidth", "coalesce"))
            for part in parts if part is not None and part.TAG not in used]


# ------------------------------------------------------------------ checks

_MAC = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")

# What <source> must carry for each interface type, as (field, attribute) pairs.
_REQUIRED = {
    NetType.USER: (),
    NetType.ETHERNET: (),
    NetType.NETWORK: (("network", "network"),),
    NetType.BRIDGE: (("bridge", "bridge"),),
    NetType.MCAST: (("address", "address"), ("port", "port")),
    # libvirt reads a server's address as optional (virDomainNetDefParseXML, and its schema):
    # without one QEMU listens on every address (`listen=:PORT`).
    NetType.SERVER: (("port", "port"),),
    NetType.CLIENT: (("address", "address"), ("port", "port")),
    NetType.UDP: (("address", "address"), ("port", "port")),
    NetType.VHOSTUSER: (("path", "path"), ("mode", "mode")),
    NetType.NULL: (),
    NetType.DIRECT: (("dev", "dev"),),
}

_EXAMPLE = {
    NetType.NETWORK: "<source network='default'/>",
    NetType.BRIDGE: "<source bridge='br0'/>",
    NetType.MCAST: "<source address='230.0.0.1' port='5558'/>",
    NetType.SERVER: "<source address='127.0.0.1' port='5558'/>",
    NetType.CLIENT: "<source address='127.0.0.1' port='5558'/>",
    NetType.UDP: "<source address='127.0.0.1' port='5558'><local address='127.0.0.1'"
                 " port='5559'/></source>",
    NetType.VHOSTUSER: "<source type='unix' path='/run/vhost-user.sock' mode='client'/>",
    NetType.DIRECT: "<source dev='eth0' mode='bridge'/>",
}


def check_all(interfaces, domain: Domain, diags: Diagnostics) -> None:
    """Sources (SEM201-203), MACs (SEM204, SEM205), then MACs used twice (SEM207)."""
    from ..checks.repeats import second_uses

    valid_macs = []
    for iface in interfaces:
        _check_source(iface, diags)
        _check_type(iface, diags)
        if iface.mac_address is not None and _check_mac(iface, diags):
            valid_macs.append((iface.mac_address, iface.where(iface.mac)))
    for mac, span, first in second_uses(valid_macs):
        diags.add(SEM207, f"MAC address {mac} is used by two interfaces", span,
                  hint=f"the first use is at line {first.line}; give each interface its own MAC")


def _check_source(iface: Interface, diags: Diagnostics) -> None:
    source = iface.source
    missing = [attr for field, attr in _REQUIRED[iface.type]
               if getattr(source, field, None) is None]
    at = iface.where(iface.source)
    if missing:
        names = " and ".join(f"'{a}'" for a in missing)
        diags.add(SEM201,
                  f"<interface type='{iface.type.value}'> needs <source> with {names}",
                  at, hint=f"write {_EXAMPLE[iface.type]}")
        return
    if iface.port is not None and not 1 <= iface.port <= 65535:
        diags.add(SEM203, f"<source port='{iface.port}'> is not a TCP/UDP port",
                  at, hint="use a port from 1 to 65535")
    if iface.type is NetType.MCAST:
        _check_mcast(iface, diags)


def _check_type(iface: Interface, diags: Diagnostics) -> None:
    """What libvirt refuses for a type or a model: SEM315-318."""
    source, driver = iface.source, iface.driver
    if iface.type is NetType.UDP and source is not None and (
            source.local is None or source.local.address is None or source.local.port is None):
        diags.add(SEM316, "<interface type='udp'> needs <local address port/> in <source>:"
                  " the port it receives on", iface.where(source),
                  hint="add <local address='127.0.0.1' port='5559'/> inside <source>")
    model = iface.model_type or ""
    virtio = model.startswith("virtio")
    if iface.type is NetType.VHOSTUSER and not virtio:
        diags.add(SEM317, f"<interface type='vhostuser'> needs a virtio model, not"
                  f" {model or 'the default'!r}", iface.where(iface.model),
                  hint="write <model type='virtio'/>")
    for forward in iface.port_forwards:
        passt = iface.backend is not None and iface.backend.type == "passt"
        if iface.type is NetType.USER and not passt:
            diags.add(SEM315, "<portForward> on a user-mode interface without <backend"
                      " type='passt'/>: libvirt refuses it (virtc compiles it to QEMU's"
                      " hostfwd=)", forward.span,
                      hint="add <backend type='passt'/> so that libvirt accepts it too")
            break
    if driver is not None and virtio:
        for attr in ("rx_queue_size", "tx_queue_size"):
            size = getattr(driver, attr)
            if size is not None and size & (size - 1):
                diags.add(SEM318, f"<driver {attr}='{size}'> is not a power of two",
                          driver.span, hint="use 256, 512 or 1024")


def _check_mcast(iface: Interface, diags: Diagnostics) -> None:
    import ipaddress  # ~1 ms to import; only multicast interfaces need it

    try:
        addr = ipaddress.IPv4Address(iface.address)
    except ValueError:
        addr = None
    if addr is None or not addr.is_multicast:
        diags.add(SEM202,
                  f"<source address='{iface.address}'> of a multicast interface is not an IPv4 "
                  f"multicast address", iface.where(iface.source),
                  hint="use an address in 224.0.0.0/4, e.g. 230.0.0.1 (239.0.0.0/8 is for "
                       "local use)")


def _check_mac(iface: Interface, diags: Diagnostics) -> bool:
    mac, at = iface.mac_address, iface.where(iface.mac)
    if not _MAC.match(mac):
        diags.add(SEM204, f"<mac address='{mac}'> is not a MAC address", at,
                  hint="write six two-digit hex octets separated by colons, e.g. 52:54:00:12:34:56")
        return False
    if int(mac[:2], 16) & 1:
        diags.add(SEM205, f"<mac address='{mac}'> is a multicast MAC address", at,
                  hint="a NIC needs a unicast MAC: the first octet must be even, e.g. 52:54:00:…")
        return False
    return True

