"""What a Xen domain says, comparable between a document and the import of its config.

A config can't say everything a document can, and it spells some things a document leaves
implicit (xm writes `script=vif-bridge` for every bridged vif). Each such difference is one
row of SPELLED_DEFAULTS below, with the libvirt behaviour it follows; both sides of a
comparison go through every row, so a row can only make equal what Xen can't tell apart.
Add a row when a family's mapping writes or drops a default; nowhere else.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

from virtc.compiler.node import fields, is_node

Facts = Dict[str, Any]


def node_facts(node: Any) -> Any:
    """A node's values, recursively, without spans; every node names its class."""
    if is_node(node):
        out = {"_node": type(node).__name__}
        out.update({f: node_facts(getattr(node, f)) for f in fields(node)
                    if f not in ("span", "at")})
        return out
    if isinstance(node, tuple):
        return tuple(node_facts(x) for x in node)
    return node


def _value(x: Any) -> Any:
    return getattr(x, "value", x)


def _get(facts: Optional[Facts], *path: str) -> Any:
    for step in path:
        if not isinstance(facts, dict):
            return None
        facts = facts.get(step)
    return facts


# ---- one function per default; each returns the device's facts, or None to drop it.

def _disk_driver_from_prefix(d: Facts) -> Optional[Facts]:
    # libvirt's xenParseXMDisk: `file:` is <driver name='file'>, `phy:` <driver name='phy'>;
    # a document without <driver> gets the same prefix from the disk type (xenFormatXMDisk).
    driver = d.get("driver")
    if isinstance(driver, dict) and _value(driver.get("type")) in (None, "raw"):
        name = driver.get("name")
        default = {"file": "file", "block": "phy"}.get(_value(d.get("type")))
        if name in (None, default):
            d = dict(d, driver=None if _value(driver.get("type")) is None
                     else dict(driver, name=None))
    return d


def _disk_raw_format(d: Facts) -> Optional[Facts]:
    # Xen opens an image whose format nobody names as raw: xl's format=raw is libvirt's
    # <driver type='raw'> (xenParseXLDisk), and xm has no format for file: and phy: at all.
    driver = d.get("driver")
    if isinstance(driver, dict) and _value(driver.get("type")) == "raw":
        d = dict(d, driver=None if driver.get("name") is None else dict(driver, type=None))
    return d


def _bridge_script(d: Facts) -> Optional[Facts]:
    # xend and xl run vif-bridge for a bridged vif without script= (libvirt writes it too),
    # vif-openvswitch for an Open vSwitch port (libvirt's xenFormatNet).
    default = ("vif-openvswitch" if _value(_get(d, "virtualport", "type")) == "openvswitch"
               else "vif-bridge")
    if _value(d.get("type")) == "bridge" and _get(d, "script", "path") in (None, default):
        d = dict(d, script=None)
    return d


def _graphics_autoport(d: Facts) -> Optional[Facts]:
    # libvirt's parser: a VNC display with a fixed port has autoport='no' unless it says
    # otherwise (virDomainGraphicsDefParseXMLVNC); xm/xl write vncunused=0 for it.
    if d.get("autoport") is None and isinstance(d.get("port"), int) and d["port"] > 0:
        d = dict(d, autoport=False)
    return d


def _implicit_input(d: Facts) -> Optional[Facts]:
    # libvirt adds a PS/2 mouse and keyboard to HVM guests and a Xen one to PV guests
    # (xenParseXM... / virDomainDefAddImplicitDevices): no config key says them.
    return None if _value(d.get("bus")) in ("ps2", "xen") else d


def _implicit_console(d: Facts) -> Optional[Facts]:
    # A PV guest always has its xenconsole; the config has no key for it.
    return None if _value(_get(d, "source", "type") or d.get("type")) in (None, "pty") else d


