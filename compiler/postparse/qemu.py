"""Post-parse for QEMU guests, as libvirt's QEMU driver does it (qemuDomainDefPostParse,
qemuDomainAssignAddresses): what a `virsh define` adds to a document before `virsh dumpxml`
shows it. Applied to x86 QEMU/KVM guests of machine pc (i440fx) or q35 whose document is written
for today's libvirt (`libvirt_shaped`); each rule below is one step, in libvirt's order.

1. Drive addresses (virDomainDiskDefAssignAddress): a disk without an <address> gets one
   from its target name's index N (hda 0, hdb 1, sdc 2, …): IDE controller N/4, bus
   (N%4)/2, unit N%2; SCSI controller N/7, unit N%7; SATA controller N/6, unit N%6 (an
   AHCI controller has six ports); floppy controller 0, unit N. virtio and USB disks have
   no drive address.
2. Implicit controllers (qemuDomainDefAddDefaultDevices, virDomainDefAddImplicitControllers):
   - the PCI root: pcie-root on q35, pci-root on pc, index 0;
   - q35: the ICH9 SATA controller, index 0;
   - a USB controller with index 0 when there is none: qemu-xhci on q35, piix3-uhci on pc
     (a document with <controller type='usb' model='none'/> has none);
   - a controller for every drive address whose controller isn't written: FDC, SCSI
     (lsilogic), IDE, SATA;
   - a virtio-serial controller, index 0, when a virtio channel or console needs one;
   - a CCID controller for each smartcard's reader (virDomainDefMaybeAddSmartcardController);
   - a VGA video device for a guest with <graphics> and no <video>;
   - a virtio memory balloon for a guest without <memballoon> (model='none' is none).
   Each implicit controller is marked `implicit`; the built-in ones (the PCI root, pc's
   first IDE controller, q35's first SATA controller) have no QEMU option of their own.
3. Controller models (qemuDomainControllerDefPostParse): a SCSI controller without one (or
   model='auto') is lsilogic; a USB controller without one is qemu-xhci on q35 and
   piix3-uhci on pc.
4. PCI addresses: compiler/postparse/pci.py, rule by rule; controllers libvirt adds there
   (root ports, a pcie-to-pci-bridge) are added here too.
5. USB ports (qemuDomainAssignUSBPorts): each USB device without an address (disks, usb-net
   NICs, CCID readers, inputs, usb-serial ports, USB sound cards, then USB redirections:
   libvirt's order, checked with libvirt 9.0 in tests/libvirt_usb_order; each family
   declares its rank and which of its devices take a port, compiler/devices/__init__.py)
   gets bus 0 and the next free port of USB controller 0, from 1; a virtio channel gets
   virtio-serial controller 0, bus 0 and the next free port from 1.
6. MAC addresses: see `derived_mac`; and each NIC's alias, net0, net1, … in document order
   (qemuAssignDeviceNetAlias), which names its -device (and `host<alias>` its -netdev).
7. Boot order (qemuProcessPrepareDomainDiskBootorder, and the first NIC in
   qemuBuildNetCommandLine): when no device has a <boot order>, each <os><boot dev> at
   position N (from 1) becomes the boot index of the first device of its kind: hd → the
   first hard disk, cdrom → the first CD-ROM, network → the first <interface>. A kind with
   no such device boots nothing. Floppies keep the -boot letter (libvirt sets theirs on the
   floppy controller). The index is the device's `effective_boot`, never written back.
8. The implicit <audio>: see `_implicit_audio`.
9. Aliases (qemuAssignDeviceAliases) of the families whose QEMU ids the 2007-format
   documents never had, so only these documents get them: `input<N>` and `sound<N>`, N
   counting the elements of the family in document order.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from ..devices import family_of
from ..devices.controller import Controller, ControllerModel, ControllerModelName, \
    ControllerTarget, ControllerType, PciModelName
from ..devices.info import Address
from ..ir import Domain, DomainType
from ..node import replace
from . import pci

QEMU_TYPES = (DomainType.KVM, DomainType.QEMU, DomainType.KQEMU)


def libvirt_shaped(domain: Domain) -> bool:
    """True for a document written for today's libvirt: one with a <controller> or a
    <video> (virt-install and `virsh dumpxml` always write both). The rules here apply to
    those only. A document in the 2007 format page's vocabulary has neither, and compiles
    as it always did: QEMU places its devices itself and gives its NICs their MACs."""
    return any(n.TAG in ("controller", "video") for n in domain.devices.families)


def machine_kind(domain: Domain) -> Optional[str]:
    """'q35', 'pc' or None (another machine: no rule here applies)."""
    if domain.type not in QEMU_TYPES or not domain.os.is_hvm:
        return None
    if domain.os.arch not in (None, "x86_64", "i686"):
        return None
    m = domain.os.machine or "pc"
    if m == "q35" or m.startswith("pc-q35"):
        return "q35"
    if m == "pc" or m.startswith(("pc-i440", "pc-0.", "pc-1.", "rhel")):
        return "pc"
    return None


def apply(domain: Domain) -> Domain:
    machine = machine_kind(domain)
    if machine is None or not libvirt_shaped(domain):
        return domain
    families = list(domain.devices.families)
    families = _drive_addresses(families)
    families = _implicit_controllers(families, machine, domain)
    families = _controller_models(families, machine)
    families = _pci_addresses(families, machine, domain.devices.span)
    families = _usb_ports(families)
    families = _virtio_serial_ports(families)
    families = _macs(families, domain)
    families = _legacy_boot(families, domain)
    families = _implicit_audio(families, domain)
    families = _aliases(families)
    return replace(domain, devices=replace(domain.devices, families=tuple(families)))


# ------------------------------------------------------------------ 1. drive addresses

def _dev_index(name: str, prefix_len: int) -> int:
    """libvirt's virDiskNameToIndex: the letters after the prefix, base 26 (a=0, …, z=25,
    aa=26)."""
    n = 0
    for ch in name[prefix_len:]:
        if not ch.isalpha():
            break
        n = n * 26 + (ord(ch) - ord("a") + 1)
    return n - 1


def drive_address(bus: str, dev: str) -> Optional[Tuple[int, int, int]]:
    """(controller, bus, unit) for target `dev` on `bus`, as libvirt assigns them."""
    if bus == "ide":
        i = _dev_index(dev, 2)
        return (i // 4, (i % 4) // 2, i % 2)
    if bus == "scsi":
        i = _dev_index(dev, 2)
        return (i // 7, 0, i % 7)
    if bus == "sata":
        i = _dev_index(dev, 2)
        return (i // 6, 0, i % 6)
    if bus == "fdc":
        i = _dev_index(dev, 2)
        return (0, 0, i)
    return None


def _drive_addresses(families: list) -> list:
    out = []
    for node in families:
        if node.TAG == "disk" and node.info.address is None and node.target.bus is not None:
            where = drive_address(node.target.bus.value, node.target.dev)
            if where is not None and where[0] >= 0:
                c, b, u = where
                address = Address("drive", (("controller", str(c)), ("bus", str(b)),
                                            ("target", "0"), ("unit", str(u))), node.span)
                node = replace(node, info=replace(node.info, address=address))
        out.append(node)
    return out


# ------------------------------------------------------------------ 2. implicit controllers

def _controllers(families) -> List[Controller]:
    return [n for n in families if isinstance(n, Controller)]


def _has(families, ctype: ControllerType, index: int) -> bool:
    return any(c.type is ctype and c.index == index for c in _controllers(families))


def _implicit(ctype: ControllerType, index: int, model: Optional[ControllerModel] = None,
              span=None) -> Controller:
    """A controller libvirt adds; what is said about it points at <devices>."""
    return Controller(type=ctype, index=index, model=model, implicit=True,
                      **({"span": span} if span is not None else {}))


def _wants_virtio_serial(families, domain: Domain) -> bool:
    """A virtio <channel> or <console> needs a virtio-serial bus. A <channel> of a family
    virtc doesn't lower yet is taken for a virtio one (virt-install writes no other)."""
    if any(_virtio_channel(node) for node in families):
        return True
    return any(u.path == "devices/channel" for u in domain.uncompiled)


