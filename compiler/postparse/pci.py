"""PCI address assignment as libvirt's QEMU driver does it (src/qemu/qemu_domain_address.c,
qemuDomainAssignPCIAddresses, over the address sets of src/conf/domain_addr.c).

The model, rule by rule:

1. Buses. Every <controller type='pci'> is a bus, numbered by its index. What a bus accepts
   depends on its model: pci-root takes PCI devices and bridges in slots 1-31; pcie-root
   takes PCIe root ports, dmi-to-pci bridges and (only where the address was written)
   endpoints in slots 1-31; a pcie-root-port (or switch downstream port) has one slot, 0,
   for a PCIe device or a pcie-to-pci-bridge; a pci-bridge or pcie-to-pci-bridge has PCI
   slots 1-31; a dmi-to-pci-bridge PCI slots 0-31 that libvirt never fills by itself.
2. What each device needs (qemuDomainDeviceCalculatePCIConnectFlags): on a machine with
   pcie-root (q35), virtio devices (non-transitional), qemu-xhci, nec-xhci, e1000e and
   bochs-display are PCIe devices; everything else that is PCI (rtl8139, e1000, cirrus,
   VGA, qxl, lsi, ich9 USB, ahci on pc, a transitional virtio device) is a conventional PCI
   device. On pc everything is conventional PCI.
3. Fixed places first (qemuDomainValidateDevicePCISlotsPIIX3/Q35): pc reserves slot 1
   (the PIIX3: ISA bridge 1.0, the first IDE controller 1.1, a piix3-uhci USB controller
   with index 0 at 1.2, the ACPI bridge 1.3) and puts the first video device at slot 2;
   q35 reserves 0x1f (LPC 1f.0, the first SATA controller 1f.2, SMBus 1f.3), puts the
   first video device at slot 1, the first ich9 USB2 set at 0x1d (else 0x1a), a
   dmi-to-pci-bridge at 0x1e and an ich9 sound card at 0x1b.
4. Then every device without an address, in this order (qemuDomainAssignDevicePCISlots):
   PCI controllers, filesystems, NICs, sound cards, the other controllers (an EHCI set's
   companions share one slot: ehci1 function 7, uhci1-3 functions 0-2), virtio disks,
   host devices, the balloon, RNGs, watchdogs, the other video devices, shared memory,
   virtio input devices, PCI serial ports, the virtio IOMMU, vsock, virtio memory, crypto,
   pvpanic. Each takes the first free slot, lowest bus first, on a bus that accepts it;
   pcie-root-ports share slots, eight functions each (the "aggregate" slot).
5. Enough buses. A first, dry pass counts the buses the devices need. When no bus has room,
   libvirt adds one: a pcie-root-port for a PCIe device; for a conventional PCI device on
   q35, a pcie-root-port and a pcie-to-pci-bridge behind it (once; further PCI devices
   share that bridge, and a full bridge gets a pci-bridge); on pc a pci-bridge. On pc, the
   dry pass first keeps one slot free for a future bridge. A q35 guest whose document has
   no PCI controller besides pcie-root gets one more, empty, root port for hotplug.
   Controllers added this way become part of the domain, then the real pass runs.
6. Afterwards (virDomainPCIAddressSetAllMulti and the controller defaults): function 0 of
   any slot with several functions in use gets multifunction='on'; a pcie-root-port gets
   <model name='pcie-root-port'/>, chassis = its index, port = slot * 8 + function; a
   pci-bridge chassisNr = its index; a dmi-to-pci-bridge i82801b11-bridge, a
   pcie-to-pci-bridge pcie-pci-bridge.

Devices of families virtc doesn't lower yet (sound, filesystems, watchdogs, host devices,
…) are not in the IR: a document with one of those doesn't compile, and the addresses of
the devices libvirt places after it may differ from libvirt's.
"""
from __future__ import annotations

from typing import Callable, Dict, List, Optional, Tuple

# Connect flags (libvirt's VIR_PCI_CONNECT_*).
HOTPLUG = 1 << 0
AUTO = 1 << 1
AGGREGATE = 1 << 2
INTEGRATED = 1 << 3
PCI_DEVICE = 1 << 4
PCIE_DEVICE = 1 << 5
ROOT_PORT = 1 << 6
UPSTREAM = 1 << 7
DOWNSTREAM = 1 << 8
DMI_BRIDGE = 1 << 9
PCI_EXPANDER = 1 << 10
PCIE_EXPANDER = 1 << 11
PCI_BRIDGE = 1 << 12
PCIE_TO_PCI = 1 << 13
TYPES = (PCI_DEVICE | PCIE_DEVICE | ROOT_PORT | UPSTREAM | DOWNSTREAM | DMI_BRIDGE
         | PCI_EXPANDER | PCIE_EXPANDER | PCI_BRIDGE | PCIE_TO_PCI)
