"""Stage 3: lower a schema-valid tree into the IR.

The schema has already checked structure, so lowering reads values and converts them.
Value rules that need the whole domain (duplicates, ranges, cross-references) run later,
in `checks`. What lowering does not read is reported, never dropped.
"""
from __future__ import annotations

from typing import Optional

from . import ir
from .diagnostics import Diagnostics
from .lower_devices import lower_devices
from .parse import Document
from .reader import NotLowered, Reader, kib_up, size_bytes
from .rules.codes import SEM214, SEM221, SEM223, SEM224
from .uncompiled import DOCUMENTATION, is_host_side, is_seed_mismatch, path_of
from .node import replace

_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def _is_uuid(text: str) -> bool:
    """32 hex digits in groups of 8-4-4-4-12, each dash between groups optional (libvirt's
    virUUIDParse). Checked by hand: a regular expression cost every run 0.1 ms to compile."""
    at = 0
    for n, size in enumerate((8, 4, 4, 4, 12)):
        group = text[at:at + size]
        if len(group) != size or not _HEX_DIGITS.issuperset(group):
            return False
        at += size
        if n < 4 and text[at:at + 1] == "-":
            at += 1
    return at == len(text)


def lower_domain(doc: Document, diags: Diagnostics, *, locate_uncompiled: bool = True,
                 rules_only: bool = False) -> Optional[ir.Domain]:
    """The IR of a schema-valid <domain>, or None when a rule found it unusable.

    `locate_uncompiled=False` (a validate run that compiles nothing) leaves the spans of
    `Domain.uncompiled` empty: only a backend reports them, and finding each one's line is
    a fifth of a document's lowering. `rules_only=True` (the same run, without a host's
    capabilities to check) lowers only what semantic rules read (the devices of
    lower_devices.py; not <features>, <clock> or <pm>; <vcpu> and <cpu> only for a rule of
    platform/cpu.py): the IR is for the rules, not for a backend.

    Raises NotLowered when the domain's own type (or its OS type) is one virtc compiles for
    no backend (lxc, vmware, exe…): the document is valid, and only a compile says no.
    """
    r = Reader(doc.index, diags)
    root = doc.root
    dtype = r.enum(root, "type", ir.DomainType, ir.DomainType.XEN)
    dom_id = r.attr(root, "id")
    name_el = r.child(root, "name")
    memory_el = r.child(root, "memory")
    current_el = r.child(root, "currentMemory")
    uuid_el = r.child(root, "uuid")
    os_el = r.child(root, "os")
    from .guest_os import lower_os, lower_sysinfo

    os = lower_os(r, os_el, diags)
    if os is None:
        return None
    for tag in DOCUMENTATION:
        for el in r.peek_all(root, tag):
            r.use_tree(el)
    domain = ir.Domain(
        type=dtype,
        name=r.text(name_el),
        memory_kib=r.size_kib(memory_el) if memory_el is not None else _numa_memory_kib(root),
        id=int(dom_id) if dom_id is not None else None,
        uuid=_lower_uuid(r, uuid_el, diags),
        current_memory_kib=r.size_kib(current_el) if current_el is not None else None,
        bootloader=_opt_text(r, root, "bootloader"),
        bootloader_args=_opt_text(r, root, "bootloader_args"),
        sysinfo=lower_sysinfo(r, root),
        os=os,
        on_poweroff=_action(r, root, "on_poweroff", ir.LifecycleAction.DESTROY),
        on_reboot=_action(r, root, "on_reboot", ir.LifecycleAction.RESTART),
        on_crash=_action(r, root, "on_crash", ir.LifecycleAction.RESTART),
        on_crash_dump=_crash_dump(r, root),
        devices=lower_devices(r, r.child(root, "devices"), dtype, os,
                              rules_only=rules_only),
        span=r.span(root),
        **_cpu(r, root, rules_only),
        **_platform(r, root, rules_only),
        at=tuple(ir.Written(tag, r.span(el)) for tag in ("currentMemory", "on_poweroff",
                                                          "on_reboot", "on_crash")
                 for el in [r.peek(root, tag)] if el is not None),
    )
    if any(r.peek(root, tag) is not None for tag in _MEMORY_TAGS):
        from .memory import lower as lower_memory

        domain = lower_memory(r, root, domain)
    if any(isinstance(el.tag, str) and el.tag.startswith(_QEMU_NS) for el in root):
        from .platform.qemu_ns import lower_namespace     # <qemu:commandline> and the like

        domain = replace(domain, qemu=lower_namespace(r, root))
    return _with_leftovers(r, root, domain, diags, locate_uncompiled)


# <features>, <clock> and <pm>: (field, module of compiler/platform/, its lowering).
_PLATFORM = (("features", "features", "lower_features"), ("clock", "clock", "lower_clock"),
             ("pm", "lifecycle", "lower_pm"))


def _platform(r: Reader, root, rules_only: bool) -> dict:
    """The Domain's <features>, <clock> and <pm> nodes, each module imported only for a
    document that has its element (else the Domain's default). No semantic rule reads
    them, so a rules-only lowering (see lower_domain) marks them read and keeps None."""
    import importlib

    out = {}
    for field, module, function in _PLATFORM:
        el = r.peek(root, field)
        if rules_only:
            if el is not None:
                r.use_tree(el)
            out[field] = None
        elif el is not None:
            own = importlib.import_module(f".platform.{module}", __package__)
            out[field] = getattr(own, function)(r, el)
    return out


