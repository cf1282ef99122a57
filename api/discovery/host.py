"""What discovery reads about the host itself: where to look, its arch and CPU flags."""
from __future__ import annotations

import os
from typing import Dict, List, Optional, Sequence, Tuple
from ..compiler.node import Node

# The classic Xen device-model locations the format page names.
XEN_QEMU_DM = ("/usr/lib/xen/bin/qemu-dm", "/usr/lib64/xen/bin/qemu-dm")
XEN_HVMLOADER = ("/usr/lib/xen/boot/hvmloader", "/usr/lib64/xen/boot/hvmloader")

_VENDORS = {"GenuineIntel": "Intel", "AuthenticAMD": "AMD", "HygonGenuine": "Hygon",
            "CentaurHauls": "VIA"}


class ProbeConfig(Node):
    """Every place discovery looks, so tests can point it at their own files."""

    timeout: float = 5.0
    path: Optional[str] = None                  # search path; None = $PATH
    cpuinfo: str = "/proc/cpuinfo"
    kvm_device: str = "/dev/kvm"
    xen_proc: str = "/proc/xen"
    xen_qemu_dm: Tuple[str, ...] = XEN_QEMU_DM
    xen_loaders: Tuple[str, ...] = XEN_HVMLOADER
    host_arch: Optional[str] = None             # None = uname


def host_arch(config: ProbeConfig) -> str:
    """libvirt's arch name for this host; uname's i386…i686 all read as i686."""
    from .emulators import libvirt_arch

    return config.host_arch or libvirt_arch(os.uname().machine)


def read_cpuinfo(path: str) -> Tuple[List[str], Optional[str]]:
    """(sorted CPU flags, vendor) from the first processor in /proc/cpuinfo."""
    fields: Dict[str, str] = {}
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if not line.strip():
                    if fields:
                        break           # every processor repeats the first one's flags
                    continue
                key, _, value = line.partition(":")
                fields.setdefault(key.strip().lower(), value.strip())
    except OSError:
        return [], None
    # x86 says "flags", arm64 says "Features".
    flags = (fields.get("flags") or fields.get("features") or "").split()
    vendor = fields.get("vendor_id")
    return sorted(set(flags)), _VENDORS.get(vendor, vendor) if vendor else None


def kvm_usable(config: ProbeConfig) -> bool:
    """libvirt offers kvm only when /dev/kvm opens read-write, not merely when it exists."""
    try:
        fd = os.open(config.kvm_device, os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return False
    os.close(fd)
    return True


def first_existing(paths: Sequence[str]) -> Optional[str]:
    return next((p for p in paths if os.path.exists(p)), None)
