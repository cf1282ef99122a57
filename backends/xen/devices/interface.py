"""<interface> on Xen (compiler/devices/interface.py): vif entries, "mac=…,bridge=…,script=…"
strings, one per <interface>, and reading them back (vif()).

Follows libvirt's xenFormatNet (src/libxl/xen_common.c) and the older xenFormatSxprNet:
field order mac, bridge, ip, script, model/type, vifname, rate; bridged vifs default to the
vif-bridge script, Open vSwitch ports (<virtualport type='openvswitch'>) to vif-openvswitch,
with their <vlan> in the bridge name as libxl reads it: BRIDGE[.TAG] or BRIDGE:TAG:TAG… for
a trunk. Every <ip> goes into one space-separated ip=, and <bandwidth><outbound average>
(KiB/s) is rate=NKB/s. Reading back is libvirt's xenParseVif: a bridge name with '.' or ':'
is an Open vSwitch port, and rate= takes B/s, KB/s, MB/s, GB/s or b/s… (kept in KiB/s).
virtc writes ip= before script= for routed vifs too (libvirt: after), as it always has. The HVM `type=` spelling differs between xm versions and xl, so the
dialect passes it in. xm.py and xl.py place the vif key in their key order (build_vifs),
so this module has no generic `build`.
"""
from __future__ import annotations

import re
from typing import List, Optional, Tuple, assert_never

from ....compiler.devices.interface import (Interface, InterfaceBandwidth, InterfaceIp,
                                            InterfaceModel, InterfaceScript, InterfaceSource,
                                            InterfaceTarget, InterfaceVirtualPort,
                                            InterfaceVlan, MacAddress, Outbound, VlanTag)
from ....compiler.diagnostics import Span
from ....compiler.ir import NetType
from ....compiler.networks import resolve_bridge
from ....compiler.rules.codes import (XEN402, XEN403, XEN420, XEN421, XEN427, XEN428,
                                      XEN461, XEN462)
from .. import tables
from ..common import Builder, Config
from ..import_values import ConfigReader, entry_fields

DEFAULT_VIF_SCRIPT = "vif-bridge"
OVS_VIF_SCRIPT = "vif-openvswitch"
OVS = "openvswitch"
# Xen names backend devices vifDOMID.N itself; libvirt never writes such a name back.
RUNTIME_VIF_PREFIX = "vif"


def _bridge_of(b: Builder, net: Interface) -> Optional[str]:
    match net.type:
        case NetType.BRIDGE:
            return net.bridge
        case NetType.NETWORK:
            bridge = resolve_bridge(net.network or "", b.networks)
            if bridge is None:
                known = net.network in b.networks
                why = "has no bridge" if known else "is not defined"
                b.report(XEN403, f"<interface type='network'>: network {net.network!r} "
                         f"{why}, so the vif has no bridge to join", net.where(net.source),
                         hint="pass the network definition with --network FILE, or use "
                         "<interface type='bridge'>")
            return bridge
        case (NetType.ETHERNET | NetType.USER | NetType.MCAST | NetType.SERVER
              | NetType.CLIENT | NetType.UDP | NetType.VHOSTUSER | NetType.NULL
              | NetType.DIRECT):
            return None
        case _:
            assert_never(net.type)


def _script_of(b: Builder, net: Interface, kind: str) -> Optional[str]:
    if net.type is NetType.NETWORK and net.script_path is not None:
        b.report(XEN420, f"<script path={net.script_path!r}> is not allowed on an interface "
                 f"of type 'network' (network {net.network!r})", net.where(net.script),
                 hint="remove <script>, or use type='bridge'")
        return None
    if kind == "bridge":
        return net.script_path or (OVS_VIF_SCRIPT if _is_ovs(net) else DEFAULT_VIF_SCRIPT)
    return net.script_path


def _is_ovs(net: Interface) -> bool:
    return net.virtualport is not None and net.virtualport.type == OVS


def _port_suffix(b: Builder, net: Interface) -> Optional[str]:
    """libxl's VLAN spelling after the bridge name ("" for none): .TAG, or :TAG:TAG… for a
    trunk; None (reported, XEN461) when the port can't be written."""
    port, vlan = net.virtualport, net.vlan
    if port is not None and port.type != OVS:
        b.report(XEN461, f"<virtualport type={port.type!r}>: a vif joins a Linux or Open "
                 "vSwitch bridge only", port.span,
                 hint="use <virtualport type='openvswitch'/> or no <virtualport>")
        return None
    if vlan is None or not vlan.tags:
        return ""
    if port is None or net.type is not NetType.BRIDGE:
        b.report(XEN461, "<vlan>: a vif carries VLAN tags for an Open vSwitch bridge only",
                 vlan.span, hint="add <virtualport type='openvswitch'/> to a bridge "
                 "interface on an Open vSwitch bridge")
        return None
    if vlan.trunk or len(vlan.tags) > 1:
        return "".join(f":{tag.id}" for tag in vlan.tags)
    return f".{vlan.tags[0].id}"


