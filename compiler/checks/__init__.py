"""Stage 4: semantic rules over the IR (SEM2xx).

Each rule reads the IR only and reports through `Diagnostics`, pointing at the span of the
node (or the sub-element) that is wrong. Duplicates are reported at the second occurrence.
"""
from __future__ import annotations

from ..diagnostics import Diagnostics
from ..ir import Domain
from . import domain, network, storage



def _families(dom: Domain, diags: Diagnostics) -> None:
    """Each device family's own rules (compiler/devices/<family>.py `check`)."""
    if dom.devices.families:
        from ..devices import family_of

        for node in dom.devices.families:
            family_of(node).check(node, diags)


_RULE_SETS = (domain.check, storage.check, network.check, _families)


def check_domain(dom: Domain, diags: Diagnostics) -> None:
    for check in _RULE_SETS:
        check(dom, diags)
