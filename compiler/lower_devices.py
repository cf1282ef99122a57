"""Lowering of <devices>: the emulator, and every child that has a family module in
compiler/devices/, lowered by that module (found by its tag)."""
from __future__ import annotations

from . import ir
from .reader import NotLowered, Reader


def lower_devices(r: Reader, el, dtype: ir.DomainType, os: ir.Os, *,
                  rules_only: bool = False) -> ir.Devices:
    """`dtype` and `os` are no longer needed here: defaults that depend on them are the
    families' post-parse (compiler/postparse/). `rules_only`: see `_families`."""
    if el is None:
        return ir.Devices()
    emulator = r.child(el, "emulator")
    return ir.Devices(
        emulator=r.text(emulator).strip() if emulator is not None else None,
        at=(ir.Written("emulator", r.span(emulator)),) if emulator is not None else (),
        families=_families(r, el, rules_only),
        span=r.span(el),
    )


def _families(r: Reader, devices_el, rules_only: bool = False) -> tuple:
    """Every child of <devices> that has a family module, lowered by that module, in
    document order. A device whose values the IR can't hold stays unread whole: lowered in
    part, it would compile to a different device than the one described, so the backends
    report the whole element instead (uncompiled.py).

    `rules_only` (a validate run that compiles nothing): only the families with semantic
    rules on their nodes are lowered; the others (most devices of a `virsh dumpxml`
    document: controllers, video, sound…) are only marked read, and their modules are not
    imported. Nothing else reads them before a backend: the one domain-wide rule that
    looks at every device (SEM290, a <boot order> beside <os><boot>) reads <boot>, so a
    device with one is lowered anyway, and these families' elements are not seed-era
    devices (SEM221).
    """
    from .devices import checked, lower, tags

    known = tags()
    out = []
    counts: dict = {}
    for el in devices_el:
        if not isinstance(el.tag, str) or el.tag not in known:
            continue
        if rules_only and not checked(el.tag) and r.peek(el, "boot") is None:
            r.use_tree(el)
            continue
        index = counts.get(el.tag, 0)
        counts[el.tag] = index + 1
        try:
            out.append(lower(r, el, index))
        except NotLowered:
            r.forget(el)
    return tuple(out)
