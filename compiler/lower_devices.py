"""Lowering of <devices>: the emulator, and every child that has a family module in
compiler/devices/, lowered by that module (found by its tag)."""
from __future__ import annotations

from . import ir
from .reader import NotLowered, Reader


def lower_devices(r: Reader, el, dtype: ir.DomainType, os: ir.Os) -> ir.Devices:
    """`dtype` and `os` are no longer needed here: defaults that depend on them are the
    families' post-parse (compiler/postparse/)."""
    if el is None:
        return ir.Devices()
    emulator = r.child(el, "emulator")
    return ir.Devices(
        emulator=r.text(emulator).strip() if emulator is not None else None,
        at=(ir.Written("emulator", r.span(emulator)),) if emulator is not None else (),
        families=_families(r, el),
        span=r.span(el),
    )


def _families(r: Reader, devices_el) -> tuple:
    """Every child of <devices> that has a family module, lowered by that module, in
    document order. A device whose values the IR can't hold stays unread whole: lowered in
    part, it would compile to a different device than the one described, so the backends
    report the whole element instead (uncompiled.py)."""
    from .devices import lower, tags

    known = tags()
    out = []
    counts: dict = {}
    for el in devices_el:
        if not isinstance(el.tag, str) or el.tag not in known:
            continue
        index = counts.get(el.tag, 0)
        counts[el.tag] = index + 1
        try:
            out.append(lower(r, el, index))
        except NotLowered:
            r.forget(el)
    return tuple(out)
