"""<interface> (compiler/devices/interface.py): one NIC paired with one back end, never two
NICs on one hub.

Modern dialects pair `-netdev TYPE,id=netN` with `-device MODEL,netdev=netN`. Legacy ones
(no -netdev) put NIC N and its back end alone on hub ("vlan") N. argv.py places the
interfaces in QEMU's order (build_all): N counts them.

A PCI <address> on the root bus places the -device (bus=, addr=); any other address, an
address on a legacy -net nic, a <boot order> and an <acpi index> are QEMU320 on their own
line, an <alias> QEMU321 (it only names the device for libvirt).
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple, assert_never

from ....compiler.devices.interface import Interface
from ....compiler.diagnostics import Span
from ....compiler.ir import Domain, NetType
from ....compiler.networks import resolve_bridge
from ....compiler.rules.codes import QEMU303, QEMU306, QEMU390
from ..context import QemuContext
from ..dialects import Cap
from ..opts import Option, Opts, Scalar
from . import bootindex, not_compiled, placement

# QEMU back-end type per interface type.
NETDEV_TYPE: Dict[NetType, str] = {
    NetType.USER: "user",
    NetType.NETWORK: "bridge",
    NetType.BRIDGE: "bridge",
    NetType.ETHERNET: "tap",
    NetType.MCAST: "socket",
    NetType.SERVER: "socket",
    NetType.CLIENT: "socket",
}
# The socket back end's key for each socket-like type.
SOCKET_KEY: Dict[NetType, str] = {
    NetType.MCAST: "mcast",
    NetType.SERVER: "listen",
    NetType.CLIENT: "connect",
}
DEFAULT_MODEL = "rtl8139"          # libvirt's default NIC for x86 QEMU guests
DEFAULT_IFUP = "/etc/qemu-ifup"    # the page: "By default this script is called /etc/qemu-ifup"
# libvirt <model type> names whose -device driver is spelled differently.
DEVICE_FOR_MODEL = {"virtio": "virtio-net-pci"}

Props = Tuple[Tuple[str, Optional[Scalar]], ...]


def _value_spans(iface: Interface) -> Tuple[Tuple[str, Span], ...]:
    # Which element each value that comes from the document was read from, so a value QEMU
    # can't carry is reported there rather than on the <interface>.
    source, target = iface.where(iface.source), iface.where(iface.target)
    model, mac = iface.where(iface.model), iface.where(iface.mac)
    return (("br", source), *((key, source) for key in SOCKET_KEY.values()),
            ("ifname", target), ("script", iface.where(iface.script)),
            ("mac", mac), ("macaddr", mac), ("model", model))


def build_all(interfaces, domain: Domain, ctx: QemuContext) -> List[Option]:
    """Every interface, in document order: N in netN and vlan=N counts them."""
    out: List[Option] = []
    for index, iface in enumerate(interfaces):
        netdev = ctx.has(Cap.NETDEV)
        not_compiled(iface, ctx, honoured=("address", "boot") if netdev else ())
        where = placement(iface.info, domain, ctx, "<interface>") if netdev else ()
        if where is not None and netdev:
            where = where + bootindex(iface.info)
        if iface.mac is not None and iface.mac.derived:
            ctx.diags.add(QEMU390, f"<interface> has no <mac>: virtc gives it"
                          f" {iface.mac.address}, derived from the domain's"
                          f" {'UUID' if domain.uuid else 'name'} and the NIC's index {index}"
                          " (libvirt would make a random one)", iface.span,
                          hint=f"write <mac address='{iface.mac.address}'/> to keep it, or"
                          " the MAC the guest had under libvirt")
        _check_ignored(iface, ctx)
        backend = backend_props(iface, ctx)
        if backend is None or where is None:
            continue
        kind, props = backend
        if netdev:
            out.extend(build_netdev_pair(iface, index, kind, props, where))
        elif ctx.has(Cap.NET_VLAN):
            out.extend(build_net_vlan(iface, index, kind, props))
        else:  # no dialect lacks both; kept so a future dialect can't fall through silently
            ctx.unsupported(iface.span, "network interfaces", "use a dialect with -netdev")
    return out


def build_netdev_pair(iface: Interface, index: int, kind: str, props: Props,
                      where: Props = ()) -> List[Option]:
    net_id = f"net{index}"
    model = iface.model_type or DEFAULT_MODEL
    device = Opts.of(DEVICE_FOR_MODEL.get(model, model), ("netdev", net_id),
                     ("mac", iface.mac_address), *where)
    spans = _value_spans(iface)
    return [Option("-netdev", Opts.of(kind, ("id", net_id), *props), iface.span, spans),
            # The head is the model's driver name.
            Option("-device", device, iface.where(iface.model), spans)]


def build_net_vlan(iface: Interface, index: int, kind: str, props: Props) -> List[Option]:
    nic = Opts.of("nic", ("vlan", index), ("macaddr", iface.mac_address),
                  ("model", iface.model_type or DEFAULT_MODEL))
    spans = _value_spans(iface)
    return [Option("-net", nic, iface.span, spans),
            Option("-net", Opts.of(kind, ("vlan", index), *props), iface.span, spans)]


def backend_props(iface: Interface, ctx: QemuContext) -> Optional[Tuple[str, Props]]:
    """The back end's type and settings; None after reporting why there is none."""
    kind = NETDEV_TYPE[iface.type]
    match iface.type:
        case NetType.USER:
            return kind, ()
        case NetType.NETWORK:
            bridge = resolve_bridge(iface.network or "", ctx.networks)
            if bridge is None:
                _unknown_network(iface, ctx)
                return None
            return build_netdev_bridge(iface, bridge, ctx)
        case NetType.BRIDGE:
            return build_netdev_bridge(iface, iface.bridge or "", ctx)
        case NetType.ETHERNET:
            return kind, build_netdev_tap(iface, ctx)
        case NetType.MCAST | NetType.SERVER | NetType.CLIENT:
            return kind, build_netdev_socket(iface, ctx)
        case _:
            assert_never(iface.type)


