"""Finding QEMU emulators, and the arch and word size each one emulates."""
from __future__ import annotations

import os
import re
from typing import Dict, List, Optional, Sequence

# qemu-system-<suffix> → libvirt's arch name, where they differ.
_QEMU_TO_LIBVIRT = {"i386": "i686", "arm": "armv7l", "or1k": "or32"}
# uname -m spellings → libvirt's arch name.
_UNAME_TO_LIBVIRT = {"i386": "i686", "i486": "i686", "i586": "i686", "amd64": "x86_64",
                     "arm64": "aarch64"}

WORDSIZE: Dict[str, int] = {
    "i686": 32, "x86_64": 64, "aarch64": 64, "armv6l": 32, "armv7l": 32, "alpha": 64,
    "cris": 32, "hppa": 32, "loongarch64": 64, "m68k": 32, "microblaze": 32,
    "microblazeel": 32, "mips": 32, "mipsel": 32, "mips64": 64, "mips64el": 64,
    "nios2": 32, "or32": 32, "ppc": 32, "ppc64": 64, "ppc64le": 64, "riscv32": 32,
    "riscv64": 64, "rx": 32, "s390x": 64, "sh4": 32, "sh4eb": 32, "sparc": 32,
    "sparc64": 64, "tricore": 32, "xtensa": 32, "xtensaeb": 32,
}

# Guest arches KVM runs natively on a host of the key arch (libvirt: virQEMUCapsGuestIsNative).
KVM_NATIVE: Dict[str, Sequence[str]] = {"x86_64": ("x86_64", "i686"), "i686": ("i686",),
                                        "aarch64": ("aarch64",), "ppc64": ("ppc64",),
                                        "ppc64le": ("ppc64le", "ppc64"), "s390x": ("s390x",)}

_SYSTEM = re.compile(r"^qemu-system-([A-Za-z0-9_]+)(?:-.+)?$")
_KVM_NAMES = ("qemu-kvm", "kvm")


def libvirt_arch(name: str) -> str:
    return _UNAME_TO_LIBVIRT.get(name, _QEMU_TO_LIBVIRT.get(name, name))


def wordsize(arch: str) -> int:
    return WORDSIZE.get(arch, 64 if "64" in arch else 32)


def emulator_arch(path: str, host_arch: str) -> Optional[str]:
    """The arch from the emulator's name: qemu-system-ppc64 → ppc64; qemu-kvm → the host's."""
    name = os.path.basename(path)
    m = _SYSTEM.match(name)
    if m:
        return libvirt_arch(m.group(1))
    if name in _KVM_NAMES or name == "qemu-dm":
        return host_arch
    return None


def is_primary(path: str, arch: str) -> bool:
    """True for the emulator libvirt would pick for `arch`: exactly qemu-system-<arch>."""
    name = os.path.basename(path)
    m = _SYSTEM.match(name)
    return bool(m) and name == f"qemu-system-{m.group(1)}" and libvirt_arch(m.group(1)) == arch


def find_on_path(search_path: Optional[str]) -> List[str]:
    """Every qemu-system-*, qemu-kvm and kvm on the search path, first occurrence of a name
    wins (as a shell would run it); folders reached twice (/bin → /usr/bin) count once."""
    found: Dict[str, str] = {}
    seen_dirs = set()
    for folder in (search_path if search_path is not None
                   else os.environ.get("PATH", "")).split(os.pathsep):
        if not folder:
            continue
        real = os.path.realpath(folder)
        if real in seen_dirs:
            continue
        seen_dirs.add(real)
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        for name in names:
            if name in found or not (_SYSTEM.match(name) or name in _KVM_NAMES):
                continue
            full = os.path.join(folder, name)
            if os.path.isfile(full) and os.access(full, os.X_OK):
                found[name] = full
    return [found[n] for n in sorted(found)]
