"""Lower a schema-valid capabilities document into the capabilities IR.

The schema lets the children of a guest <arch> come in any order (the 2007 page and
libvirt order them differently), so counting them is done here: a missing or repeated
<wordsize>, <emulator> or <loader>, or an arch with no <domain>, is CAP507.
"""
from __future__ import annotations

from typing import List, Optional, Tuple

from ..diagnostics import Diagnostics
from ..parse import Document
from ..positions import SourceIndex
from ..rules.codes import CAP507
from .ir import Capabilities, Feature, Guest, GuestDomain, Host, HostCpu, Machine

_SINGLE = ("wordsize", "emulator", "loader")


def lower_capabilities(doc: Document, diags: Diagnostics) -> Optional[Capabilities]:
    index = doc.index
    root = doc.root
    host_el = _child(root, "host")
    guests = []
    for guest_el in _children(root, "guest"):
        guest = _lower_guest(guest_el, index, diags)
        if guest is not None:
            guests.append(guest)
    return Capabilities(host=_lower_host(host_el, index), guests=tuple(guests),
                        span=index.span(root))


def _children(el, tag: str) -> List:
    return [c for c in el if c.tag == tag]


def _child(el, tag: str):
    found = _children(el, tag)
    return found[0] if found else None


def _text(el) -> Optional[str]:
    return (el.text or "").strip() if el is not None else None


def _lower_host(host_el, index: SourceIndex) -> Host:
    cpu_el = _child(host_el, "cpu")
    flags: List[str] = []
    for el in cpu_el:
        if el.tag == "feature":
            flags.append(el.get("name"))
        elif el.tag == "features":        # the 2007 form: <features><vmx/></features>
            flags.extend(c.tag for c in el if isinstance(c.tag, str))
    cpu = HostCpu(arch=_text(_child(cpu_el, "arch")), model=_text(_child(cpu_el, "model")),
                  vendor=_text(_child(cpu_el, "vendor")),
                  features=tuple(dict.fromkeys(flags)), span=index.span(cpu_el))
    return Host(cpu=cpu, uuid=_text(_child(host_el, "uuid")), span=index.span(host_el))


def _lower_guest(guest_el, index: SourceIndex, diags: Diagnostics) -> Optional[Guest]:
    arch_el = _child(guest_el, "arch")
    name = arch_el.get("name").strip()
    found = {tag: _children(arch_el, tag) for tag in _SINGLE}
    ok = True
    for tag, els in found.items():
        for extra in els[1:]:
            diags.add(CAP507, f"<arch name='{name}'> has more than one <{tag}>",
                      index.span(extra),
                      hint=f"keep one <{tag}>; the first is at line {index.span(els[0]).line}")
            ok = False
    if not found["wordsize"]:
        diags.add(CAP507, f"<arch name='{name}'> has no <wordsize>", index.span(arch_el),
                  hint="add <wordsize>64</wordsize> (or 32) inside <arch>")
        ok = False
    domains = tuple(_lower_domain(d, index) for d in _children(arch_el, "domain"))
    if not domains:
        diags.add(CAP507, f"<arch name='{name}'> lists no <domain type=…>",
                  index.span(arch_el),
                  hint="add the hypervisors that run this guest, e.g. <domain type='qemu'/>")
        ok = False
    if not ok:
        return None
    return Guest(
        os_type=_text(_child(guest_el, "os_type")),
        arch=name,
        wordsize=int(_text(found["wordsize"][0])),
        emulator=_text(found["emulator"][0]) if found["emulator"] else None,
        loader=_text(found["loader"][0]) if found["loader"] else None,
        machines=_machines(arch_el, index),
        domains=domains,
        features=_features(_child(guest_el, "features"), index),
        span=index.span(guest_el),
        arch_span=index.span(arch_el),
    )


def _machines(parent, index: SourceIndex) -> Tuple[Machine, ...]:
    out = []
    for el in _children(parent, "machine"):
        cpus = el.get("maxCpus")
        out.append(Machine(name=_text(el), canonical=el.get("canonical"),
                           max_cpus=int(cpus) if cpus is not None else None,
                           deprecated=el.get("deprecated") == "yes", span=index.span(el)))
    return tuple(out)


def _lower_domain(el, index: SourceIndex) -> GuestDomain:
    return GuestDomain(type=el.get("type").strip(), emulator=_text(_child(el, "emulator")),
                       machines=_machines(el, index), span=index.span(el))


def _features(el, index: SourceIndex) -> Tuple[Feature, ...]:
    if el is None:
        return ()
    out = []
    for c in el:
        if not isinstance(c.tag, str):
            continue
        default, toggle = c.get("default"), c.get("toggle")
        out.append(Feature(name=c.tag,
                           default=None if default is None else default.strip() == "on",
                           toggle=None if toggle is None else toggle.strip() == "yes",
                           span=index.span(c)))
    return tuple(out)