def _virtio_channel(node) -> bool:
    target = getattr(node, "target_type", None) if node.TAG == "channel" else None
    return target is not None and target.value == "virtio"


def _implicit_controllers(families: list, machine: str, domain: Domain) -> list:
    added: List[Controller] = []

    def add(ctype, index, model=None):
        if not _has(families + added, ctype, index):
            added.append(_implicit(ctype, index, model, domain.devices.span))

    # qemuDomainDefAddDefaultDevices: USB, then SATA (q35), then the PCI root
    if not any(c.type is ControllerType.USB for c in _controllers(families)):
        add(ControllerType.USB, 0, ControllerModel.QEMU_XHCI if machine == "q35"
            else ControllerModel.PIIX3_UHCI)
    if machine == "q35":
        add(ControllerType.SATA, 0)
    add(ControllerType.PCI, 0,
        ControllerModel.PCIE_ROOT if machine == "q35" else ControllerModel.PCI_ROOT)
    # virDomainDefAddImplicitControllers: disk controllers by type, then virtio-serial
    for ctype, bus in ((ControllerType.FDC, "fdc"), (ControllerType.SCSI, "scsi"),
                       (ControllerType.IDE, "ide"), (ControllerType.SATA, "sata")):
        for node in families:
            if node.TAG != "disk" or node.target.bus is None or node.target.bus.value != bus:
                continue
            address = node.info.address
            if address is not None and address.type == "drive":
                add(ctype, int(address.get("controller") or 0))
    if _wants_virtio_serial(families, domain):
        add(ControllerType.VIRTIO_SERIAL, 0)
    for node in families:           # a smartcard's CCID reader (devices/smartcard.py)
        if node.TAG == "smartcard" and node.info.address is not None \
                and node.info.address.type == "ccid":
            add(ControllerType.CCID, int(node.info.address.get("controller") or 0))
    span = domain.devices.span
    return families + added + _implicit_video(families, span) + _implicit_balloon(families, span)


