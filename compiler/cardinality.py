"""Which children of <domain> and <devices> are required or single.

libvirt interleaves a domain's children in any order and lets some of them repeat, which
XSD 1.0 can only say with an open choice (xs:all can't repeat a child or hold a wildcard).
So the schema accepts any order and count, and this table, checked right after libxml2 has
accepted a document, says what libvirt's grammar says about counts. The findings keep the
schema's codes (XSD105 missing, XSD107 repeated) and wording.

Only `<domain>` documents have a table; each table costs one pass over the root's children.
"""
from __future__ import annotations

from typing import Dict, List
from .rules.codes import XSD103, XSD105, XSD107

# Children of <domain> that libvirt's grammar allows any number of times.
_DOMAIN_REPEATS = frozenset({"sysinfo", "seclabel"})
# Required children of <domain>. <memory> may be left out when NUMA cells give the size.
_DOMAIN_REQUIRED = ("name", "os")
# Children of <devices> that libvirt 9.0's grammar allows at most once. (<watchdog> may
# repeat from libvirt 9.1, so it is not listed: see tests/schema_cases/newer-libvirt/.)
_DEVICES_SINGLE = frozenset({"emulator", "memballoon", "nvram", "iommu", "vsock"})

# A PCI address's numbers as libvirt's grammar bounds them (basictypes.rng pciDomain,
# pciBus, pciSlot, pciFunc; domain_conf.c rejects a domain above 0xffff). The schema's one
# <address> type serves every address type, and a dimm's slot may be larger, so XSD 1.0
# can't say this; it is checked here, for <address type='pci'> only.
PCI_LIMITS = (("domain", 0xFFFF), ("bus", 0xFF), ("slot", 0x1F), ("function", 7))


def c_number(text: str):
    """An unsigned number as libvirt's parser reads it (strtoul, base 0: 0x… hex, a leading
    0 octal, else decimal); None when it isn't one."""
    text = text.strip()
    try:
        if text[:2] in ("0x", "0X"):
            return int(text[2:], 16)
        if len(text) > 1 and text.startswith("0"):
            return int(text[1:], 8)
        return int(text, 10) if text.isascii() and text.isdigit() else None
    except ValueError:
        return None


def findings(root, index) -> List[tuple]:
    """(code, element, message, hint[, attribute]) for each count (and each PCI address
    range) the schema could not check.

    `index` (a positions.SourceIndex) places the first of repeated elements for the hint.
    """
    if root.tag != "domain":
        return []
    out: List[tuple] = []
    seen: Dict[str, list] = {}
    for child in root:
        if isinstance(child.tag, str):
            seen.setdefault(child.tag, []).append(child)
    _repeats(root, seen, lambda tag: "{" not in tag and tag not in _DOMAIN_REPEATS, index, out)
    for tag in missing(root):
        out.append((XSD105, root, f"<domain> is missing required child element <{tag}>",
                    f"add <{tag}>…</{tag}> inside <domain>"))
    for devices in seen.get("devices", ()):
        found: Dict[str, list] = {}
        for child in devices:
            if isinstance(child.tag, str):
                found.setdefault(child.tag, []).append(child)
        _repeats(devices, found, lambda tag: tag in _DEVICES_SINGLE, index, out)
    for address in root.iterfind(".//address[@type='pci']"):
        _pci_ranges(address, out)
    return out


def _pci_ranges(address, out) -> None:
    for name, limit in PCI_LIMITS:
        text = address.get(name)
        if text is None:
            continue
        value = c_number(text)
        if value is None or value > limit:
            out.append((XSD103, address,
                        f"PCI address {name}='{text}' is out of range (0 to {limit:#x})",
                        f"write a {name} from 0 to {limit:#x}, in hex ({limit:#x}) or decimal",
                        name))


def missing(elem) -> List[str]:
    """The required children that `elem` lacks (only <domain> has any here)."""
    if elem.tag != "domain":
        return []
    present = {child.tag for child in elem if isinstance(child.tag, str)}
    out = [tag for tag in _DOMAIN_REQUIRED if tag not in present]
    if "memory" not in present and not _numa_sized(elem):
        out.insert(1, "memory")
    return out


def _repeats(parent, seen: Dict[str, list], single, index, out) -> None:
    for tag, elems in seen.items():
        if single(tag) and len(elems) > 1:
            first = index.span(elems[0]).line
            for extra in elems[1:]:
                out.append((XSD107, extra, f"<{tag}> appears more than once in <{parent.tag}>",
                            f"keep one <{tag}> (the first is at line {first}) "
                            f"and remove the others"))


def _numa_sized(root) -> bool:
    return root.find("cpu/numa/cell") is not None
