"""The host side of an <interface>: its -netdev (and a vhost-user NIC's -chardev), part of
the interface family's QEMU builder (interface.py places them).

Each back end follows libvirt's qemuBuildHostNetProps, except where libvirt hands QEMU a
file descriptor only libvirtd can open; virtc writes what a person can run instead
(docs/libvirt-differences.md, "NICs"):

    user       -netdev user[,net=ADDR/PREFIX][,ipv6-prefix=…][,hostfwd=tcp::2222-:22…]
    bridge     -netdev bridge,br=BRIDGE          (qemu-bridge-helper makes the tap)
    network    -netdev bridge,br=<the network's bridge>
    ethernet   -netdev tap,ifname=DEV,script=SCRIPT,downscript=…[,queues=N][,vhost=on]
    mcast      -netdev socket,mcast=ADDR:PORT
    server     -netdev socket,listen=ADDR:PORT
    client     -netdev socket,connect=ADDR:PORT
    udp        -netdev socket,udp=ADDR:PORT,localaddr=ADDR:PORT
    vhostuser  -chardev socket,id=char…,path=SOCKET[,server=on][,reconnect=N]
               -netdev vhost-user,chardev=char…[,queues=N]
    null       no -netdev: the NIC has no peer (libvirt's QEMU driver refuses type='null')
    direct     QEMU430: macvtap needs privileges virtc doesn't take
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple, assert_never

from ....compiler.devices.interface import (QEMU430, QEMU432, QEMU433, QEMU436,
                                            QEMU437, Interface, PortForward)
from ....compiler.ir import NetType
from ....compiler.networks import resolve_bridge
from ....compiler.rules.codes import QEMU303, QEMU306
from ..context import QemuContext
from ..dialects import Cap
from ..opts import Option, Opts, Scalar

Props = Tuple[Tuple[str, Optional[Scalar]], ...]

# QEMU back-end type per interface type; None: no -netdev (null: none at all; direct:
# QEMU430).
NETDEV_TYPE: Dict[NetType, Optional[str]] = {
    NetType.USER: "user",
    NetType.NETWORK: "bridge",
    NetType.BRIDGE: "bridge",
    NetType.ETHERNET: "tap",
    NetType.MCAST: "socket",
    NetType.SERVER: "socket",
    NetType.CLIENT: "socket",
    NetType.UDP: "socket",
    NetType.VHOSTUSER: "vhost-user",
    NetType.NULL: None,
    NetType.DIRECT: None,
}
# The socket back end's key for each socket-like type.
SOCKET_KEY = {
    NetType.MCAST: "mcast",
    NetType.SERVER: "listen",
    NetType.CLIENT: "connect",
    NetType.UDP: "udp",
}
DEFAULT_IFUP = "/etc/qemu-ifup"    # the page: "By default this script is called /etc/qemu-ifup"


def backend(iface: Interface, net_id: str, ctx: QemuContext, domain
            ) -> Optional[Tuple[Optional[str], Props, List[Option]]]:
    """The back end's type, its settings and any option it needs first (a vhost-user
    -chardev); None after reporting why there is none."""
    kind = NETDEV_TYPE[iface.type]
    match iface.type:
        case NetType.USER:
            props = user_props(iface, ctx)
            return None if props is None else (kind, props, [])
        case NetType.NETWORK:
            bridge = resolve_bridge(iface.network or "", ctx.networks)
            if bridge is None:
                _unknown_network(iface, ctx)
                return None
            return bridge_props(iface, bridge, ctx)
        case NetType.BRIDGE:
            return bridge_props(iface, iface.bridge or "", ctx)
        case NetType.ETHERNET:
            return kind, tap_props(iface, ctx), []
        case NetType.MCAST | NetType.SERVER | NetType.CLIENT | NetType.UDP:
            return kind, socket_props(iface), []
        case NetType.VHOSTUSER:
            return vhost_user(iface, net_id, ctx, domain)
        case NetType.NULL:
            return kind, (), []
        case NetType.DIRECT:
            dev = iface.source.dev if iface.source is not None else None
            ctx.diags.add(QEMU430, "<interface type='direct'> is a macvtap device on host"
                          f" interface {dev!r}: only a"
                          " privileged process (libvirtd) can create one and hand it to QEMU",
                          iface.span, hint="use <interface type='bridge'> with a bridge that"
                          " qemu-bridge-helper may use, or type='user' (no privileges), or"
                          " start this guest with libvirt")
            return None
        case _:
            assert_never(iface.type)


def queues(iface: Interface) -> Optional[int]:
    q = iface.driver.queues if iface.driver is not None else None
    return q if q is not None and q > 1 else None


def bridge_props(iface: Interface, bridge: str, ctx: QemuContext):
    if not ctx.has(Cap.NETDEV_BRIDGE):
        ctx.unsupported(iface.span, f"<interface type='{iface.type.value}'> (bridge {bridge!r})",
                        "this QEMU has no bridge helper; use type='ethernet' with a <script>"
                        " that adds the tap device to the bridge")
        return None
    if iface.target_dev:
        ctx.diags.add(QEMU306, f"<target dev='{iface.target_dev}'> has no QEMU equivalent"
                      " for a bridge interface and is ignored: qemu-bridge-helper names the"
                      " tap device itself", iface.where(iface.target),
                      "use type='ethernet' with a <script> if the tap name matters")
    driver = iface.driver
    if queues(iface):
        ctx.diags.add(QEMU433, f"<driver queues='{driver.queues}'>: qemu-bridge-helper opens"
                      " a tap with one queue, so the guest gets one queue pair (libvirt opens"
                      " one tap queue per queue)", driver.span,
                      hint="use type='ethernet' (a tap virtc opens with queues=) for"
                      " multiqueue")
    if driver is not None and driver.name == "vhost":
        ctx.diags.add(QEMU433, "<driver name='vhost'>: -netdev bridge has no vhost option;"
                      " the NIC's packets go through QEMU", driver.span,
                      hint="use type='ethernet' for vhost-net")
    return NETDEV_TYPE[NetType.BRIDGE], (("br", bridge),), []


def tap_props(iface: Interface, ctx: QemuContext) -> Props:
    downscript = None
    if ctx.has(Cap.TAP_DOWNSCRIPT):
        down = iface.downscript.path if iface.downscript is not None else None
        downscript = down or "no"
    driver = iface.driver
    vhost = True if driver is not None and driver.name == "vhost" else None
    return (("ifname", iface.target_dev), ("script", iface.script_path or DEFAULT_IFUP),
            ("downscript", downscript), ("queues", queues(iface)), ("vhost", vhost))


def socket_props(iface: Interface) -> Props:
    # SEM201 and SEM316 have made sure of the ports, and of the addresses but a server's:
    # a server without one listens on every address, `listen=:PORT` (QEMU's
    # `listen=[host]:port`), as libvirt writes it.
    props: Props = ((SOCKET_KEY[iface.type], f"{iface.address or ''}:{iface.port}"),)
    local = iface.source.local if iface.source is not None else None
    if iface.type is NetType.UDP and local is not None:
        props += (("localaddr", f"{local.address or ''}:{local.port}"),)
    return props


def vhost_user(iface: Interface, net_id: str, ctx: QemuContext, domain):
    from .filesystem import _memory_is_shared

    source = iface.source
    char_id = f"char{net_id[4:]}" if net_id.startswith("host") else f"char{net_id}"
    server = True if source.mode == "server" else None
    reconnect = source.reconnect
    timeout = (reconnect.timeout if reconnect is not None and reconnect.enabled
               and not server else None)
    chardev = Option("-chardev", Opts.of("socket", ("id", char_id), ("path", source.path),
                                         ("server", server), ("reconnect", timeout)),
                     source.span, (("path", source.span),))
    if not _memory_is_shared(domain):
        ctx.diags.add(QEMU432, f"<interface type='vhostuser'> (socket {source.path}): the"
                      " guest's memory is not shared, so the vhost-user back end can't reach"
                      " the NIC's buffers and the NIC moves no packets", iface.span,
                      hint="add <memoryBacking><source type='memfd'/><access mode='shared'/>"
                      "</memoryBacking>")
    return NETDEV_TYPE[NetType.VHOSTUSER], (("chardev", char_id), ("queues", queues(iface))), [chardev]


# ------------------------------------------------------------------ user: <ip>, <portForward>

def user_props(iface: Interface, ctx: QemuContext) -> Optional[Props]:
    """net= and ipv6-prefix= from <ip> (libvirt's mapping), hostfwd= from <portForward>."""
    import ipaddress   # ~1 ms; only user-mode NICs need it

    props: List[Tuple[str, Optional[Scalar]]] = []
    for ip in iface.ips:
        try:
            addr = ipaddress.ip_address(ip.address or "")
        except ValueError:
            continue
        if addr.version == 4:
            props.append(("net", f"{addr}/{ip.prefix}" if ip.prefix else str(addr)))
        else:
            props += [("ipv6-prefix", str(addr)), ("ipv6-prefixlen", ip.prefix)]
    ok = True
    for forward in iface.port_forwards:
        rules = hostfwd_rules(forward, ctx)
        if rules is None:
            ok = False
            continue
        props += [("hostfwd", rule) for rule in rules]
    backend = iface.backend
    if backend is not None and backend.type == "passt":
        ctx.diags.add(QEMU437, "<backend type='passt'>: virtc uses QEMU's own user-mode"
                      " network stack (slirp), not a passt process", backend.span,
                      hint="the guest gets slirp's addresses (10.0.2.15 by default) unless"
                      " <ip> says otherwise; start the guest with libvirt for passt")
    return tuple(props) if ok else None


def hostfwd_rules(forward: PortForward, ctx: QemuContext) -> Optional[List[str]]:
    """One `proto:hostaddr:hostport-:guestport` per forwarded port; passt's `exclude` ranges
    are taken out of the set first. None (QEMU436) for what hostfwd can't say."""
    import ipaddress

    problem = None
    if forward.dev:
        problem = f"dev='{forward.dev}' (hostfwd binds to an address, not an interface)"
    elif forward.address:
        try:
            if ipaddress.ip_address(forward.address).version == 6:
                problem = f"the IPv6 address {forward.address} (QEMU 7.2's hostfwd is IPv4 only)"
        except ValueError:
            problem = f"address='{forward.address}', which is not an IP address"
    if problem is None and any(r.start is None for r in forward.ranges):
        problem = "a <range> without start="
    for r in forward.ranges:
        last = r.end if r.end is not None else r.start
        if problem is None and r.start is not None and not (
                1 <= r.start <= last <= 65535 and 1 <= (r.to or 1) <= 65535 - (last - r.start)):
            to = f" to='{r.to}'" if r.to is not None else ""
            problem = f"<range start='{r.start}' end='{last}'{to}> (ports are 1-65535)"
    if problem is not None:
        ctx.diags.add(QEMU436, f"<portForward proto='{forward.proto}'> with {problem} can't be"
                      " written as QEMU's hostfwd", forward.span,
                      hint="forward from an IPv4 address (or all addresses) with explicit"
                      " <range start>")
        return None
    excluded = {port for r in forward.ranges if r.exclude
                for port in range(r.start, (r.end or r.start) + 1)}
    host = forward.address or ""
    rules = []
    for r in forward.ranges:
        if r.exclude:
            continue
        for port in range(r.start, (r.end or r.start) + 1):
            if port in excluded:
                continue
            guest = (r.to + port - r.start) if r.to else port
            rules.append(f"{forward.proto or 'tcp'}:{host}:{port}-:{guest}")
    return rules


def _unknown_network(iface: Interface, ctx: QemuContext) -> None:
    import difflib

    name = iface.network or ""
    close = difflib.get_close_matches(name, list(ctx.networks), n=1)
    guess = f"did you mean '{close[0]}'? " if close else ""
    ctx.diags.add(QEMU303, f"<source network='{name}'> names a network with no known"
                  " bridge", iface.where(iface.source),
                  f"{guess}define it with `--network FILE` (a libvirt <network> document with"
                  " <bridge name='…'/>); built in: " + ", ".join(sorted(ctx.networks)))
