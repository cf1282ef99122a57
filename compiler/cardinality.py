"""What libvirt's grammar says about counts that virtc's XSD can't: required and single
children, and PCI address ranges.

libvirt interleaves an element's children in any order and lets some of them repeat, which
XSD 1.0 can only say with an open choice (xs:all can't repeat a child or hold a wildcard).
So the schema accepts any order and count, and these checks, run right after libxml2 has
accepted a document, say what libvirt's grammar says about counts: the required children
of <domain>, and for every element the children it allows at most once
(compiler/single_children.py, generated from libvirt's RelaxNG by
tools/cardinality/generate.py). The findings keep the schema's codes (XSD105 missing,
XSD107 repeated, XSD103 a value out of range) and wording.

Only `<domain>` documents are checked; it costs one pass over the document.
"""
from __future__ import annotations

from typing import Dict, List

from .rules.codes import XSD103, XSD105, XSD107

# Required children of <domain>. <memory> may be left out when NUMA cells give the size.
_DOMAIN_REQUIRED = ("name", "os")

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
    for tag in missing(root):
        out.append((XSD105, root, f"<domain> is missing required child element <{tag}>",
                    f"add <{tag}>…</{tag}> inside <domain>"))
    _repeats(root, ("domain",), index, out)
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


def _repeats(parent, context, index, out) -> None:
    """XSD107 for each repeat of a child that libvirt allows once here, then the same
    below: `context` is the last three element names down to `parent`."""
    from .single_children import SINGLE

    single = SINGLE.get(context, ())
    seen: Dict[str, list] = {}
    for child in parent:
        tag = child.tag
        if not isinstance(tag, str) or "{" in tag:
            continue                        # comments; foreign namespaces are theirs
        seen.setdefault(tag, []).append(child)
    for tag, elems in seen.items():
        if tag in single and len(elems) > 1:
            first = index.span(elems[0]).line
            for extra in elems[1:]:
                out.append((XSD107, extra, f"<{tag}> appears more than once in <{parent.tag}>",
                            f"keep one <{tag}> (the first is at line {first}) "
                            f"and remove the others"))
        for child in elems:
            if len(child):
                _repeats(child, (context + (tag,))[-3:], index, out)


def _numa_sized(root) -> bool:
    return root.find("cpu/numa/cell") is not None