def _rate(b: Builder, net: Interface) -> Optional[str]:
    """rate=NKB/s from <outbound average>; the rest of <bandwidth> is XEN462."""
    bw = net.bandwidth
    if bw is None:
        return None
    left = []
    if bw.inbound is not None:
        left.append(("<inbound>", bw.inbound.span))
    out = bw.outbound
    if out is not None:
        left += [(f"<outbound {attr}>", out.span) for attr in ("peak", "burst", "floor")
                 if getattr(out, attr) is not None]
        if not out.average:
            left.append(("<outbound> without a non-zero average", out.span))
    for what, span in left:
        b.report(XEN462, f"{what} has no vif key: a vif's rate= limits the guest's outgoing "
                 "average only; left out", span, hint="shape it on the host (tc)")
    if out is None or not out.average:
        return None
    return f"{out.average}KB/s"


def _model_fields(b: Builder, net: Interface, hvm_type: Optional[str],
                  netfront_type: str) -> List[str]:
    if not b.hvm:
        return [f"model={net.model_type}"] if net.model_type else []
    # On HVM, model 'netfront' asks for a PV nic instead of an emulated one.
    if net.model_type == "netfront":
        return [f"type={netfront_type}"]
    model = [f"model={net.model_type}"] if net.model_type else []
    return model + ([f"type={hvm_type}"] if hvm_type else [])


def vif_entry(b: Builder, net: Interface, hvm_type: Optional[str],
              netfront_type: str = "netfront") -> Optional[str]:
    _report_unused(b, net)
    kind = tables.VIF_KINDS[net.type]
    if kind is None:
        b.report(XEN402, f"<interface type='{net.type.value}'> can't be expressed for "
                 f"target {b.target}: Xen vifs join a bridge or a routing script", net.span,
                 hint="use <interface type='bridge'>, 'network' or 'ethernet'")
        return None
    bridge = _bridge_of(b, net) if kind == "bridge" else None
    if kind == "bridge" and bridge is None:
        if net.type is NetType.BRIDGE:
            b.report(XEN403, "<interface type='bridge'> has no <source bridge>",
                     net.where(net.source),
                     hint="add <source bridge='xenbr0'/>")
        return None
    suffix = _port_suffix(b, net)
    if suffix is None:
        return None
    if bridge is not None and not b.no_separator("bridge", bridge, net.where(net.source),
                                                 "vif"):
        return None
    script = _script_of(b, net, kind)
    ips = [ip.address for ip in net.ips if ip.address]
    for ip in net.ips:
        if not b.no_separator("IP address", ip.address, ip.span, "vif"):
            return None
    fields: List[tuple] = [("mac", net.mac_address, "MAC address", net.where(net.mac)),
                           ("bridge", bridge + suffix if bridge else None, "bridge",
                            net.where(net.source)),
                           ("ip", " ".join(ips) or None, "IP address", net.where(net.ip)),
                           ("script", script, "script path", net.where(net.script))]
    parts: List[str] = []
    for key, value, what, span in fields:
        if value is None:
            continue
        if not b.no_separator(what, value, span, "vif"):
            return None
        parts.append(f"{key}={value}")
    if not b.no_separator("model", net.model_type, net.where(net.model), "vif"):
        return None
    parts += _model_fields(b, net, hvm_type, netfront_type)
    vifname = net.target_dev
    if vifname is not None and vifname.startswith(RUNTIME_VIF_PREFIX):
        b.report(XEN421, f"<target dev={vifname!r}> is a name Xen assigns at run time; "
                 "ignored", net.where(net.target))
    elif vifname is not None:
        if not b.no_separator("target dev", vifname, net.where(net.target), "vif"):
            return None
        parts.append(f"vifname={vifname}")
    rate = _rate(b, net)
    if rate is not None:
        parts.append(f"rate={rate}")
    return ",".join(parts)


def _report_unused(b: Builder, net: Interface) -> None:
    """The NIC's parts a vif has no field for (<driver>, <link>, <mtu>, <rom>, …): XEN440,
    or XEN441 for host-side <coalesce>."""
    from ....compiler import uncompiled
    from ....compiler.devices.interface import unused_parts
    from ....compiler.rules.codes import XEN440, XEN441

    items = unused_parts(net, ("bandwidth", "vlan", "virtualport"))
    uncompiled.report(items, b.diags, "Xen", XEN440, XEN441)
    if any(not item.host_side for item in items):
        b.failed = True