ENDPOINT = PCI_DEVICE | PCIE_DEVICE

# A PCI domain has buses 0-255; a controller index past that is no bus at all, and the
# assignment leaves such a document's addresses as written.
MAX_BUS = 255

# Bus models (controller model= values).
PCI_ROOT = "pci-root"
PCIE_ROOT = "pcie-root"


def bus_flags(model: str) -> Tuple[int, int, int]:
    """(accepted flags, lowest slot, highest slot) of a bus of `model`
    (virDomainPCIAddressBusSetModel)."""
    return {
        "pci-root": (AUTO | PCI_DEVICE | PCI_BRIDGE | PCI_EXPANDER, 1, 31),
        "pci-bridge": (AUTO | PCI_DEVICE | PCI_BRIDGE, 1, 31),
        "pci-expander-bus": (AUTO | PCI_DEVICE | PCI_BRIDGE, 0, 31),
        "pcie-root": (PCIE_DEVICE | ROOT_PORT | DMI_BRIDGE | PCIE_EXPANDER, 1, 31),
        "dmi-to-pci-bridge": (PCI_DEVICE | PCI_BRIDGE, 0, 31),
        "pcie-to-pci-bridge": (AUTO | PCI_DEVICE | PCI_BRIDGE, 1, 31),
        "pcie-root-port": (AUTO | PCIE_DEVICE | UPSTREAM | PCIE_TO_PCI, 0, 0),
        "pcie-switch-downstream-port": (AUTO | PCIE_DEVICE | UPSTREAM | PCIE_TO_PCI, 0, 0),
        "pcie-switch-upstream-port": (DOWNSTREAM, 0, 31),
        "pcie-expander-bus": (ROOT_PORT | DMI_BRIDGE, 0, 31),
    }[model]


def controller_connect(model: str) -> int:
    """What a PCI controller of `model` needs upstream (virDomainPCIControllerModelToConnectType)."""
    return {
        "pci-bridge": PCI_BRIDGE,
        "pci-expander-bus": PCI_EXPANDER,
        "pcie-expander-bus": PCIE_EXPANDER,
        "dmi-to-pci-bridge": DMI_BRIDGE,
        "pcie-to-pci-bridge": PCIE_TO_PCI,
        "pcie-root-port": ROOT_PORT | AGGREGATE,
        "pcie-switch-upstream-port": UPSTREAM,
        "pcie-switch-downstream-port": DOWNSTREAM,
    }.get(model, 0)


class Addr:
    __slots__ = ("bus", "slot", "function", "multi")

    def __init__(self, bus: int = 0, slot: int = 0, function: int = 0,
                 multi: Optional[bool] = None):
        self.bus, self.slot, self.function, self.multi = bus, slot, function, multi

    def key(self) -> Tuple[int, int, int]:
        return (self.bus, self.slot, self.function)


class Bus:
    __slots__ = ("model", "flags", "min_slot", "max_slot", "functions", "aggregate")

    def __init__(self, model: str):
        self.model = model
        self.flags, self.min_slot, self.max_slot = bus_flags(model)
        self.functions = [0] * 32
        self.aggregate = [False] * 32


class NoRoom(Exception):
    """No free slot (libvirt: "No more available PCI slots")."""


