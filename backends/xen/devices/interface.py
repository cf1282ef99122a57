"""<interface> on Xen (compiler/devices/interface.py): vif entries, "mac=…,bridge=…,script=…"
strings, one per <interface>, and reading them back (vif()).

Follows libvirt's xenFormatNet (src/libxl/xen_common.c) and the older xenFormatSxprNet:
field order mac, bridge, ip, script, model/type, vifname; bridged vifs default to the
vif-bridge script. The HVM `type=` spelling differs between xm versions and xl, so the
dialect passes it in. xm.py and xl.py place the vif key in their key order (build_vifs),
so this module has no generic `build`.
"""
from __future__ import annotations

from typing import List, Optional, assert_never

from ....compiler.devices.interface import (Interface, InterfaceIp, InterfaceModel,
                                            InterfaceScript, InterfaceSource, InterfaceTarget,
                                            MacAddress)
from ....compiler.diagnostics import Span
from ....compiler.ir import NetType
from ....compiler.networks import resolve_bridge
from ....compiler.rules.codes import XEN402, XEN403, XEN420, XEN421, XEN428
from .. import tables
from ..common import Builder, Config
from ..import_values import ConfigReader, entry_fields

DEFAULT_VIF_SCRIPT = "vif-bridge"
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
              | NetType.CLIENT):
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
        return net.script_path or DEFAULT_VIF_SCRIPT
    return net.script_path


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
    script = _script_of(b, net, kind)
    fields: List[tuple] = [("mac", net.mac_address, "MAC address", net.where(net.mac)),
                           ("bridge", bridge, "bridge", net.where(net.source)),
                           ("ip", net.ip_address, "IP address", net.where(net.ip)),
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
    return ",".join(parts)


def build_vifs(b: Builder, config: Config, hvm_type: Optional[str],
               netfront_type: str = "netfront") -> None:
    """`hvm_type` marks emulated HVM nics (None: not marked); `netfront_type` PV ones."""
    entries = [vif_entry(b, net, hvm_type, netfront_type) for net in b.domain.devices.interfaces]
    kept = [e for e in entries if e is not None]
    if kept:
        config.set("vif", kept)


# ------------------------------------------------------------------ import

_VIF_KEYS = ("mac", "bridge", "ip", "script", "model", "type", "vifname")
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
    bridge = values.get("bridge")
    mac = values.get("mac")
    ip, script, vifname = values.get("ip"), values.get("script"), values.get("vifname")
    # Each part points at the entry, as lowering points each at its element.
    return Interface(
        NetType.BRIDGE if bridge else NetType.ETHERNET,
        source=InterfaceSource(bridge=bridge, span=span) if bridge else None,
        mac=MacAddress(mac.lower(), span) if mac else None,
        ip=InterfaceIp(ip, span) if ip is not None else None,
        script=InterfaceScript(script, span) if script is not None else None,
        target=InterfaceTarget(vifname, span) if vifname is not None else None,
        model=InterfaceModel(model, span) if model is not None else None,
        span=span)
