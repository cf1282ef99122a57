"""Builders for the device families (compiler/devices/), one module each, named like the
family's module: `memballoon.py` builds <memballoon>, `chardev.py` <serial>, <parallel> and
<console>.

Each module has `build(node, domain, ctx) -> List[Option]`, called here for each device in
document order; or `build_all(nodes, domain, ctx)` for a family whose options have a fixed
place in QEMU's order and share state across its devices (drive indexes): backends/qemu/
argv.py calls that one in its slot, and build_families skips the family. A family without a
module here is valid libvirt that this backend doesn't compile: QEMU320, on the device's
line.

The helpers below turn a device's DeviceInfo into -device properties, so every family
places and names its device the same way.
"""
from __future__ import annotations

import importlib
import re
from typing import List, Optional, Tuple

from ....compiler.devices import family_name
from ....compiler.devices.info import DeviceInfo
from ....compiler.ir import Domain
from ....compiler.rules.codes import QEMU302, QEMU320, QEMU321
from ..context import QemuContext
from ..opts import Option


def build_families(domain: Domain, ctx: QemuContext) -> List[Option]:
    options: List[Option] = []
    for node in domain.devices.families:
        builder = _builder(family_name(node))
        if builder is not None and hasattr(builder, "build_all"):
            continue                    # placed by argv.py in QEMU's order
        if builder is None:
            ctx.diags.add(QEMU320, f"<{node.TAG}> is valid libvirt XML, but virtc does not"
                          " compile it for QEMU yet; the guest would lack it", node.span,
                          hint=f"remove <{node.TAG}>, or start this guest with libvirt")
            continue
        options.extend(builder.build(node, domain, ctx))
    return options


def builder_hook(node, name: str):
    """Function `name` of the node's family's QEMU builder module, or None."""
    builder = _builder(family_name(node))
    return getattr(builder, name, None) if builder is not None else None


def _builder(name: str):
    try:
        return importlib.import_module(f".{name}", __name__)
    except ModuleNotFoundError:
        return None


# QEMU's id_wellformed(): a letter, then letters, digits, '-', '.' or '_'.
_QEMU_ID = re.compile(r"[A-Za-z][A-Za-z0-9._-]*\Z")


def device_id(info: DeviceInfo, span, ctx: QemuContext) -> Optional[str]:
    """The -device id: the device's alias (post-parse gives every device one)."""
    alias = info.alias
    if alias is not None and not _QEMU_ID.match(alias):
        ctx.diags.add(QEMU302, f"<alias name='{alias}'> can't be a QEMU device id, which"
                      " must start with a letter and hold only letters, digits, '-', '.'"
                      " and '_'", span, hint="use an alias such as 'ua-balloon'")
        return None
    return alias


def not_compiled(node, ctx: QemuContext, honoured: Tuple[str, ...] = ()) -> None:
    """Report each DeviceInfo part of `node` that its builder does not carry into the argv
    (any but `honoured`), on the part's own line: QEMU321 for an <alias>, which only names
    the device for libvirt, QEMU320 for the rest (the guest would differ)."""
    from ....compiler import uncompiled
    from ....compiler.ir import Uncompiled

    items = [Uncompiled(f"devices/{node.TAG}/{tag}", span, host_side=tag == "alias")
             for tag, span in node.info.parts() if tag not in honoured]
    uncompiled.report(items, ctx.diags, "QEMU", QEMU320, QEMU321)


def is_q35(domain: Domain) -> bool:
    machine = domain.os.machine or ""
    return machine == "q35" or machine.startswith("pc-q35")


def pci_bus_name(bus: int, domain: Domain) -> Optional[str]:
    """QEMU's id for PCI bus `bus`, as libvirt names it: the root is pcie.0 (q35) or
    pci.0; bus N is the controller with index N, whose id is pci.N. None when no PCI
    controller has that index."""
    if bus == 0:
        return "pcie.0" if is_q35(domain) else "pci.0"
    from ....compiler.devices.controller import Controller, ControllerType

    for c in domain.devices.of(Controller):
        if c.type is ControllerType.PCI and c.index == bus:
            return f"pci.{bus}"
    return None


def pci_addr(slot: int, function: int) -> str:
    """addr= as libvirt writes it: 0x2, or 0x2.0x1 for a function other than 0."""
    return f"{slot:#x}" if function == 0 else f"{slot:#x}.{function:#x}"


def placement(info: DeviceInfo, domain: Domain, ctx: QemuContext,
              what: str) -> Optional[Tuple[Tuple[str, object], ...]]:
    """bus= and addr= for a PCI device's <address> (written, or given by post-parse as
    libvirt would, compiler/postparse/pci.py); () without one (QEMU picks a free slot on
    the root bus); None, with QEMU320 reported, for an address virtc can't build: not a
    PCI address, or on a bus no <controller> provides."""
    address = info.address
    if address is None:
        return ()
    pci = address.pci()
    if pci is None:
        ctx.diags.add(QEMU320, f"{what} with <address type='{address.type}'> is valid"
                      " libvirt XML, but virtc places this device only on PCI", address.span,
                      hint="use a PCI address, or remove <address> to let QEMU choose")
        return None
    bus = pci_bus_name(pci.bus, domain) if pci.domain == 0 else None
    if bus is None:
        ctx.diags.add(QEMU320, f"{what} at PCI {pci} sits on a bus that no <controller"
                      " type='pci'> of this domain provides", address.span,
                      hint=f"add <controller type='pci' index='{pci.bus}' model=…>, or"
                      " remove <address> to let virtc place the device")
        return None
    return (("bus", bus), ("multifunction", True if pci.multifunction else None),
            ("addr", pci_addr(pci.slot, pci.function)))


def bootindex(info: DeviceInfo) -> Tuple[Tuple[str, object], ...]:
    """bootindex= for a device's <boot order> (libvirt passes the order as it is), else
    the index post-parse derived from <os><boot dev> (compiler/postparse/qemu.py)."""
    index = info.boot_order if info.boot_order is not None else info.effective_boot
    return (("bootindex", index),) if index is not None else ()


def virtio_serial_address(info: DeviceInfo) -> Optional[Tuple[str, Optional[int]]]:
    """The bus (`virtio-serial<controller>.<bus>`) and port number of a device's
    virtio-serial <address>, the port None when not written; None without such an address."""
    address = info.address
    if address is None or address.type != "virtio-serial":
        return None
    port = address.get("port")
    return (f"virtio-serial{int(address.get('controller') or 0)}.{int(address.get('bus') or 0)}",
            int(port) if port else None)


def usb_address(info: DeviceInfo) -> Tuple[Tuple[str, object], ...]:
    """bus= and port= for a device's USB <address> as libvirt writes them (controller N's
    bus is usb.0 for the first controller, usbN.0 after); () without one (QEMU picks)."""
    address = info.address
    if address is None or address.type != "usb":
        return ()
    index = int(address.get("bus") or 0)
    return (("bus", "usb.0" if index == 0 else f"usb{index}.0"), ("port", address.get("port")))


def virtio_driver_props(driver) -> Tuple[Tuple[str, object], ...]:
    """libvirt's virtio <driver> options as QEMU's virtio-pci properties."""
    if driver is None:
        return ()
    return (("iommu_platform", driver.iommu), ("ats", driver.ats), ("packed", driver.packed),
            ("page-per-vq", driver.page_per_vq))