class AddressSet:
    """The buses and the functions reserved on them (virDomainPCIAddressSet)."""

    def __init__(self, models: List[str], dry_run: bool, pcie_to_pci_ok: bool = True):
        self.buses = [Bus(m) for m in models]
        self.dry_run = dry_run
        self.pcie_to_pci_ok = pcie_to_pci_ok

    def in_use(self, bus: int, slot: int) -> bool:
        return bus < len(self.buses) and self.buses[bus].functions[slot] != 0

    def reserve(self, a: Addr, flags: int) -> None:
        try:
            while self.dry_run and a.bus >= len(self.buses):
                self.grow(a, flags)
        except NoRoom:
            return
        if a.bus >= len(self.buses):
            return
        bus = self.buses[a.bus]
        if not bus.functions[a.slot] and flags & AGGREGATE:
            bus.aggregate[a.slot] = True
        bus.functions[a.slot] |= 1 << a.function

    def grow(self, a: Addr, flags: int) -> None:
        """Add the buses that address `a` needs (virDomainPCIAddressSetGrow)."""
        add = a.bus - len(self.buses) + 1
        if add <= 0:
            return
        if a.bus + 1 > MAX_BUS:
            raise NoRoom()
        models: List[str] = []
        if flags & PCI_DEVICE:
            model = "pci-bridge"
            need_bridge = not any(b.flags & PCI_BRIDGE for b in self.buses)
            if need_bridge and add == 1:
                add += 1
                a.bus += 1
                if self.pcie_to_pci_ok:
                    # a root port that takes only the bridge, then the bridge itself
                    models = ["pcie-root-port*", "pcie-to-pci-bridge"]
                else:
                    models = ["dmi-to-pci-bridge"]
        elif flags & (PCIE_DEVICE | UPSTREAM):
            model = "pcie-root-port"
        else:
            raise NoRoom()
        first = len(self.buses)
        for m in models:
            self.buses.append(Bus(m.rstrip("*")))
            if m.endswith("*"):
                self.buses[-1].flags = PCIE_TO_PCI
        while len(self.buses) < first + add:
            self.buses.append(Bus(model))

    def _compatible(self, bus: Bus, a: Addr, flags: int) -> bool:
        busflags = bus.flags
        if flags & INTEGRATED:
            if a.bus != 0:
                return False
            busflags |= AUTO
        if flags & AUTO and not busflags & AUTO:
            return False
        return bool(flags & busflags & TYPES)

    def next_addr(self, flags: int, function: int = -1) -> Addr:
        """The first free place for a device with `flags` (virDomainPCIAddressGetNextAddr)."""
        a = Addr(0, 0, 0 if function == -1 else function)
        for a.bus, bus in enumerate(self.buses):
            a.slot = bus.min_slot
            if not self._compatible(bus, a, flags):
                continue
            while a.slot <= bus.max_slot:
                used = bus.functions[a.slot]
                if used == 0:
                    return a
                if flags & AGGREGATE and bus.aggregate[a.slot]:
                    if not used & (1 << a.function):
                        return a
                    if function == -1:
                        while a.function < 8 and used & (1 << a.function):
                            a.function += 1
                        if a.function < 8:
                            return a
                        a.function = 0
                a.slot += 1
        if self.dry_run:
            a.bus = len(self.buses)
            self.grow(a, flags)
            a.slot = self.buses[a.bus].min_slot
            return a
        raise NoRoom()

    def reserve_next(self, flags: int, function: int = -1) -> Addr:
        a = self.next_addr(flags, function)
        self.reserve(a, flags)
        return a


# ------------------------------------------------------------------ the assignment

class Dev:
    """One device as the assignment sees it: its connect flags, its address (written or
    assigned), and the category and details the rules ask about."""

    __slots__ = ("key", "kind", "flags", "addr", "written", "wanted", "wants", "info")

    def __init__(self, key, kind: str, flags: int, addr: Optional[Addr], wanted: bool,
                 info: dict):
        self.key, self.kind, self.flags, self.addr = key, kind, flags, addr
        self.written = addr
        self.wants = wanted
        self.wanted = wanted
        self.info = info

    def reset(self) -> None:
        """Back to what the document says, for the next pass."""
        self.addr = self.written
        self.wanted = self.wants


def assign(devs: List[Dev], controllers: List[Dev], machine: str,
           add_controller: Callable[[int, str], Dev]) -> Dict[object, Addr]:
    """Addresses for every device of `devs` (in libvirt's device order, see `order`) that
    wants one; `controllers` are the controller devices in libvirt's controller order (also
    in `devs`). `add_controller(index, model)` makes a new PCI controller (rule 5).
    Returns key -> address, the written addresses included."""
    pci_buses = _pci_buses(controllers)
    max_idx = max(pci_buses, default=-1)
    if max_idx > MAX_BUS:
        return {d.key: d.addr for d in devs if d.addr is not None}
    has_pcie_root = pci_buses.get(0) == PCIE_ROOT
    if max_idx >= 0:
        try:
            _dry_pass(devs, controllers, machine, pci_buses, max_idx, has_pcie_root,
                      add_controller)
        except NoRoom:
            pass                        # libvirt would refuse the domain; place what fits
        for d in devs:
            d.reset()
    real = _address_set(controllers, max(pci_buses, default=-1) + 1, False)
    found: Dict[object, Addr] = {}
    _collect(real, devs, machine)
    _fixed_places(real, devs, controllers, machine, found)
    _assign_slots(real, devs, controllers, found)
    out = {d.key: d.addr for d in devs if d.addr is not None}
    out.update(found)
    _set_multi(out)
    return out


