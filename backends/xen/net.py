"""vif entries: "mac=…,bridge=…,script=…" strings, one per <interface>.

Follows libvirt's xenFormatNet (src/libxl/xen_common.c) and the older xenFormatSxprNet:
field order mac, bridge, ip, script, model/type, vifname; bridged vifs default to the
vif-bridge script. The HVM `type=` spelling differs between xm versions and xl, so the
dialect passes it in.
"""
from __future__ import annotations

from typing import List, Optional, assert_never

from ...compiler.diagnostics import Span
from ...compiler.ir import Interface, NetType, nearest
from ...compiler.networks import resolve_bridge
from ...compiler.rules.codes import XEN402, XEN403, XEN420, XEN421
from . import tables
from .common import Builder, Config

DEFAULT_VIF_SCRIPT = "vif-bridge"
# Xen names backend devices vifDOMID.N itself; libvirt never writes such a name back.
RUNTIME_VIF_PREFIX = "vif"


def _at(net: Interface, sub: Span) -> Span:
    return nearest(sub, net.span)


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
                         f"{why}, so the vif has no bridge to join", _at(net, net.source_span),
                         hint="pass the network definition with --network FILE, or use "
                         "<interface type='bridge'>")
            return bridge
        case (NetType.ETHERNET | NetType.USER | NetType.MCAST | NetType.SERVER
              | NetType.CLIENT):
            return None
        case _:
            assert_never(net.type)


def _script_of(b: Builder, net: Interface, kind: str) -> Optional[str]:
    if net.type is NetType.NETWORK and net.script is not None:
        b.report(XEN420, f"<script path={net.script!r}> is not allowed on an interface "
                 f"of type 'network' (network {net.network!r})", _at(net, net.script_span),
                 hint="remove <script>, or use type='bridge'")
        return None
    if kind == "bridge":
        return net.script or DEFAULT_VIF_SCRIPT
    return net.script


def _model_fields(b: Builder, net: Interface, hvm_type: Optional[str],
                  netfront_type: str) -> List[str]:
    if not b.hvm:
        return [f"model={net.model}"] if net.model else []
    # On HVM, model 'netfront' asks for a PV nic instead of an emulated one.
    if net.model == "netfront":
        return [f"type={netfront_type}"]
    model = [f"model={net.model}"] if net.model else []
    return model + ([f"type={hvm_type}"] if hvm_type else [])


def vif_entry(b: Builder, net: Interface, hvm_type: Optional[str],
              netfront_type: str = "netfront") -> Optional[str]:
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
                     _at(net, net.source_span),
                     hint="add <source bridge='xenbr0'/>")
        return None
    script = _script_of(b, net, kind)
    fields: List[tuple] = [("mac", net.mac, "MAC address", net.mac_span),
                           ("bridge", bridge, "bridge", net.source_span),
                           ("ip", net.ip, "IP address", net.ip_span),
                           ("script", script, "script path", net.script_span)]
    parts: List[str] = []
    for key, value, what, span in fields:
        if value is None:
            continue
        if not b.no_separator(what, value, _at(net, span), "vif"):
            return None
        parts.append(f"{key}={value}")
    if not b.no_separator("model", net.model, _at(net, net.model_span), "vif"):
        return None
    parts += _model_fields(b, net, hvm_type, netfront_type)
    vifname = net.target_dev
    if vifname is not None and vifname.startswith(RUNTIME_VIF_PREFIX):
        b.report(XEN421, f"<target dev={vifname!r}> is a name Xen assigns at run time; "
                 "ignored", _at(net, net.target_span))
    elif vifname is not None:
        if not b.no_separator("target dev", vifname, _at(net, net.target_span), "vif"):
            return None
        parts.append(f"vifname={vifname}")
    return ",".join(parts)


def build_vifs(b: Builder, config: Config, hvm_type: Optional[str],
               netfront_type: str = "netfront") -> None:
    """`hvm_type` marks emulated HVM nics (None: not marked); `netfront_type` PV ones."""
    entries = [vif_entry(b, net, hvm_type, netfront_type) for net in b.domain.devices.interfaces]
    kept = [e for e in entries if e is not None]
    if kept:
        config.set("vif", kept)
