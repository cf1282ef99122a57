"""Stage 3b, between lowering and the semantic rules: every default, applied once.

Lowering records what the document says; this stage fills in what libvirt would assume, so
that the rules and the backends read explicit values only and no default lives in two
places. Each default is documented where it is applied: for a device family, in its
module's `postparse` (compiler/devices/<family>.py).
"""
from __future__ import annotations


from ..ir import Domain
from ..node import replace


def apply(domain: Domain, driver: bool = True) -> Domain:
    """`domain` with every default applied: <os> firmware, each family's own, then the
    QEMU driver's (implicit controllers and addresses, compiler/postparse/qemu.py).

    `driver=False`: the QEMU driver's defaults are left out, for a run that compiles
    nothing (`virtc validate`). No rule reads what they add (tests/test_lazy_imports.py
    checks that validate's findings are the same either way), with one exception: a MAC the
    driver derives could repeat one written on another NIC (SEM207), so a domain with a NIC
    that has no MAC gets them anyway.
    """
    if domain.sysinfo:
        from ..guest_os import uuid_from_sysinfo     # <uuid> from <sysinfo> (guest_os.py)

        domain = uuid_from_sysinfo(domain)
    if domain.os.firmware is not None or domain.os.loader is not None:
        from . import firmware           # <os>: firmware autoselection, NVRAM (firmware.py)

        domain = firmware.apply(domain)
    from .. import platform

    domain = platform.postparse(domain)     # <vcpu>, <cpu>…: compiler/platform/
    domain = _families(domain)
    if driver or any(_derives_mac(node) for node in domain.devices.families):
        from .qemu import apply as apply_qemu     # it returns other machines unchanged

        domain = apply_qemu(domain)
    return domain


def _derives_mac(node) -> bool:
    """A NIC the QEMU driver gives a MAC (postparse/qemu.py `_macs`)."""
    return node.TAG == "interface" and (node.mac is None or node.mac.address is None)


def _families(domain: Domain) -> Domain:
    devices = domain.devices
    if not devices.families:
        return domain
    from ..devices import postparse

    counts: dict = {}
    done = []
    for node in devices.families:
        index = counts.get(type(node), 0)
        counts[type(node)] = index + 1
        done.append(postparse(node, index, domain))
    return replace(domain, devices=replace(devices, families=tuple(done)))