def _dry_pass(devs, controllers, machine, pci_buses, max_idx, has_pcie_root,
              add_controller) -> None:
    """Rule 5: count the buses the devices need, adding the controllers libvirt adds."""
    dry = _address_set(controllers, max_idx + 1, True)
    _collect(dry, devs, machine)
    _fixed_places(dry, devs, controllers, machine, {})
    if pci_buses.get(0) == PCI_ROOT and not all(_full(b) for b in dry.buses):
        dry.reserve_next(AUTO | PCI_DEVICE)
    _assign_slots(dry, devs, controllers, {})
    if max_idx <= 0 and len(dry.buses) > max_idx + 1 and has_pcie_root:
        dry.reserve_next(AUTO | PCIE_DEVICE)
    index = 1
    while index < len(dry.buses):       # an added controller may need a bus of its own
        if index not in pci_buses:
            new = add_controller(index, dry.buses[index].model)
            _insert_controller(controllers, new)
            devs.append(new)
            pci_buses[index] = dry.buses[index].model
            dry.reserve_next(new.flags)
        index += 1


def _insert_controller(controllers: List[Dev], new: Dev) -> None:
    """Where libvirt inserts a controller with an index (virDomainControllerInsertPreAlloced):
    before the first one of its type with a higher index, else after the last of its type,
    else at the end."""
    at = -1
    for i in range(len(controllers) - 1, -1, -1):
        c = controllers[i]
        if c.info.get("type") != new.info.get("type"):
            continue
        if c.info.get("index", 0) > new.info["index"]:
            at = i
        elif at == -1:
            at = i + 1
    if at == -1:
        controllers.append(new)
    else:
        controllers.insert(at, new)


def _full(bus: Bus) -> bool:
    return all(bus.functions[s] for s in range(bus.min_slot, bus.max_slot + 1))


def _pci_buses(controllers: List[Dev]) -> Dict[int, str]:
    return {c.info["index"]: c.info["model"] for c in controllers
            if c.info.get("type") == "pci" and c.info.get("model")}


def _address_set(controllers: List[Dev], nbuses: int, dry_run: bool) -> AddressSet:
    models = {c.info["index"]: c.info["model"] for c in controllers
              if c.info.get("type") == "pci" and c.info.get("model")}
    root = models.get(0, PCI_ROOT)
    default = "pcie-root-port" if root == PCIE_ROOT else "pci-bridge"
    return AddressSet([models.get(i, root if i == 0 else default) for i in range(nbuses)],
                      dry_run)


def _collect(addrs: AddressSet, devs: List[Dev], machine: str) -> None:
    """Reserve every written address (qemuDomainCollectPCIAddress); the PIIX3's IDE and
    USB functions are reserved with the chipset (rule 3)."""
    for d in devs:
        if d.addr is None:
            continue
        if machine == "pc" and _piix3_function(d) is not None:
            continue
        addrs.reserve(Addr(d.addr.bus, d.addr.slot, d.addr.function), d.flags or PCI_DEVICE)


def _piix3_function(d: Dev) -> Optional[int]:
    """1 for the first IDE controller, 2 for a USB controller with index 0 of model
    piix3-uhci (or none given): the functions the PIIX3 chip has at slot 1 on pc."""
    if d.kind != "controller" or d.info.get("index") != 0:
        return None
    if d.info.get("type") == "ide":
        return 1
    if d.info.get("type") == "usb" and d.info.get("model") in (None, "piix3-uhci"):
        return 2
    return None


def _give(d: Dev, a: Addr, found: dict) -> None:
    d.addr = a
    d.wanted = False
    found[d.key] = a


