"""Xen's side of the device families (compiler/devices/), one module each, named like the
family's module: `memballoon.py` for <memballoon>, `chardev.py` for <serial>, <parallel>
and <console>.

A module has either `build(node, domain, diags, target) -> bool` (False when it reported an
error), called here for each device, or no `build` at all when its keys have a fixed place
in the dialect's key order: then xm.py and xl.py call its builders themselves (disk.py).
A family without a module here is valid libvirt that xm/xl can't express: XEN440, on the
device's line.

xm and xl have no setting for a device's DeviceInfo (alias, address, boot order, ACPI
index): each part written is reported here, for every family, on its own line (XEN441 for
the alias, which only names the device for libvirt; XEN440 for the rest), unless the
family's module writes it itself and says so (`info_carried(node, target)`: xl's usbdev
carries a USB device's <address type='usb'>).
"""
from __future__ import annotations

import importlib

from ....compiler import uncompiled
from ....compiler.devices import family_name
from ....compiler.diagnostics import Diagnostics
from ....compiler.ir import Domain, Uncompiled
from ....compiler.rules.codes import XEN440, XEN441
from .. import crossing


def build_families(domain: Domain, diags: Diagnostics, target: str) -> bool:
    """Report what the families need; False when any of them can't be compiled."""
    ok = True
    for node in domain.devices.families:
        try:
            module = importlib.import_module(f".{family_name(node)}", __name__)
        except ModuleNotFoundError:
            ok = False
            if crossing.report_family(node, diags, target):
                continue
            diags.add(XEN440, f"<{node.TAG}> is valid libvirt XML, but {target} has no"
                      " setting for it; the guest would lack it", node.span,
                      hint=f"remove <{node.TAG}> for a Xen guest")
            continue
        ok = info_honoured(node, diags, getattr(module, "info_carried", None), target) and ok
        build = getattr(module, "build", None)
        if build is not None:
            ok = build(node, domain, diags, target) and ok
    return ok


def info_honoured(node, diags: Diagnostics, carried=None, target: str = "") -> bool:
    """Report the DeviceInfo parts of `node` that its family's keys don't carry
    (`carried(node, target)`: the tags it writes itself); False when one of them is
    guest-visible."""
    skip = carried(node, target) if carried is not None else ()
    items = [Uncompiled(f"devices/{node.TAG}/{tag}", span, host_side=tag == "alias")
             for tag, span in node.info.parts() if tag not in skip]
    uncompiled.report(items, diags, "Xen", XEN440, XEN441)
    return all(item.host_side for item in items)
