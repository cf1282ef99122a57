"""Post-parse for <os>: the firmware a QEMU/KVM guest gets, and libvirt's defaults around it.

Rules, each as libvirt 9.0 applies it (src/qemu/qemu_firmware.c, qemu_domain.c):

1. `<os firmware='efi'>` with no loader path picks firmware the way libvirt does: it reads
   QEMU's firmware descriptors (docs/interop/firmware.json), by file name across
   `$XDG_CONFIG_HOME/qemu/firmware`, `/etc/qemu/firmware` and `/usr/share/qemu/firmware`
   (a name in an earlier directory hides the same name in a later one), in name order, and
   takes the first that
   - has interface type `uefi` and a `flash` mapping,
   - targets the guest's architecture and a machine glob its machine type matches (the
     aliases `pc` and `q35` stand for `pc-i440fx-*` and `pc-q35-*`; no machine is `pc`),
   - offers each `<firmware><feature enabled='yes'>` and none with `enabled='no'`, and
     secure-boot when the `<loader secure='yes'>` asks for it.
   Without any descriptor, Debian's `ovmf` package's three descriptors are used as they ship
   (Debian's OVMF paths: `/usr/share/OVMF/OVMF_CODE_4M{.ms,.secboot,}.fd` and the matching
   `OVMF_VARS_4M*.fd`), so the answer is the same on a Debian host with or without them.
   The chosen image becomes `<loader readonly='yes' type='pflash'>` (`secure='yes'` when the
   firmware requires SMM, as libvirt sets it) and its template the `<nvram template>`.
   No match leaves the loader empty; the QEMU backend reports QEMU352.
2. A `type='pflash'` loader that is read-only and not `stateless='yes'` gets an NVRAM file:
   libvirt's path `/var/lib/libvirt/qemu/nvram/<name>_VARS.fd` when `<nvram>` names none,
   and the template of the descriptor whose executable is that loader when it names none.
3. A loader with a path and no `type`: `pflash` when it is read-only or has an `<nvram>`
   (only flash has a variable store), otherwise `rom` (QEMU's `-bios`), which is what an
   untyped `<loader>` has always meant for QEMU.

Xen guests (`<domain type='xen'>`) are left alone here: libxl picks its own firmware, and the
Xen backend writes `bios = "ovmf"` for a pflash loader or `firmware='efi'`.
"""
from __future__ import annotations

import os
from typing import Dict, Iterable, List, Optional, Tuple

from ..guest_os import Loader, LoaderType, Nvram, OsFirmware, loader_type
from ..ir import Domain, DomainType
from ..node import Node, replace

NVRAM_DIR = "/var/lib/libvirt/qemu/nvram"
# The aliases libvirt canonicalises before matching a descriptor's machine globs.
_MACHINE_FOR_MATCHING = {None: "pc-i440fx-", "pc": "pc-i440fx-", "q35": "pc-q35-"}


class Descriptor(Node):
    """The parts of one QEMU firmware descriptor that selection reads."""

    name: str
    executable: str
    nvram_template: Optional[str]
    targets: Tuple[Tuple[str, Tuple[str, ...]], ...]    # (architecture, machine globs)
    features: Tuple[str, ...]


def _debian(name, code, vars_, machines, features) -> Descriptor:
    return Descriptor(name, f"/usr/share/OVMF/{code}", f"/usr/share/OVMF/{vars_}",
                      (("x86_64", machines),), features)


# Debian 12's ovmf package, /usr/share/qemu/firmware/*.json, as shipped (the fallback).
DEBIAN_OVMF = (
    _debian("40-edk2-x86_64-secure-enrolled.json", "OVMF_CODE_4M.ms.fd", "OVMF_VARS_4M.ms.fd",
            ("pc-q35-*",), ("acpi-s3", "amd-sev", "enrolled-keys", "requires-smm",
                            "secure-boot", "verbose-dynamic")),
    _debian("50-edk2-x86_64-secure.json", "OVMF_CODE_4M.secboot.fd", "OVMF_VARS_4M.fd",
            ("pc-q35-*",), ("acpi-s3", "amd-sev", "requires-smm", "secure-boot",
                            "verbose-dynamic")),
    _debian("60-edk2-x86_64.json", "OVMF_CODE_4M.fd", "OVMF_VARS_4M.fd",
            ("pc-i440fx-*", "pc-q35-*"), ("acpi-s3", "amd-sev", "verbose-dynamic")),
)


