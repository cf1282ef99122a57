"""Stage 4: semantic rules over the IR (SEM2xx).

Each rule reads the IR only and reports through `Diagnostics`, pointing at the span of the
node (or the sub-element) that is wrong. Duplicates are reported at the second occurrence.
"""
from __future__ import annotations

from ..diagnostics import Diagnostics
from ..ir import Domain
from . import domain



def _families(dom: Domain, diags: Diagnostics) -> None:
    """Each device family's own rules (compiler/devices/<family>.py `check`, or
    `check_all` once with all of its devices), families in order of first appearance."""
    if dom.devices.families:
        from ..devices import family_of

        done = set()
        for node in dom.devices.families:
            module = family_of(node)
            if not hasattr(module, "check_all"):
                if hasattr(module, "check"):
                    module.check(node, diags)
            elif module not in done:
                done.add(module)
                module.check_all(dom.devices.of(type(node)), dom, diags)


def _memory(dom: Domain, diags: Diagnostics) -> None:
    if dom.max_memory is not None or dom.memory_backing is not None or dom.iothreads is not None:
        from .. import memory

        memory.check(dom, diags)


def _os(dom: Domain, diags: Diagnostics) -> None:
    if dom.sysinfo:
        from .. import guest_os
        guest_os.check(dom, diags)


def _platform(dom: Domain, diags: Diagnostics) -> None:
    """The domain-level modules' rules (compiler/platform/<module>.py `check`)."""
    from .. import platform

    platform.check(dom, diags)


_RULE_SETS = (domain.check, _memory, _os, _platform, _families)


def check_domain(dom: Domain, diags: Diagnostics) -> None:
    for check in _RULE_SETS:
        check(dom, diags)