def build_netdev_bridge(iface: Interface, bridge: str,
                        ctx: QemuContext) -> Optional[Tuple[str, Props]]:
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
    return "bridge", (("br", bridge),)


def build_netdev_tap(iface: Interface, ctx: QemuContext) -> Props:
    downscript = "no" if ctx.has(Cap.TAP_DOWNSCRIPT) else None
    return (("ifname", iface.target_dev), ("script", iface.script_path or DEFAULT_IFUP),
            ("downscript", downscript))


def build_netdev_socket(iface: Interface, ctx: QemuContext) -> Props:
    # SEM201 has made sure of the address and port (compiler/devices/interface.py).
    return ((SOCKET_KEY[iface.type], f"{iface.address or ''}:{iface.port}"),)


def _check_ignored(iface: Interface, ctx: QemuContext) -> None:
    for ip in iface.ips:
        if ip.address:
            ctx.diags.add(QEMU306, f"<ip address='{ip.address}'> has no QEMU equivalent and"
                          " is ignored: QEMU does not configure the guest's address",
                          ip.span, "configure the address inside the guest or with DHCP")
    _not_compiled_parts(iface, ctx)
    if iface.script_path and iface.type is not NetType.ETHERNET:
        ctx.diags.add(QEMU306, f"<script path='{iface.script_path}'> has no QEMU equivalent"
                      f" for type='{iface.type.value}' and is ignored: only type='ethernet'"
                      " runs a script", iface.where(iface.script),
                      "remove <script> or use type='ethernet'")
    if iface.target_dev and iface.type in (NetType.USER, NetType.MCAST, NetType.SERVER,
                                           NetType.CLIENT):
        ctx.diags.add(QEMU306, f"<target dev='{iface.target_dev}'> has no QEMU equivalent"
                      f" for type='{iface.type.value}' and is ignored: no host device exists",
                      iface.where(iface.target), "remove <target>")


def _not_compiled_parts(iface: Interface, ctx: QemuContext) -> None:
    """<bandwidth> (host-side shaping: QEMU321), <vlan> and <virtualport> (the switch port
    the guest is on: QEMU320) are valid libvirt that this builder doesn't carry yet."""
    from ....compiler import uncompiled
    from ....compiler.ir import Uncompiled
    from ....compiler.rules.codes import QEMU320, QEMU321

    items = [Uncompiled(f"devices/interface/{part.TAG}", part.span,
                        host_side=part.TAG == "bandwidth")
             for part in (iface.bandwidth, iface.vlan, iface.virtualport) if part is not None]
    uncompiled.report(items, ctx.diags, "QEMU", QEMU320, QEMU321)


def _unknown_network(iface: Interface, ctx: QemuContext) -> None:
    import difflib

    name = iface.network or ""
    close = difflib.get_close_matches(name, list(ctx.networks), n=1)
    guess = f"did you mean '{close[0]}'? " if close else ""
    ctx.diags.add(QEMU303, f"<source network='{name}'> names a network with no known"
                  " bridge", iface.where(iface.source),
                  f"{guess}define it with `--network FILE` (a libvirt <network> document with"
                  " <bridge name='…'/>); built in: " + ", ".join(sorted(ctx.networks)))