def build_vifs(b: Builder, config: Config, hvm_type: Optional[str],
               netfront_type: str = "netfront") -> None:
    """`hvm_type` marks emulated HVM nics (None: not marked); `netfront_type` PV ones."""
    entries = [vif_entry(b, net, hvm_type, netfront_type) for net in b.domain.devices.interfaces]
    kept = [e for e in entries if e is not None]
    if kept:
        config.set("vif", kept)


# ------------------------------------------------------------------ import

_VIF_KEYS = ("mac", "bridge", "ip", "script", "model", "type", "vifname", "rate")
# libvirt's vif_bytes_per_sec_re, with its optional @interval
_RATE = re.compile(r"^([0-9]+)([GMK]?)([Bb])/s(@.*)?$")
_RATE_SCALE = {"": 1, "K": 1, "M": 1024, "G": 1024 * 1024}
_MAX_KIB = 2 ** 32 - 1
# type= on a vif: emulated (no model of its own) or the PV netfront nic.
_VIF_TYPES = {"ioemu": None, "netfront": "netfront", "vif": "netfront"}


def vif(r: ConfigReader, entry: str, span: Span) -> Optional[Interface]:
    values = {}
    for key, value in entry_fields(entry):
        if key in _VIF_KEYS and value is not None:
            values[key] = value
        else:
            r.report(XEN428, f"vif field {key!r} has no domain XML equivalent; ignored", span)
    model = values.get("model")
    if "type" in values:
        if values["type"] not in _VIF_TYPES:
            r.report(XEN428, f"vif type {values['type']!r} has no domain XML equivalent; "
                     "ignored", span)
        elif _VIF_TYPES[values["type"]] is not None:
            model = _VIF_TYPES[values["type"]]
    bridge, vlan = _bridge_and_vlan(values.get("bridge"), span)
    mac = values.get("mac")
    ip, script, vifname = values.get("ip"), values.get("script"), values.get("vifname")
    bandwidth = None
    if "rate" in values:
        kib = _rate_kib(r, values["rate"], span)
        if kib is None:
            return None
        bandwidth = InterfaceBandwidth(outbound=Outbound(average=kib, span=span), span=span)
    # Each part points at the entry, as lowering points each at its element.
    return Interface(
        NetType.BRIDGE if bridge else NetType.ETHERNET,
        source=InterfaceSource(bridge=bridge, span=span) if bridge else None,
        mac=MacAddress(mac.lower(), span) if mac else None,
        ips=tuple(InterfaceIp(a, span=span) for a in (ip or "").split()),
        script=InterfaceScript(script, span) if script is not None else None,
        target=InterfaceTarget(vifname, span) if vifname is not None else None,
        model=InterfaceModel(model, span) if model is not None else None,
        bandwidth=bandwidth,
        vlan=vlan,
        virtualport=InterfaceVirtualPort(OVS, span) if vlan is not None else None,
        span=span)


def _bridge_and_vlan(bridge: Optional[str], span: Span
                     ) -> Tuple[Optional[str], Optional[InterfaceVlan]]:
    """libvirt's xenParseVifBridge: "br0.42" is Open vSwitch bridge br0 with tag 42,
    "br0:42:47" a trunk; a name whose tags aren't numbers stays a plain bridge name."""
    if not bridge:
        return bridge, None
    if "." in bridge:
        name, _, tag = bridge.partition(".")
        if tag.isdigit():
            return name, InterfaceVlan(tags=(VlanTag(int(tag), span),), span=span)
    elif ":" in bridge:
        name, *tags = bridge.split(":")
        if tags and all(t.isdigit() for t in tags):
            return name, InterfaceVlan(trunk=True, tags=tuple(VlanTag(int(t), span)
                                                              for t in tags), span=span)
    return bridge, None


def _rate_kib(r: ConfigReader, rate: str, span: Span) -> Optional[int]:
    """libvirt's xenParseSxprVifRate: NB/s, NKB/s, NMB/s, NGB/s (b: bits) → KiB/s."""
    m = _RATE.match(rate)
    if m is None:
        r.report(XEN427, f"vif rate {rate!r}: expected a rate such as 10240KB/s or 10Mb/s",
                 span)
        return None
    if m.group(4):
        r.report(XEN428, f"vif rate interval {m.group(4)!r} has no domain XML equivalent; "
                 "ignored", span)
    kib = int(m.group(1)) * _RATE_SCALE[m.group(2)]
    kib = kib // 8 if m.group(3) == "b" else kib
    if not 1 <= kib <= _MAX_KIB:
        # libvirt's <bandwidth> average is an unsignedInt of at least 1 KiB/s.
        r.report(XEN427, f"vif rate {rate!r} is {kib} KiB/s: <bandwidth> takes 1 to "
                 f"{_MAX_KIB} KiB/s", span)
        return None
    return kib
