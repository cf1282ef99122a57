"""Xen's side of the device families (compiler/devices/), one module each, named after the
element: `memballoon.py` for <memballoon>. Each has `build(node, domain, diags) -> bool`,
False when it reported an error. A family without a module here is valid libvirt that
xm/xl can't express: XEN440, on the device's line.
"""
from __future__ import annotations

import importlib

from ....compiler.diagnostics import Diagnostics
from ....compiler.ir import Domain
from ....compiler.rules.codes import XEN440


def build_families(domain: Domain, diags: Diagnostics, target: str) -> bool:
    """Report what the families need; False when any of them can't be compiled."""
    ok = True
    for node in domain.devices.families:
        try:
            module = importlib.import_module(f".{node.TAG}", __name__)
        except ModuleNotFoundError:
            diags.add(XEN440, f"<{node.TAG}> is valid libvirt XML, but {target} has no"
                      " setting for it; the guest would lack it", node.span,
                      hint=f"remove <{node.TAG}> for a Xen guest")
            ok = False
            continue
        ok = module.build(node, domain, diags, target) and ok
    return ok
