"""Lowering of <devices>: inputs, and every
family of compiler/devices/ by its tag."""
from __future__ import annotations

from typing import Optional, Tuple

from . import ir
from .reader import NotLowered, Reader

def lower_devices(r: Reader, el, dtype: ir.DomainType, os: ir.Os) -> ir.Devices:
    if el is None:
        return ir.Devices()
    emulator = r.child(el, "emulator")
    xen_pv = dtype is ir.DomainType.XEN and not os.is_hvm
    return ir.Devices(
        emulator=r.text(emulator).strip() if emulator is not None else None,
        emulator_span=r.span(emulator) if emulator is not None else ir.NOWHERE,
        inputs=_lowered(r, el, "input", lambda r, i, _: _input(r, i, xen_pv)),
        families=_families(r, el),
        span=r.span(el),
    )


def _families(r: Reader, devices_el) -> tuple:
    """Every child of <devices> that has a family module, lowered by that module, in
    document order. A family whose values the IR can't hold stays unread whole."""
    from .devices import family, tags

    known = tags()
    out = []
    counts: dict = {}
    for el in devices_el:
        if not isinstance(el.tag, str) or el.tag not in known:
            continue
        index = counts.get(el.tag, 0)
        counts[el.tag] = index + 1
        try:
            out.append(family(el.tag).lower(r, el, index))
        except NotLowered:
            r.forget(el)
    return tuple(out)


def _lowered(r: Reader, devices_el, tag: str, lower) -> tuple:
    """Each <tag> device lowered as lower(r, element, index among the <tag>s); one whose
    values the IR can't hold stays unread whole.

    A device lowered in part would compile to a different device than the one described,
    so the backends report the whole element instead (uncompiled.py).
    """
    out = []
    for index, el in enumerate(r.peek_all(devices_el, tag)):
        r.use(el)
        try:
            out.append(lower(r, el, index))
        except NotLowered:
            r.forget(el)
    return tuple(out)


def _input(r: Reader, el, xen_pv: bool) -> ir.Input:
    itype = r.enum(el, "type", ir.InputType)
    bus = r.enum(el, "bus", ir.InputBus)
    if bus is None:
        # libvirt's defaults: a tablet is a USB device; a mouse is PS/2, or Xen's own
        # paravirtual one in a PV guest.
        bus = ir.InputBus.USB if itype is ir.InputType.TABLET else (
            ir.InputBus.XEN if xen_pv else ir.InputBus.PS2)
    return ir.Input(itype, bus, span=r.span(el))
