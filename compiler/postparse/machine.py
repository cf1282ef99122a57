"""Post-parse for QEMU machine type names: which name `<type machine=…>` reaches -machine as.

libvirt replaces a machine alias by the versioned machine it stands for (virQEMUCaps…
CanonicalMachine), so that a guest keeps its hardware when QEMU is upgraded. The rules:

1. No machine= stays absent: the QEMU backend writes `pc`, as it always has (libvirt would
   take the emulator's default machine and then its canonical name).
2. `pc` and `q35` stay as written: QEMU resolves them itself, and an argv that names them runs
   on every QEMU version.
3. Any other alias becomes the canonical name the emulator lists for it: `-machine help`
   prints `virt  QEMU 7.2 ARM Virtual Machine (alias of virt-7.2)`. The answer is cached
   per emulator binary (realpath, mtime and size), like the version probe
   (backends/qemu/dialects.detect_version), so a compile runs it once per installed QEMU
   (api/discovery/machines.emulator_aliases; api/pipeline.compile_domain applies this).
4. Without an emulator to ask, the dialect decides: QEMU names the versioned machines of the
   families below after its own release (`virt-7.2` in QEMU 7.2), from the dialect rows
   where all of them exist (2.12 on; they arrived in 2.1-2.6). Other names stay as written.
"""
from __future__ import annotations

from typing import Mapping, Optional

from ..ir import Domain
from ..node import replace

KEPT = frozenset({"pc", "q35"})
# Machine families whose alias QEMU points at "<alias>-<major>.<minor>" (since 2.12 at least).
VERSIONED = frozenset({"virt", "pseries", "s390-ccw-virtio"})
FIRST_VERSIONED = (2, 12)


def from_dialect(machine: str, version: str) -> Optional[str]:
    """Rule 4: the canonical name of `machine` in QEMU `version`, or None when unknown."""
    major, minor = (int(p) for p in version.split(".")[:2])
    if machine in VERSIONED and (major, minor) >= FIRST_VERSIONED:
        return f"{machine}-{major}.{minor}"
    return None


def canonical(machine: Optional[str], aliases: Optional[Mapping[str, str]],
              version: str) -> Optional[str]:
    """The name -machine gets for `machine` (rules 1-4); `aliases` maps each alias the
    emulator lists to its machine (None: there is no emulator to ask)."""
    if machine is None or machine in KEPT:
        return machine
    if aliases is not None:
        return aliases.get(machine, machine)
    return from_dialect(machine, version) or machine


def apply(domain: Domain, aliases: Optional[Mapping[str, str]], version: str) -> Domain:
    name = canonical(domain.os.machine, aliases, version)
    if name == domain.os.machine:
        return domain
    return replace(domain, os=replace(domain.os, machine=name))


def needs_emulator(domain: Domain) -> bool:
    """Whether rule 3 might rename this domain's machine (so the emulator is worth asking)."""
    return domain.os.machine is not None and domain.os.machine not in KEPT
