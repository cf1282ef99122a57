"""Discovering this host's capabilities without a hypervisor connection.

`discover()` reads the host arch (uname) and CPU flags (/proc/cpuinfo), queries every QEMU
emulator it finds (each query bounded by a timeout) and checks for KVM and Xen. It never
fails: what cannot be probed is left out, with a CAP51x warning naming it.
"""
from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

from ..compiler.capabilities.ir import Capabilities, Host, HostCpu
from ..compiler.diagnostics import Diagnostic, Diagnostics, Span
from ..compiler.rules.codes import CAP512
from .emulators import find_on_path
from .guests import guest_order, qemu_guest, xen_guests
from .host import ProbeConfig, host_arch, kvm_usable, read_cpuinfo

__all__ = ["ProbeConfig", "discover"]


def discover(emulators: Optional[Sequence[str]] = None,
             config: Optional[ProbeConfig] = None) -> Tuple[Capabilities, List[Diagnostic]]:
    """Probe this host. `emulators` replaces the search of PATH when given."""
    config = config or ProbeConfig()
    diags = Diagnostics()
    arch = host_arch(config)
    flags, vendor = read_cpuinfo(config.cpuinfo)
    kvm = kvm_usable(config)
    paths = list(dict.fromkeys(emulators)) if emulators else find_on_path(config.path)
    guests = [g for g in (qemu_guest(p, arch, kvm, config, diags) for p in paths) if g]
    guests += xen_guests(arch, config, diags)
    if not guests:
        diags.add(CAP512, "no QEMU emulator answered and this is not a Xen host; the "
                  "capabilities list no guests", Span("<discovery>", 0, 0),
                  hint="install QEMU, fix PATH, or name emulators with --emulator PATH")
    caps = Capabilities(host=Host(cpu=HostCpu(arch=arch, vendor=vendor, features=tuple(flags))),
                        guests=tuple(sorted(guests, key=guest_order)))
    return caps, list(diags)