def _implicit_video(families: list, span) -> list:
    """A guest with <graphics> and no <video> gets a VGA card (libvirt's
    virDomainDefAddImplicitVideo with the QEMU driver's default model); the seed's
    `-vga std` builds it."""
    from ..devices.video import Video, postparse as video_defaults

    if any(n.TAG == "video" for n in families) or not any(n.TAG == "graphics" for n in families):
        return []
    return [video_defaults(Video(implicit=True, span=span), 0, None)]


def _implicit_balloon(families: list, span) -> list:
    """A guest without <memballoon> gets a virtio one (qemuDomainDefAddDefaultDevices adds
    it on every x86 machine); <memballoon model='none'/> asks for none."""
    from ..devices.memballoon import Memballoon, postparse as balloon_defaults

    if any(n.TAG == "memballoon" for n in families):
        return []
    return [balloon_defaults(Memballoon(span=span), 0, None)]


# ------------------------------------------------------------------ 3. controller models

def _controller_models(families: list, machine: str) -> list:
    out = []
    for node in families:
        if isinstance(node, Controller):
            model = node.model
            if node.type is ControllerType.SCSI and model in (None, ControllerModel.AUTO):
                model = ControllerModel.LSILOGIC
            elif node.type is ControllerType.USB and model is None:
                model = (ControllerModel.QEMU_XHCI if machine == "q35"
                         else ControllerModel.PIIX3_UHCI)
            if model is not node.model:
                node = replace(node, model=model)
        out.append(node)
    return out


# ------------------------------------------------------------------ 4. PCI addresses