def _cpu(r: Reader, root, rules_only: bool) -> dict:
    """<vcpu>, <vcpus> and <cpu> (compiler/platform/cpu.py). A rules-only lowering that no
    rule of that module can apply to marks them read, and imports nothing."""
    from . import platform

    if rules_only and not platform.rules_apply("cpu", root):
        for tag in ("vcpu", "vcpus", "cpu"):
            for el in r.peek_all(root, tag):
                r.use_tree(el)
        return {}
    from .platform.cpu import lower as lower_cpu

    return lower_cpu(r, root)


# libvirt's QEMU namespace, whose elements compiler/platform/qemu_ns.py lowers.
_QEMU_NS = "{http://libvirt.org/schemas/domain/qemu/1.0}"
# The elements compiler/memory.py lowers (imported only for a document that has one).
_MEMORY_TAGS = ("maxMemory", "memoryBacking", "iothreads", "iothreadids")


# The children of <network> that may appear once; <ip>, <route>, <portgroup>… repeat.
_NETWORK_SINGLE = ("name", "uuid", "title", "description", "bridge", "forward", "mac",
                   "domain", "mtu", "dns", "bandwidth")


def lower_network(doc: Document, diags: Diagnostics) -> Optional[ir.Network]:
    r = Reader(doc.index, diags)
    root = doc.root
    for tag in _NETWORK_SINGLE:
        found = r.peek_all(root, tag)
        for extra in found[1:]:
            diags.add(SEM224, f"<network> has more than one <{tag}>", r.span(extra),
                      hint=f"keep one <{tag}>; the first one is at line {r.span(found[0]).line}")
    name_el = r.peek(root, "name")
    if name_el is None:
        diags.add(SEM223, "<network> has no <name>", r.span(root),
                  hint="add <name>…</name>: domains refer to the network by it")
        return None
    bridge_el = r.peek(root, "bridge")
    forward_el = r.peek(root, "forward")
    ip_el = r.peek(root, "ip")
    # The rest of a network definition (dhcp, dns, routes…) describes the host side; virtc
    # needs the name, the bridge, the forward mode and the first address, so it reads but
    # does not report the other parts.
    for child in root:
        r.use(child)
    return ir.Network(
        name=r.text(name_el).strip(),
        bridge=bridge_el.get("name") if bridge_el is not None else None,
        span=r.span(root),
        forward=(forward_el.get("mode") or "nat").strip() if forward_el is not None else None,
        address=ip_el.get("address") if ip_el is not None else None,
    )


def _opt_text(r: Reader, parent, tag: str) -> Optional[str]:
    el = r.child(parent, tag)
    return r.text(el) if el is not None else None


def _lower_uuid(r: Reader, el, diags: Diagnostics) -> Optional[str]:
    if el is None:
        return None
    raw = r.text(el).strip()
    if not _is_uuid(raw):
        diags.add(SEM214, f"<uuid> '{raw}' is not a UUID", r.span(el),
                  hint="write 32 hex digits, with or without dashes, "
                       "e.g. 4dea22b3-1d52-d8f3-2516-782e98ab3fa0")
        return raw
    digits = raw.replace("-", "").lower()
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


# <on_crash> may dump the guest's memory first: coredump-destroy, coredump-restart.
COREDUMP = "coredump-"


def _action(r: Reader, root, tag: str, default: ir.LifecycleAction) -> ir.LifecycleAction:
    el = r.peek(root, tag)
    if el is None:
        return default
    text = r.text(el).strip()
    if tag == "on_crash" and text.startswith(COREDUMP):
        text = text[len(COREDUMP):]
    try:
        action = ir.LifecycleAction(text)
    except ValueError:
        return default                     # unread, so reported
    r.use(el)
    return action


def _crash_dump(r: Reader, root) -> bool:
    el = r.peek(root, "on_crash")
    return el is not None and r.text(el).strip().startswith(COREDUMP)


def _numa_memory_kib(root) -> int:
    """libvirt's rule when <memory> is left out: the sum of the NUMA cells' sizes."""
    return kib_up(sum(size_bytes(cell.get("memory", "0"), cell.get("unit") or "KiB")
                      for cell in root.iterfind("cpu/numa/cell")))


def _with_leftovers(r: Reader, root, domain: ir.Domain, diags: Diagnostics,
                    locate: bool = True) -> ir.Domain:
    """Report seed-era mismatches (SEM221); keep the rest for the backends to report."""
    kept = []
    for el, attr in r.leftovers(root):
        if is_seed_mismatch(el, attr):
            _report_seed_mismatch(r, el, attr, diags)
            continue
        if not locate:
            at = ir.NOWHERE
        else:
            at = r.index.attribute_span(el, attr) if attr else r.span(el)
        kept.append(ir.Uncompiled(path_of(el, attr), at, is_host_side(el, attr),
                                  el.get(attr) if attr else None))
    return replace(domain, uncompiled=tuple(kept)) if kept else domain


def _report_seed_mismatch(r: Reader, el, attr, diags: Diagnostics) -> None:
    parent = el.getparent()
    where = ""
    if parent is not None and parent.get("type"):
        where = f" in <{parent.tag} type='{parent.get('type')}'>"
    if attr is None:
        diags.add(SEM221, f"<{el.tag}>{where} is not used and would be ignored", r.span(el),
                  hint=f"remove <{el.tag}>, or check the type of its parent element")
    else:
        diags.add(SEM221, f"attribute '{attr}' of <{el.tag}>{where} is not used and would be ignored",
                  r.index.attribute_span(el, attr), hint=f"remove {attr}='{el.get(attr)}', or check the element's type")