def _fixed_places(addrs: AddressSet, devs, controllers, machine: str, found: dict) -> None:
    pci_fixed = AUTO | PCI_DEVICE
    videos = [d for d in devs if d.kind == "video"]
    if machine == "pc":
        for c in controllers:
            function = _piix3_function(c)
            if function is None:
                continue
            if c.addr is None:
                _give(c, Addr(0, 1, function), found)
            addrs.reserve(Addr(0, 1, function), pci_fixed)
        addrs.reserve(Addr(0, 1, 0), pci_fixed)
        addrs.reserve(Addr(0, 1, 3), pci_fixed)
        _primary_video(addrs, videos, 2, pci_fixed, found)
    elif machine == "q35":
        for c in controllers:
            t, model = c.info.get("type"), c.info.get("model")
            if t == "sata" and c.info.get("index") == 0 and c.addr is None:
                _give(c, Addr(0, 0x1F, 2), found)
                addrs.reserve(c.addr, PCIE_DEVICE)
            elif t == "usb" and model == "ich9-uhci1" and c.addr is None and c.wanted:
                for slot in (0x1D, 0x1A):
                    if not addrs.in_use(0, slot):
                        _give(c, Addr(0, slot, 0, True), found)
                        addrs.reserve(c.addr, PCIE_DEVICE)
                        break
            elif t == "pci" and model == "dmi-to-pci-bridge" and c.addr is None:
                if not addrs.in_use(0, 0x1E):
                    _give(c, Addr(0, 0x1E, 0), found)
                    addrs.reserve(c.addr, PCIE_DEVICE)
        addrs.reserve(Addr(0, 0x1F, 0, True), PCIE_DEVICE)
        addrs.reserve(Addr(0, 0x1F, 3), PCIE_DEVICE)
        _primary_video(addrs, videos, 1, PCIE_DEVICE, found)
        if not addrs.in_use(0, 0x1B):
            for d in devs:
                if d.kind == "sound" and d.info.get("model") == "ich9" and d.wanted:
                    _give(d, Addr(0, 0x1B, 0), found)
                    addrs.reserve(d.addr, PCIE_DEVICE)
                    break


def _primary_video(addrs: AddressSet, videos, slot: int, flags: int, found: dict) -> None:
    if not videos or not videos[0].info.get("pci"):
        return
    video = videos[0]
    if not video.wanted:
        return
    if addrs.in_use(0, slot):
        try:
            a = addrs.reserve_next(video.flags)
        except NoRoom:
            return
        if not addrs.dry_run:
            _give(video, a, found)
    else:
        a = Addr(0, slot, 0)
        addrs.reserve(a, flags)
        _give(video, a, found)


# The order of qemuDomainAssignDevicePCISlots after the PCI controllers; each kind's
# devices in document order.
ORDER = ("filesystem", "interface", "sound", "controller", "disk", "hostdev", "memballoon",
         "rng", "watchdog", "video", "shmem", "input", "serial", "iommu", "vsock", "memory",
         "crypto", "panic")


def _assign_slots(addrs: AddressSet, devs: List[Dev], controllers: List[Dev],
                  found: dict) -> None:
    def take(d: Dev, function: int = -1) -> None:
        if d.flags:
            try:
                a = addrs.reserve_next(d.flags, function)
            except NoRoom:
                return
            if not addrs.dry_run:       # a dry run only counts (libvirt's dryRun)
                _give(d, a, found)

    for c in controllers:
        if c.info.get("type") == "pci" and c.wanted and c.info.get("model") not in (PCI_ROOT, PCIE_ROOT):
            take(c)
    for kind in ORDER:
        group = controllers if kind == "controller" else [d for d in devs if d.kind == kind]
        for d in group:
            if not d.wanted or not d.flags:
                continue
            if kind == "controller":
                if d.info.get("type") == "pci":
                    continue
                if d.info.get("usb2"):
                    _usb2(addrs, d, controllers, found)
                    continue
            take(d)


_USB2_FUNCTION = {"ich9-ehci1": (7, None), "ich9-uhci1": (0, True), "ich9-uhci2": (1, None),
                  "ich9-uhci3": (2, None)}


def _usb2(addrs: AddressSet, d: Dev, controllers: List[Dev], found: dict) -> None:
    function, multi = _USB2_FUNCTION[d.info["model"]]
    mate = next((c for c in controllers if c.info.get("usb2") and c.addr is not None
                 and c.info.get("index") == d.info.get("index")), None)
    if mate is not None:
        a = Addr(mate.addr.bus, mate.addr.slot, function, multi)
        addrs.reserve(a, d.flags)
        _give(d, a, found)
        return
    try:
        a = addrs.reserve_next(d.flags, function)
    except NoRoom:
        return
    a.multi = multi
    if not addrs.dry_run:
        _give(d, a, found)


def _set_multi(out: Dict[object, Addr]) -> None:
    """multifunction='on' on function 0 of every slot with another function in use,
    unless written off."""
    slots = {(a.bus, a.slot) for a in out.values() if a.function != 0}
    for a in out.values():
        if a.function == 0 and (a.bus, a.slot) in slots and a.multi is None:
            a.multi = True