def _connect(node, machine: str) -> int:
    """The PCI connect flags of `node` (0: not a PCI device), pci.py rule 2."""
    pcie = pci.AUTO | (pci.PCIE_DEVICE if machine == "q35" else pci.PCI_DEVICE)
    conventional = pci.AUTO | pci.PCI_DEVICE
    virtio = pcie
    tag = node.TAG
    model = getattr(node, "model", None)
    if tag == "controller":
        t, m = node.type, (node.model.value if node.model else None)
        if t is ControllerType.PCI:
            return pci.controller_connect(m or "")
        if t in (ControllerType.SATA, ControllerType.IDE):
            return conventional
        if t is ControllerType.USB:
            if m in ("qusb1", "qusb2", "none"):
                return 0
            return pcie if m in ("nec-xhci", "qemu-xhci") else conventional
        if t is ControllerType.SCSI:
            if m in (None, "ncr53c90"):
                return 0
            return virtio if m in ("virtio-scsi", "virtio-non-transitional") else conventional
        if t is ControllerType.VIRTIO_SERIAL:
            return conventional if m == "virtio-transitional" else virtio
        return 0
    if tag == "interface":
        m = node.model_type
        if node.type.value == "hostdev" or m == "usb-net":
            return 0
        if m in ("virtio", "virtio-non-transitional"):
            return virtio
        if m in ("e1000e", "igb"):
            return pcie
        return conventional
    if tag == "disk":
        return virtio if node.target.bus is not None and node.target.bus.value == "virtio" else 0
    if tag in ("memballoon", "rng"):
        m = model.value
        if m == "virtio-transitional":
            return conventional
        return virtio if m.startswith("virtio") else 0
    if tag == "video":
        t = node.type.value
        if t == "virtio":
            return virtio
        if t == "bochs":
            return pcie
        if t in ("vga", "cirrus", "vmvga", "xen", "vbox", "qxl"):
            return conventional
        return 0
    if tag == "input":
        return virtio if node.bus is not None and node.bus.value == "virtio" else 0
    if tag == "sound":
        return conventional if model.value in ("es1370", "ac97", "ich6", "ich9") else 0
    if tag == "vsock":
        # libvirt's QEMU post-parse makes a model-less vsock virtio
        return conventional if model is not None and model.value == "virtio-transitional" \
            else virtio
    if tag == "watchdog":
        return conventional if model.value == "i6300esb" else 0
    if tag == "shmem":
        return conventional                 # every ivshmem model is a conventional PCI device
    if tag == "filesystem":
        # virtio-9p-pci or vhost-user-fs-pci; loop, nbd and ploop drivers are no device
        driver = node.driver.type.value if node.driver is not None and node.driver.type else None
        if driver in ("loop", "nbd", "ploop"):
            return 0
        return conventional if model is not None and model.value == "virtio-transitional" \
            else virtio
    if tag == "hostdev":
        # a PCI host device: PCIe, as libvirt assumes when it can't read the host's
        # device (virtc never looks at the host)
        return pcie if node.type.value == "pci" else 0
    return 0


def _pci_of(address) -> Optional[pci.Addr]:
    if address is None or address.type != "pci":
        return None
    p = address.pci()
    if not address.attrs:
        return None                     # <address type='pci'/>: assign one
    multi = {"on": True, "off": False}.get(address.get("multifunction") or "")
    return pci.Addr(p.bus, p.slot, p.function, multi)


def _dev(key, node, machine: str) -> Optional[pci.Dev]:
    info = node.info
    address = info.address
    addr = _pci_of(address)
    flags = _connect(node, machine)
    wanted = address is None or (address.type == "pci" and addr is None)
    details = {}
    if isinstance(node, Controller):
        details = {"type": node.type.value, "index": node.index,
                   "model": node.model.value if node.model else None,
                   "usb2": node.is_usb2}
    elif node.TAG == "video":
        details = {"pci": node.is_pci}
    elif node.TAG == "sound":
        details = {"model": node.model.value}
    if not flags and addr is None:
        return pci.Dev(key, node.TAG, 0, None, False, details) if details else None
    return pci.Dev(key, node.TAG, flags, addr, wanted, details)


