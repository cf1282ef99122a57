"""Xen toolstack dialects: named capability flags per version, never version checks in builders.

Each version states only its changes from the one before, as the QEMU dialects do. The facts
and their sources are in docs/xen-dialects.md. In short (libvirt's xen_xm.c / xend_internal.c,
where "xendConfigVersion 1" is Xen 3.0.2):

- CDROM_KEY: xend <= 3.0.2 reads an HVM guest's CD-ROM from a top-level `cdrom = "path"` and
  not from the disk list (libvirt: "Xend <= 3.0.2 doesn't include cdrom config here").
- IOEMU_DISK_PREFIX: xend <= 3.0.2 wants HVM disk targets written `ioemu:hda`.
- VIF_TYPE_IOEMU: up to xend 3.0.4 (xendConfigVersion 3) libvirt marks emulated HVM nics
  `type=ioemu`; later versions drop it because it "breaks paravirt drivers on HVM".
- PVFB_OLD_KEYS: below xend 3.0.4 (xendConfigVersion 3, libvirt's
  XEND_CONFIG_MIN_VERS_PVFB_NEWCONF) libvirt writes a PV guest's framebuffer in the HVM
  top-level keys (sdl, vnc, vncunused, vncdisplay, vnclisten, vncpasswd, keymap), not as a
  `vfb = [ … ]` entry.
- XL_TYPE_KEY: xl.cfg selects the guest type with `type="hvm"|"pv"` from Xen 4.10; before,
  with the now deprecated `builder="hvm"|"generic"`.
"""
from __future__ import annotations

from typing import Dict, FrozenSet, Tuple
from ...compiler.node import Node

CDROM_KEY = "CDROM_KEY"
IOEMU_DISK_PREFIX = "IOEMU_DISK_PREFIX"
VIF_TYPE_IOEMU = "VIF_TYPE_IOEMU"
PVFB_OLD_KEYS = "PVFB_OLD_KEYS"
XL_TYPE_KEY = "XL_TYPE_KEY"


class UnknownXenVersion(ValueError):
    """A --xen-version that no dialect of the target describes (a usage error)."""


class XenDialect(Node):
    target: str
    version: str
    flags: FrozenSet[str]

    def has(self, flag: str) -> bool:
        return flag in self.flags


# (version, flags added, flags removed), oldest first.
_XM_STEPS: Tuple[Tuple[str, FrozenSet[str], FrozenSet[str]], ...] = (
    ("3.0.2", frozenset({CDROM_KEY, IOEMU_DISK_PREFIX, VIF_TYPE_IOEMU, PVFB_OLD_KEYS}),
     frozenset()),
    ("3.0.3", frozenset(), frozenset({CDROM_KEY, IOEMU_DISK_PREFIX})),
    ("3.0.4", frozenset(), frozenset({PVFB_OLD_KEYS})),
    ("3.1", frozenset(), frozenset({VIF_TYPE_IOEMU})),
)
_XL_STEPS: Tuple[Tuple[str, FrozenSet[str], FrozenSet[str]], ...] = (
    ("4.1", frozenset(), frozenset()),
    ("4.10", frozenset({XL_TYPE_KEY}), frozenset()),
)
_STEPS = {"xen-xm": _XM_STEPS, "xen-xl": _XL_STEPS}

# The first version without the target's toolstack, and what to say instead. libvirt's
# commit "Remove xend support": "xend was deprecated in Xen 4.2 and removed from the Xen
# sources before the Xen 4.5 release. The last Xen release to contain xend was Xen 4.4."
_GONE: Dict[str, Tuple[str, str]] = {
    "xen-xm": ("4.5", "xend and its xm tool were removed in Xen 4.5 (4.4 was the last with "
                      "them); compile for --target xen-xl"),
}

# The output every earlier snapshot was made with: new-style xend (hdc:cdrom, type=ioemu,
# vfb = [ … ] for a PV display). 3.0.4 is the oldest xend that writes all three so; it was
# 3.0.3 until old PV framebuffer keys became a dialect, with the same flags then.
DEFAULT_VERSIONS: Dict[str, str] = {"xen-xm": "3.0.4", "xen-xl": "4.10"}


def _key(version: str) -> Tuple[int, ...]:
    try:
        return tuple(int(part) for part in version.split("."))
    except ValueError:
        raise UnknownXenVersion(f"--xen-version {version!r} is not a version like 3.0.3")


def known_versions(target: str) -> Tuple[str, ...]:
    return tuple(v for v, _, _ in _STEPS[target])


def get_dialect(target: str, version: str = None) -> XenDialect:
    """The dialect of the newest known version not newer than `version`."""
    if target not in _STEPS:
        raise UnknownXenVersion(f"no Xen dialects for target {target!r}")
    version = version or DEFAULT_VERSIONS[target]
    wanted = _key(version)
    flags: FrozenSet[str] = frozenset()
    matched = None
    for name, added, removed in _STEPS[target]:
        if _key(name) > wanted:
            break
        flags = (flags | added) - removed
        matched = name
    gone = _GONE.get(target)
    if gone is not None and wanted >= _key(gone[0]):
        raise UnknownXenVersion(f"--xen-version {version}: {gone[1]}")
    if matched is None:
        raise UnknownXenVersion(
            f"--xen-version {version} is older than any {target} dialect "
            f"(known: {', '.join(known_versions(target))})")
    return XenDialect(target, version, flags)