def search_dirs() -> List[str]:
    """libvirt's descriptor directories, the one that wins a name clash first."""
    config = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return [os.path.join(config, "qemu", "firmware"), "/etc/qemu/firmware",
            "/usr/share/qemu/firmware"]


def read_descriptor(name: str, text: str) -> Optional[Descriptor]:
    """A uefi flash descriptor, or None for any other (or one that doesn't parse)."""
    try:
        import json     # only a guest that asks for firmware='efi' reads descriptors

        data = json.loads(text)
        if "uefi" not in data.get("interface-types", ()):
            return None
        mapping = data["mapping"]
        if mapping.get("device") != "flash":
            return None
        template = (mapping.get("nvram-template") or {}).get("filename")
        targets = tuple((t["architecture"], tuple(t.get("machines", ())))
                        for t in data.get("targets", ()))
        return Descriptor(name, mapping["executable"]["filename"], template, targets,
                          tuple(data.get("features", ())))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def installed_descriptors(dirs: Optional[Iterable[str]] = None) -> Tuple[Descriptor, ...]:
    """The host's descriptors in libvirt's order; Debian's built-in set when there are none."""
    chosen: Dict[str, str] = {}
    for folder in dirs if dirs is not None else search_dirs():
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            if name.endswith(".json") and name not in chosen:
                chosen[name] = os.path.join(folder, name)
    found = []
    for name in sorted(chosen):
        try:
            with open(chosen[name], encoding="utf-8") as fh:
                text = fh.read()
        except OSError:
            continue
        descriptor = read_descriptor(name, text)
        if descriptor is not None:
            found.append(descriptor)
    return tuple(found) if chosen else DEBIAN_OVMF


def _matches(d: Descriptor, arch: str, machine: Optional[str], wanted: Dict[str, bool]) -> bool:
    probe = _MACHINE_FOR_MATCHING.get(machine, machine)
    # A bare alias stands for every versioned machine of its family.
    names = [probe + "99.99"] if probe and probe.endswith("-") else [probe or ""]
    import fnmatch

    if not any(a == arch and any(fnmatch.fnmatchcase(n, g) for g in globs for n in names)
               for a, globs in d.targets):
        return False
    return all((name in d.features) == on for name, on in wanted.items())


def select(domain: Domain, descriptors: Tuple[Descriptor, ...]) -> Optional[Descriptor]:
    os_ = domain.os
    wanted: Dict[str, bool] = {}
    if os_.firmware_features is not None:
        wanted.update((f.name, f.enabled) for f in os_.firmware_features.features)
    if os_.loader is not None and os_.loader.secure:
        wanted["secure-boot"] = True
    arch = os_.arch or "x86_64"
    return next((d for d in descriptors if _matches(d, arch, os_.machine, wanted)), None)


def apply(domain: Domain, descriptors: Optional[Tuple[Descriptor, ...]] = None) -> Domain:
    """`domain` with rules 1-3 applied (see the module docstring)."""
    if domain.type is DomainType.XEN or not domain.os.is_hvm:
        return domain
    os_ = domain.os
    loader, nvram = os_.loader, os_.nvram
    if os_.firmware is OsFirmware.EFI and (loader is None or loader.path is None):
        picked = select(domain, descriptors if descriptors is not None
                        else installed_descriptors())
        if picked is None:
            return domain
        base = loader or Loader(span=os_.span)
        loader = replace(base, path=picked.executable, type=LoaderType.PFLASH, readonly=True,
                         secure=True if "requires-smm" in picked.features else base.secure)
        if picked.nvram_template and (nvram is None or nvram.template is None):
            nvram = replace(nvram or Nvram(span=os_.span), template=picked.nvram_template)
    if loader is not None and loader.path is not None and loader.type is None:
        loader = replace(loader, type=loader_type(loader, nvram))
    if (loader is not None and loader.type is LoaderType.PFLASH and loader.readonly
            and not loader.stateless):
        if nvram is None or nvram.path is None:
            nvram = replace(nvram or Nvram(span=loader.span),
                            path=f"{NVRAM_DIR}/{domain.name}_VARS.fd")
        if nvram.template is None:
            known = descriptors if descriptors is not None else installed_descriptors()
            template = next((d.nvram_template for d in known
                             if d.executable == loader.path), None)
            nvram = replace(nvram, template=template)
    if loader is os_.loader and nvram is os_.nvram:
        return domain
    return replace(domain, os=replace(os_, loader=loader, nvram=nvram))