def _builtin_controller(d: Facts) -> Optional[Facts]:
    # libvirt writes <controller type='ide' index='0'/> into HVM guests (qemu-dm's own) and a
    # xenbus controller into every guest: no key says them, and virtc's import adds a
    # xenbus controller only for a limit (backends/xen/devices/controller.py).
    kind = _value(d.get("type"))
    if kind == "xenbus" and not d.get("max_grant_frames") and not d.get("max_event_channels"):
        return None
    if kind in ("ide", "fdc") and d.get("model") is None and d.get("index") in (None, 0):
        return None
    if kind == "pci" and _value(d.get("model")) in (None, "pci-root") and d.get("index") in (
            None, 0):
        return None
    if kind == "usb" and d.get("model") is None:
        # libvirt's libxl driver: a USB controller without a model is PV USB 2.0
        # (libxlMakeUSBController), with 8 ports unless it says otherwise.
        d = dict(d, model="qusb2", ports=d.get("ports") or 8)
    return d


SPELLED_DEFAULTS: List[Tuple[str, Callable[[Facts], Optional[Facts]]]] = [
    ("Controller", _builtin_controller),
    ("Disk", _disk_raw_format),
    ("Disk", _disk_driver_from_prefix),
    ("Interface", _bridge_script),
    ("Graphics", _graphics_autoport),
    ("Input", _implicit_input),
    ("Console", _implicit_console),
]


def _canonical_device(d: Any) -> Any:
    if not isinstance(d, dict):
        return d
    for node, rule in SPELLED_DEFAULTS:
        if d.get("_node") == node:
            d = rule(d)
            if d is None:
                return None
    info = d.get("info")
    if isinstance(info, dict) and all(v is None for k, v in info.items() if k != "_node"):
        d = dict(d, info=None)
    return d


def domain_facts(domain: Any) -> Facts:
    """The domain's facts with Xen's spelled defaults applied and its devices grouped by
    family (a config lists each family in its own key, so only the order within one counts)."""
    facts = node_facts(domain)
    devices = dict(facts.get("devices") or {})
    grouped: Dict[str, List[Any]] = {}
    for d in devices.pop("families", ()) or ():
        d = _canonical_device(d)
        if d is not None:
            grouped.setdefault(d.get("_node", "?"), []).append(d)
    devices["families"] = grouped
    facts["devices"] = devices
    if facts.get("current_memory_kib") == facts.get("memory_kib"):
        facts["current_memory_kib"] = None   # libvirt: no <currentMemory> means <memory>
    # What lowering didn't read is no fact of either side: the compile test refuses it.
    facts.pop("uncompiled", None)
    os = facts.get("os")
    if isinstance(os, dict):
        # No config key says the architecture or the machine: libvirt's import takes them
        # from the host's capabilities (arch x86_64, machine xenpv for PV, xenfv for HVM).
        machine = {"hvm": "xenfv"}.get(_value(os.get("type")), "xenpv")
        os = dict(os, arch=None,
                  machine=None if os.get("machine") in (None, machine) else os.get("machine"))
        # An HVM guest that names no boot device boots from its disk (libvirt adds
        # <boot dev='hd'/>; xm and xl write boot = "c").
        if _value(os.get("type")) == "hvm" and not os.get("boot"):
            os["boot"] = ({"_node": "Boot", "dev": "hd"},)
        facts["os"] = os
    return facts


def flatten(value: Any, path: str = "") -> Dict[str, Any]:
    if isinstance(value, dict):
        out: Dict[str, Any] = {}
        for k, v in value.items():
            out.update(flatten(v, f"{path}.{k}" if path else str(k)))
        return out or {path: {}}
    if isinstance(value, (list, tuple)):
        out = {}
        for i, v in enumerate(value):
            out.update(flatten(v, f"{path}[{i}]"))
        return out or {path: ()}
    return {path: _value(value)}


def fact_differences(want: Facts, got: Facts) -> List[str]:
    a, b = flatten(want), flatten(got)
    return [f"{k}: imported {b.get(k, '(absent)')!r}, document says {a.get(k, '(absent)')!r}"
            for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