def _controller_order(families: list) -> List[int]:
    """Positions of the controllers in libvirt's def->controllers order: each written one
    after the last of its type (they had no index yet when parsed, or in index order when
    they had), the implicit ones inserted by index."""
    order: List[int] = []
    for pos, node in enumerate(families):
        if not isinstance(node, Controller):
            continue
        at = -1
        for i in range(len(order) - 1, -1, -1):
            other = families[order[i]]
            if other.type is not node.type:
                continue
            if not node.implicit:
                at = i + 1
                break
            if other.index is not None and node.index is not None \
                    and other.index > node.index:
                at = i
            elif at == -1:
                at = i + 1
        if at == -1:
            order.append(pos)
        else:
            order.insert(at, pos)
    return order


def _pci_addresses(families: list, machine: str, span) -> list:
    families = list(families)
    devs: List[pci.Dev] = []
    by_key: Dict[int, pci.Dev] = {}
    for pos, node in enumerate(families):
        d = _dev(pos, node, machine)
        if d is not None:
            devs.append(d)
            by_key[pos] = d
    controllers = [by_key[p] for p in _controller_order(families) if p in by_key]

    def add_controller(index: int, model: str) -> pci.Dev:
        node = _implicit(ControllerType.PCI, index, ControllerModel(model), span)
        families.append(node)
        d = _dev(len(families) - 1, node, machine)
        by_key[d.key] = d
        return d

    found = pci.assign(devs, controllers, machine, add_controller)
    out = []
    for pos, node in enumerate(families):
        a = found.get(pos)
        if a is not None:
            node = _with_pci(node, a)
        if isinstance(node, Controller) and node.type is ControllerType.PCI:
            node = _pci_controller_defaults(node, a)
        out.append(node)
    return out


def _with_pci(node, a: pci.Addr):
    attrs = [("domain", "0x0000"), ("bus", f"{a.bus:#04x}"), ("slot", f"{a.slot:#04x}"),
             ("function", f"{a.function:#x}")]
    if a.multi is not None:
        attrs.append(("multifunction", "on" if a.multi else "off"))
    old = node.info.address
    if old is not None and old.type == "pci" and old.attrs:
        if a.multi and old.get("multifunction") is None:
            return replace(node, info=replace(node.info, address=replace(
                old, attrs=old.attrs + (("multifunction", "on"),))))
        return node
    span = old.span if old is not None else node.span
    return replace(node, info=replace(node.info, address=Address("pci", tuple(attrs), span)))


_MODEL_NAMES = {
    ControllerModel.PCI_BRIDGE: PciModelName.PCI_BRIDGE,
    ControllerModel.DMI_TO_PCI_BRIDGE: PciModelName.I82801B11_BRIDGE,
    ControllerModel.PCIE_TO_PCI_BRIDGE: PciModelName.PCIE_PCI_BRIDGE,
    ControllerModel.PCIE_ROOT_PORT: PciModelName.PCIE_ROOT_PORT,
    ControllerModel.PCIE_SWITCH_UPSTREAM_PORT: PciModelName.X3130_UPSTREAM,
    ControllerModel.PCIE_SWITCH_DOWNSTREAM_PORT: PciModelName.XIO3130_DOWNSTREAM,
    ControllerModel.PCI_EXPANDER_BUS: PciModelName.PXB,
    ControllerModel.PCIE_EXPANDER_BUS: PciModelName.PXB_PCIE,
}


