"""Every IR enum the Xen backend maps, with its xm spelling (libvirt's src/libxl/xen_xm.c).

The families' tables are in their own modules (devices/<family>.py, ENUM_TABLES there).
A test checks that each table covers every member of its enum; a `None` entry means
"handled, but not as a value" and the code that reads the table says how.
"""
from __future__ import annotations

from typing import Dict, Optional

from ...compiler.ir import (
    BootDev, DomainType, LifecycleAction, NetType, OsType,
)

# Only domain type xen compiles; the others name the hypervisor a document was written for.
DOMAIN_TYPES: Dict[DomainType, bool] = {
    DomainType.XEN: True,
    DomainType.KVM: False,
    DomainType.QEMU: False,
    DomainType.KQEMU: False,
}

# builder: xm's default builder is "linux" (paravirtualized), so only HVM writes the key.
BUILDERS: Dict[OsType, Optional[str]] = {
    OsType.LINUX: None,
    OsType.XEN: None,
    OsType.HVM: "hvm",
    OsType.XENPVH: None,        # xm has no PVH builder: XEN442 (guest_os.py)
}

BOOT_LETTERS: Dict[BootDev, str] = {
    BootDev.FD: "a",
    BootDev.HD: "c",
    BootDev.CDROM: "d",
    BootDev.NETWORK: "n",
}

LIFECYCLE: Dict[LifecycleAction, str] = {
    LifecycleAction.DESTROY: "destroy",
    LifecycleAction.RESTART: "restart",
    LifecycleAction.PRESERVE: "preserve",
    LifecycleAction.RENAME_RESTART: "rename-restart",
}

# How each interface type reaches a vif: "bridge" (a named bridge), "routed" (a script,
# no bridge), or None when Xen has no way to carry it.
VIF_KINDS: Dict[NetType, Optional[str]] = {
    NetType.BRIDGE: "bridge",
    NetType.NETWORK: "bridge",
    NetType.ETHERNET: "routed",
    NetType.USER: None,
    NetType.MCAST: None,
    NetType.SERVER: None,
    NetType.CLIENT: None,
    NetType.UDP: None,
    NetType.VHOSTUSER: None,
    NetType.NULL: None,
    NetType.DIRECT: None,
}

ENUM_TABLES = (
    (DomainType, DOMAIN_TYPES),
    (OsType, BUILDERS),
    (BootDev, BOOT_LETTERS),
    (LifecycleAction, LIFECYCLE),
    (NetType, VIF_KINDS),
)
