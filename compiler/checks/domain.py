"""Rules for the domain as a whole: memory, OS and hypervisor, boot media."""
from __future__ import annotations

from ..diagnostics import Diagnostics
from ..devices.disk import DiskDevice
from ..ir import BootDev, Domain, DomainType
from ..rules.codes import SEM208, SEM213, SEM215, SEM219, SEM290


def check(dom: Domain, diags: Diagnostics) -> None:
    _check_memory(dom, diags)
    _check_os(dom, diags)
    _check_boot_media(dom, diags)
    _check_boot_orders(dom, diags)


def _check_memory(dom: Domain, diags: Diagnostics) -> None:
    cur = dom.current_memory_kib
    if cur is not None and cur > dom.memory_kib:
        diags.add(SEM208, f"<currentMemory> {cur} KiB is more than <memory> {dom.memory_kib} KiB",
                  dom.span_of("currentMemory"), hint="currentMemory is what the guest starts with; it cannot exceed "
                                 "memory, the maximum")


def _check_os(dom: Domain, diags: Diagnostics) -> None:
    os = dom.os
    if dom.type is DomainType.XEN:
        # An HVM guest without <loader> is fine: libxl uses hvmloader (SEM212 is retired;
        # the xm backend, whose kernel key must name the firmware, reports XEN419).
        if not os.is_hvm and not os.kernel and not dom.bootloader:
            diags.add(SEM213, "a paravirtualized Xen guest has no <kernel>", os.span,
                      hint="add <kernel>/boot/vmlinuz…</kernel> to <os>, or a <bootloader> "
                           "such as /usr/bin/pygrub")
    elif not os.is_hvm:
        diags.add(SEM219, f"a {dom.type.value} domain cannot run an OS of type '{os.type.value}'",
                  os.span_of("type"),
                  hint="QEMU and KVM guests are fully virtualized: use <type>hvm</type>")


_MEDIUM = {
    BootDev.HD: DiskDevice.DISK,
    BootDev.CDROM: DiskDevice.CDROM,
    BootDev.FD: DiskDevice.FLOPPY,
}


def _check_boot_media(dom: Domain, diags: Diagnostics) -> None:
    devices = {d.device for d in dom.devices.disks}
    # A disk or NIC the IR could not hold (a SATA disk, a vhost-user NIC) still exists; the
    # backends report it, and this rule must not claim the guest has nothing to boot.
    unlowered = {u.path for u in dom.uncompiled}
    if {"devices/disk", "devices/interface"} & unlowered:
        return
    for boot in dom.os.boot:
        if boot.dev is BootDev.NETWORK:
            present = bool(dom.devices.interfaces)
            medium = "network interface"
        else:
            present = _MEDIUM[boot.dev] in devices
            medium = f"disk with device='{_MEDIUM[boot.dev].value}'"
        if not present:
            diags.add(SEM215, f"<boot dev='{boot.dev.value}'> has no {medium} to boot from",
                      boot.span, hint=f"add a {medium}, or remove this <boot>")


def _check_boot_orders(dom: Domain, diags: Diagnostics) -> None:
    """SEM290: per-device <boot order> and <os><boot dev> exclude each other (libvirt's
    parser refuses the pair)."""
    if not dom.os.boot:
        return
    for node in dom.devices.families:
        info = getattr(node, "info", None)
        if info is not None and info.boot_order is not None:
            diags.add(SEM290, f"<{node.TAG}> has <boot order='{info.boot_order}'> while <os>"
                      " has <boot dev>: libvirt accepts one or the other", info.span_of("boot"),
                      hint="remove <boot dev> from <os>, or the device's <boot order>")
            return