def _pci_controller_defaults(node: Controller, a: Optional[pci.Addr]) -> Controller:
    """<model name>, and the chassis/port numbers (pci.py rule 6)."""
    name = _MODEL_NAMES.get(node.model)
    if name is not None and node.model_name is None:
        node = replace(node, model_name=ControllerModelName(name=name, span=node.span))
    address = node.info.address.pci() if node.info.address is not None else None
    target = node.target or ControllerTarget(span=node.span)
    changes = {}
    if node.model is ControllerModel.PCI_BRIDGE and target.chassis_nr is None:
        changes["chassis_nr"] = node.index
    elif node.model is ControllerModel.PCIE_ROOT_PORT and address is not None:
        if target.chassis is None:
            changes["chassis"] = node.index
        if target.port is None:
            changes["port"] = (address.slot << 3) + address.function
    elif node.model is ControllerModel.PCIE_SWITCH_DOWNSTREAM_PORT and address is not None:
        if target.chassis is None:
            changes["chassis"] = node.index
        if target.port is None:
            changes["port"] = address.slot
    if changes:
        node = replace(node, target=replace(target, **changes))
    return node


# ------------------------------------------------------------------ 5. USB ports

# Ports of each USB controller model (virDomainUSBAddressControllerModelToPorts).
_USB_PORTS = {
    ControllerModel.PIIX3_UHCI: 2, ControllerModel.PIIX4_UHCI: 2, ControllerModel.VT82C686B_UHCI: 2,
    ControllerModel.PCI_OHCI: 3, ControllerModel.EHCI: 6, ControllerModel.ICH9_EHCI1: 6,
    ControllerModel.NEC_XHCI: 4, ControllerModel.QEMU_XHCI: 4,
}


def _usb_ports(families: list) -> list:
    usb = [c for c in _controllers(families) if c.type is ControllerType.USB
           and c.model in _USB_PORTS and not (c.is_usb2 and c.model is not
                                              ControllerModel.ICH9_EHCI1)]
    if not usb:
        return families
    buses = []          # (index, ports, taken)
    for c in sorted(usb, key=lambda c: c.index or 0):
        buses.append((c.index or 0, c.ports or _USB_PORTS[c.model], set()))
    for node in families:
        a = node.info.address if hasattr(node, "info") else None
        if a is not None and a.type == "usb" and a.get("port"):
            for index, _, taken in buses:
                if str(index) == (a.get("bus") or "0"):
                    taken.add(a.get("port"))

    # libvirt's order (virDomainUSBDeviceDefForeach): each family that takes USB ports
    # says where it comes (its module's USB_ORDER, compiler/devices/__init__.py) and which
    # of its devices take one (`wants_usb_port`); within a family, document order.
    wanting = []
    for i, node in enumerate(families):
        module = family_of(node)
        rank = getattr(module, "USB_ORDER", None)
        if rank is not None and module.wants_usb_port(node) and node.info.address is None:
            wanting.append((rank, i))
    positions = [i for _, i in sorted(wanting)]
    out = list(families)
    for pos in positions:
        for index, ports, taken in buses:
            port = next((p for p in range(1, ports + 1) if str(p) not in taken), None)
            if port is None:
                continue
            taken.add(str(port))
            node = out[pos]
            address = Address("usb", (("bus", str(index)), ("port", str(port))), node.span)
            out[pos] = replace(node, info=replace(node.info, address=address))
            break
    return out


# ------------------------------------------------------------------ 5b. virtio-serial ports

def _virtio_serial_ports(families: list) -> list:
    """A virtio <channel> without an address gets controller 0, bus 0 and the next free
    port from 1 (port 0 is a virtio console's; qemuDomainAssignVirtioSerialAddresses)."""
    taken = set()
    for node in families:
        a = getattr(node, "info", None) and node.info.address
        if a is not None and a.type == "virtio-serial":
            taken.add((a.get("controller") or "0", a.get("bus") or "0", a.get("port")))
    out = []
    for node in families:
        if _virtio_channel(node) and node.info.address is None:
            port = next(p for p in range(1, len(families) + len(taken) + 2)
                        if ("0", "0", str(p)) not in taken)
            taken.add(("0", "0", str(port)))
            address = Address("virtio-serial", (("controller", "0"), ("bus", "0"),
                                                ("port", str(port))), node.span)
            node = replace(node, info=replace(node.info, address=address))
        out.append(node)
    return out


# ------------------------------------------------------------------ 6. MAC addresses

