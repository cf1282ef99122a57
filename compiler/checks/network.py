"""Rules for <interface>: required sources, addresses, ports and MACs."""
from __future__ import annotations

import re

from ..diagnostics import Diagnostics
from ..ir import Domain, Interface, NetType
from ..rules.codes import SEM201, SEM202, SEM203, SEM204, SEM205, SEM207
from .repeats import second_uses

_MAC = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")

# What <source> must carry for each interface type, as (IR field, attribute) pairs.
_REQUIRED = {
    NetType.USER: (),
    NetType.ETHERNET: (),
    NetType.NETWORK: (("network", "network"),),
    NetType.BRIDGE: (("bridge", "bridge"),),
    NetType.MCAST: (("address", "address"), ("port", "port")),
    NetType.SERVER: (("address", "address"), ("port", "port")),
    NetType.CLIENT: (("address", "address"), ("port", "port")),
}

_EXAMPLE = {
    NetType.NETWORK: "<source network='default'/>",
    NetType.BRIDGE: "<source bridge='br0'/>",
    NetType.MCAST: "<source address='230.0.0.1' port='5558'/>",
    NetType.SERVER: "<source address='127.0.0.1' port='5558'/>",
    NetType.CLIENT: "<source address='127.0.0.1' port='5558'/>",
}


def check(dom: Domain, diags: Diagnostics) -> None:
    valid_macs = []
    for iface in dom.devices.interfaces:
        _check_source(iface, diags)
        if iface.mac is not None and _check_mac(iface, diags):
            valid_macs.append((iface.mac, iface.mac_span))
    for mac, span, first in second_uses(valid_macs):
        diags.add(SEM207, f"MAC address {mac} is used by two interfaces", span,
                  hint=f"the first use is at line {first.line}; give each interface its own MAC")


def _check_source(iface: Interface, diags: Diagnostics) -> None:
    missing = [attr for field, attr in _REQUIRED[iface.type] if getattr(iface, field) is None]
    if missing:
        names = " and ".join(f"'{a}'" for a in missing)
        diags.add(SEM201,
                  f"<interface type='{iface.type.value}'> needs <source> with {names}",
                  iface.source_span, hint=f"write {_EXAMPLE[iface.type]}")
        return
    if iface.port is not None and not 1 <= iface.port <= 65535:
        diags.add(SEM203, f"<source port='{iface.port}'> is not a TCP/UDP port",
                  iface.source_span, hint="use a port from 1 to 65535")
    if iface.type is NetType.MCAST:
        _check_mcast(iface, diags)


def _check_mcast(iface: Interface, diags: Diagnostics) -> None:
    import ipaddress  # ~1 ms to import; only multicast interfaces need it

    try:
        addr = ipaddress.IPv4Address(iface.address)
    except ValueError:
        addr = None
    if addr is None or not addr.is_multicast:
        diags.add(SEM202,
                  f"<source address='{iface.address}'> of a multicast interface is not an IPv4 "
                  f"multicast address", iface.source_span,
                  hint="use an address in 224.0.0.0/4, e.g. 230.0.0.1 (239.0.0.0/8 is for "
                       "local use)")


def _check_mac(iface: Interface, diags: Diagnostics) -> bool:
    if not _MAC.match(iface.mac):
        diags.add(SEM204, f"<mac address='{iface.mac}'> is not a MAC address", iface.mac_span,
                  hint="write six two-digit hex octets separated by colons, e.g. 52:54:00:12:34:56")
        return False
    if int(iface.mac[:2], 16) & 1:
        diags.add(SEM205, f"<mac address='{iface.mac}'> is a multicast MAC address",
                  iface.mac_span,
                  hint="a NIC needs a unicast MAC: the first octet must be even, e.g. 52:54:00:…")
        return False
    return True
