"""Valid but not compiled: what lowering leaves unread, classified for the backends.

libvirt's domain format is far larger than what virtc's backends compile. A document that
libvirt accepts is valid, so `virtc validate` says nothing about these parts; each backend
reports them when it compiles (QEMU320/QEMU321, XEN440/XEN441), an error when the guest
that would run differs from the one described, a warning for host-side tuning that no
guest notices and no QEMU or Xen option carries.

Documentation elements (title, description, metadata) mean nothing to a guest: lowering
reads them and they are never reported.
"""
from __future__ import annotations

from typing import Iterable, List, Optional, Tuple

from lxml import etree

from . import ir
from .rules.codes import Code

# Host-side settings: how the host schedules, pins, limits or labels the guest. The guest
# runs the same without them; plain QEMU and xm/xl have no option that carries them.
HOST_SIDE = frozenset({
    "cputune", "memtune", "blkiotune", "numatune", "resource", "seclabel", "keywrap",
    "perf", "on_lockfailure", "idmap",
    # per-device host side: an alias only names the device for libvirt and QMP
    "alias",
})
# Host-side attributes of elements that are otherwise compiled.
HOST_SIDE_ATTRS = frozenset({("vcpu", "placement"), ("vcpu", "cpuset"), ("memory", "dumpCore")})
DOCUMENTATION = frozenset({"title", "description", "metadata"})

# The seed vocabulary's <source> attributes. Left unread, they mean the attribute does not
# apply to its element's type (a bridge on a user NIC): semantic warning SEM221, as before.
SEED_SOURCE_ATTRS = frozenset({"file", "dev", "bridge", "network", "address", "port", "path",
                               "host", "service", "mode"})
SEED_DEVICES = frozenset({"disk", "interface", "serial", "parallel", "console"})


# libvirt's per-driver namespaces, by the prefixes its docs use: <qemu:commandline> and
# <xen:commandline> are different things, so a path keeps the prefix.
NAMESPACE_PREFIXES = {"http://libvirt.org/schemas/domain/qemu/1.0": "qemu:",
                      "http://libvirt.org/schemas/domain/xen/1.0": "xen:",
                      "http://libvirt.org/schemas/domain/lxc/1.0": "lxc:",
                      "http://libvirt.org/schemas/domain/bhyve/1.0": "bhyve:"}


def path_of(el, attr: Optional[str]) -> str:
    names: List[str] = []
    node = el
    while node is not None and node.tag != "domain":
        if isinstance(node.tag, str):
            qname = etree.QName(node)
            names.append(NAMESPACE_PREFIXES.get(qname.namespace, "") + qname.localname)
        else:
            names.append("?")
        node = node.getparent()
    path = "/".join(reversed(names)) or "domain"
    return f"{path}@{attr}" if attr else path


def is_host_side(el, attr: Optional[str]) -> bool:
    if attr is not None and (etree.QName(el).localname, attr) in HOST_SIDE_ATTRS:
        return True
    node = el
    while node is not None and isinstance(node.tag, str):
        if node.tag in HOST_SIDE:
            return True
        node = node.getparent()
    return False


def is_seed_mismatch(el, attr: Optional[str]) -> bool:
    """A seed-era <source> (or one of its seed attributes) that the element's type ignores."""
    if el.tag != "source":
        return False
    parent = el.getparent()
    if parent is None or parent.tag not in SEED_DEVICES:
        return False
    if parent.tag == "interface" and parent.get("type") == "user" and any(
            b.get("type") == "passt" for b in parent.iterfind("backend")):
        # passt reads <source dev> (the host interface it binds to): valid libvirt that
        # virtc doesn't compile yet, not a leftover of the 2007 format.
        return False
    return attr is None or attr in SEED_SOURCE_ATTRS


def describe(item: ir.Uncompiled) -> Tuple[str, str]:
    """(what, where) for a message: "<controller>" / "attribute 'cache' of <driver>"."""
    element, _, attr = item.path.partition("@")
    tag = element.rsplit("/", 1)[-1]
    parent = element.rsplit("/", 2)[-2] if "/" in element else "domain"
    if attr:
        return f"attribute {attr}='{item.value}' of <{tag}>", f"in <{parent}>"
    return f"<{tag}>", f"in <{parent}>"


def report(items: Iterable[ir.Uncompiled], diags, target: str, error_code: Code,
           warning_code: Code) -> None:
    for item in items:
        what, where = describe(item)
        if item.host_side:
            diags.add(warning_code, f"{what} {where} is host-side tuning that {target} has "
                      f"no option for; it is left out", item.span,
                      hint="the guest runs the same without it; apply it on the host "
                           "(cgroups, taskset, numactl) if you need it")
        else:
            diags.add(error_code, f"{what} {where} is valid libvirt XML that virtc does not "
                      f"compile for {target} yet", item.span,
                      hint="the guest would differ from the one described; remove it if "
                           "you can do without it, or compile with libvirt")