def derived_mac(domain: Domain, index: int) -> str:
    """The MAC of the `index`-th NIC (counting from 0 in document order) that has none:
    52:54:00 (QEMU's locally administered prefix, which libvirt uses for the random MACs it
    makes), then the first three bytes of SHA-256 over "<uuid or name>/<index>". The UUID
    (normalised, dashed) names the domain when it has one, else its name: the same domain
    always gets the same MACs, and two domains almost never share one. libvirt makes random
    ones instead, which virtc can't: its output must be reproducible."""
    seed = f"{domain.uuid or domain.name}/{index}".encode()
    import hashlib      # only a NIC without a MAC needs it (4 ms to import)

    digest = hashlib.sha256(seed).digest()
    return "52:54:00:" + ":".join(f"{b:02x}" for b in digest[:3])


def _macs(families: list, domain: Domain) -> list:
    from ..devices.interface import Interface, MacAddress

    out = []
    nic = 0
    for node in families:
        if isinstance(node, Interface):
            if node.mac is None or node.mac.address is None:
                mac = MacAddress(address=derived_mac(domain, nic), span=node.span,
                                 derived=True)
                node = replace(node, mac=mac)
            if node.info.alias is None:
                node = replace(node, info=replace(node.info, alias=f"net{nic}"))
            nic += 1
        out.append(node)
    return out


def _legacy_boot(families: list, domain: Domain) -> list:
    from ..devices.disk import Disk, DiskDevice
    from ..devices.interface import Interface
    from ..ir import BootDev

    if not domain.os.boot or any(getattr(getattr(n, "info", None), "boot_order", None)
                                 is not None for n in families):
        return families
    wanted: Dict[str, int] = {}
    for position, boot in enumerate(domain.os.boot, start=1):
        wanted.setdefault(boot.dev.value, position)

    def kind(node) -> Optional[str]:
        if isinstance(node, Disk):
            return {DiskDevice.DISK: BootDev.HD.value,
                    DiskDevice.CDROM: BootDev.CDROM.value}.get(node.device)
        return BootDev.NETWORK.value if isinstance(node, Interface) else None

    out = []
    for node in families:
        k = kind(node)
        if k is not None and k in wanted:
            node = replace(node, info=replace(node.info, effective_boot=wanted.pop(k)))
        out.append(node)
    return out


# ------------------------------------------------------------------ 8. the implicit <audio>

def _implicit_audio(families: list, domain: Domain) -> list:
    """libvirt's qemuDomainDefAddDefaultAudioBackend: a domain without <audio> gets one,
    id 1, whether or not it has a sound card (every document of the corpus shows it, the
    ones without <sound> included). Its type follows the displays, the last one deciding:
    SPICE plays through spice; VNC and SDL would pass audio to the host only when qemu.conf
    allows it and QEMU_AUDIO_DRV is set in libvirtd's environment, neither of which virtc
    reads, so they get none, as does a domain with no display (nographics_allow_host_audio
    is off by default). A display libvirt doesn't take here (egl-headless, rdp, dbus…) is
    not lowered, and counts as none."""
    from ..devices.audio import Audio, AudioType
    from ..devices.graphics import GraphicsType

    if any(n.TAG == "audio" for n in families):
        return families
    kind = AudioType.NONE
    for node in families:
        if node.TAG == "graphics":
            kind = AudioType.SPICE if node.type is GraphicsType.SPICE else AudioType.NONE
    return families + [Audio(id=1, type=kind, implicit=True, span=domain.devices.span)]


# ------------------------------------------------------------------ 9. aliases

def _aliases(families: list) -> list:
    counts: Dict[str, int] = {}
    out = []
    for node in families:
        if node.TAG in ("input", "sound"):
            n = counts.get(node.TAG, 0)
            counts[node.TAG] = n + 1
            if node.info.alias is None:
                node = replace(node, info=replace(node.info, alias=f"{node.TAG}{n}"))
        out.append(node)
    return out
