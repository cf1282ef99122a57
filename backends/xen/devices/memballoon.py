"""<memballoon> on Xen: the balloon is part of every Xen guest, driven by `memory` and
`maxmem`, so model='xen' needs no setting of its own (libvirt's Xen drivers write none).
Any other model describes a device xm/xl can't add."""
from __future__ import annotations

from ....compiler.devices.memballoon import BalloonModel, Memballoon
from ....compiler.diagnostics import Diagnostics
from ....compiler.ir import Domain
from ....compiler.rules.codes import XEN470


def build(node: Memballoon, domain: Domain, diags: Diagnostics, target: str) -> bool:
    if node.model is BalloonModel.XEN:
        return True
    diags.add(XEN470, f"<memballoon model='{node.model.value}'>: a Xen guest always has"
              f" Xen's own balloon, and {target} can't replace or remove it", node.span,
              hint="use <memballoon model='xen'/>, or leave <memballoon> out")
    return False
