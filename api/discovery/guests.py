"""The guests a host offers: one per QEMU emulator, plus Xen's when the host runs Xen."""
from __future__ import annotations

import os
from typing import List, Optional, Tuple

from ..compiler.capabilities.ir import Feature, Guest, GuestDomain, Machine
from ..compiler.diagnostics import Diagnostics, Span
from ..compiler.rules.codes import CAP510, CAP511
from .emulators import KVM_NATIVE, emulator_arch, is_primary, wordsize
from .host import ProbeConfig, first_existing
from .machines import machine_cpu_limits, machine_help, order_machines
from .run import ProbeError

_X86 = ("i686", "x86_64")


def guest_features(arch: str, xen: bool = False) -> Tuple[Feature, ...]:
    """libvirt's feature list for a guest arch (virQEMUCapsInitGuestFromBinary)."""
    feats: List[Feature] = []
    if arch == "i686":
        feats += [Feature("pae"), Feature("nonpae")]
    if arch in _X86:
        feats += [Feature("acpi", default=True, toggle=True),
                  Feature("apic", default=True, toggle=False)]
    if not xen:
        feats += [Feature("cpuselection"), Feature("deviceboot"),
                  Feature("disksnapshot", default=True, toggle=False)]
    return tuple(feats)


def probe_machines(emulator: str, config: ProbeConfig,
                   diags: Diagnostics) -> Optional[Tuple[Machine, ...]]:
    """The emulator's machines, or None (with a CAP510/CAP511 warning) when it fails."""
    try:
        entries = machine_help(emulator, config.timeout)
    except ProbeError as exc:
        _warn(diags, emulator, exc, "left out of the capabilities")
        return None
    try:
        limits = machine_cpu_limits(emulator, config.timeout)
    except ProbeError as exc:
        _warn(diags, emulator, exc, "its machines are listed without maxCpus")
        limits = {}
    return order_machines(entries, limits)


def _warn(diags: Diagnostics, emulator: str, exc: ProbeError, consequence: str) -> None:
    code = CAP511 if exc.timed_out else CAP510
    diags.add(code, f"emulator {emulator}: {exc}; {consequence}", Span(emulator, 0, 0),
              hint=f"run `{emulator} -machine help` by hand to see what it does")


def qemu_guest(emulator: str, host_arch: str, kvm: bool, config: ProbeConfig,
               diags: Diagnostics) -> Optional[Guest]:
    arch = emulator_arch(emulator, host_arch)
    if arch is None:
        diags.add(CAP510, f"emulator {emulator}: its name does not say which arch it "
                  f"emulates; left out of the capabilities", Span(emulator, 0, 0),
                  hint="name a qemu-system-<arch>, qemu-kvm or kvm binary")
        return None
    machines = probe_machines(emulator, config, diags)
    if machines is None:
        return None
    domains = [GuestDomain("qemu")]
    if kvm and arch in KVM_NATIVE.get(host_arch, (host_arch,)):
        domains.append(GuestDomain("kvm"))
    return Guest(os_type="hvm", arch=arch, wordsize=wordsize(arch), emulator=emulator,
                 machines=machines, domains=tuple(domains), features=guest_features(arch))


def xen_guests(host_arch: str, config: ProbeConfig, diags: Diagnostics) -> List[Guest]:
    """Xen hosts offer paravirtualized guests of the host arch, and HVM guests through
    qemu-dm and hvmloader when those are installed (the format page's example)."""
    if not os.path.exists(config.xen_proc):
        return []
    qemu_dm = first_existing(config.xen_qemu_dm)
    xen = (GuestDomain("xen"),)
    guests = [Guest(os_type="xen", arch=host_arch, wordsize=wordsize(host_arch),
                    emulator=qemu_dm, domains=xen, features=guest_features(host_arch, xen=True))]
    loader = first_existing(config.xen_loaders)
    if qemu_dm and loader:
        machines = probe_machines(qemu_dm, config, diags) or (Machine("xenfv"),)
        arches = [a for a in _X86 if a == "i686" or host_arch == "x86_64"]
        guests += [Guest(os_type="hvm", arch=a, wordsize=wordsize(a), emulator=qemu_dm,
                         loader=loader, machines=machines, domains=xen,
                         features=guest_features(a, xen=True)) for a in arches]
    return guests


def guest_order(guest: Guest) -> tuple:
    """Stable output order: by os type and arch; the emulator libvirt would pick first."""
    emulator = guest.emulator or ""
    return (guest.os_type, guest.arch, not is_primary(emulator, guest.arch),
            os.path.basename(emulator), emulator)
