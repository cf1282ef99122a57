"""What QEMU must show for a libvirt domain, read from libvirt's own XML (`virsh dumpxml
--inactive`, with the addresses libvirt assigned), never from virtc's output.

Each reader takes the `<domain>` element and returns plain data that a test compares with
QMP's answers (tests/test_qemu_corpus_qmp.py):

- pci(): every device with a PCI `<address>`, keyed by its path from the root bus: libvirt's
  bus N is the PCI controller with index N, which has an address of its own, so a device on
  bus N sits under that bridge in query-pci's tree, whatever number the firmware gave it;
- disks(): every `<disk>` by the id libvirt gives its QEMU device;
- chardevs(): every serial port, console, parallel port and channel by its chardev id;
- vcpus(): the socket/die/core/thread ids of the vCPUs that are online at start;
- memory(): the guest's base and hot-plugged RAM in bytes.

The PCI identities (vendor, device, class) are QEMU's: docs/specs/pci-ids.rst (1af4, 1b36),
include/hw/pci/pci_ids.h (classes, Intel and other vendors) and each device's class_init
in hw/ (e.g. hw/net/e1000e.c, hw/audio/intel-hda.c). A model that isn't in the table is an
error naming it, so the table grows with the corpus, one sourced fact at a time.
"""
from __future__ import annotations

from typing import Dict, List, NamedTuple, Optional, Tuple

from lxml import etree

Path = Tuple[Tuple[int, int], ...]        # ((slot, function), ...) from the root bus down


class PciId(NamedTuple):
    vendor: int
    device: int
    klass: int


# virtio device ids (virtio spec 5.x) → (transitional PCI device id, PCI class). A modern
# (virtio 1.0 only) device is 0x1040 + the virtio id (docs/specs/pci-ids.rst).
VIRTIO = {
    "net": (1, 0x1000, 0x0200), "blk": (2, 0x1001, 0x0100), "balloon": (5, 0x1002, 0x00ff),
    "console": (3, 0x1003, 0x0780), "scsi": (8, 0x1004, 0x0100),
    "rng": (4, 0x1005, 0x00ff), "9p": (9, 0x1009, 0x0002),
    # modern only in QEMU (no legacy id): virtio-gpu, virtio-input, vhost-user-fs, vsock
    "gpu": (16, None, 0x0380), "vga": (16, None, 0x0300), "input": (18, None, 0x0980),
    "fs": (26, None, 0x0180), "vsock": (19, None, 0x00ff),
}

# libvirt model → QEMU device's (vendor, device, class)
FIXED = {
    # controllers
    ("pci", "pcie-root-port"): PciId(0x1b36, 0x000c, 0x0604),
    ("pci", "pci-bridge"): PciId(0x1b36, 0x0001, 0x0604),
    ("pci", "pcie-to-pci-bridge"): PciId(0x1b36, 0x000e, 0x0604),
    ("pci", "dmi-to-pci-bridge"): PciId(0x8086, 0x244e, 0x0604),     # i82801b11-bridge
    ("usb", "qemu-xhci"): PciId(0x1b36, 0x000d, 0x0c03),
    ("usb", "nec-xhci"): PciId(0x1033, 0x0194, 0x0c03),
    ("usb", "ich9-ehci1"): PciId(0x8086, 0x293a, 0x0c03),
    ("usb", "ich9-uhci1"): PciId(0x8086, 0x2934, 0x0c03),
    ("usb", "ich9-uhci2"): PciId(0x8086, 0x2935, 0x0c03),
    ("usb", "ich9-uhci3"): PciId(0x8086, 0x2936, 0x0c03),
    ("usb", "piix3-uhci"): PciId(0x8086, 0x7020, 0x0c03),
    ("usb", "piix4-uhci"): PciId(0x8086, 0x7112, 0x0c03),
    ("sata", None): PciId(0x8086, 0x2922, 0x0106),                    # ich9-ahci
    ("ide", None): PciId(0x8086, 0x7010, 0x0101),                     # piix3-ide
    ("scsi", "lsilogic"): PciId(0x1000, 0x0012, 0x0100),              # lsi53c895a
    # NICs
    ("interface", "e1000"): PciId(0x8086, 0x100e, 0x0200),
    ("interface", "e1000e"): PciId(0x8086, 0x10d3, 0x0200),
    ("interface", "rtl8139"): PciId(0x10ec, 0x8139, 0x0200),
    # video: the primary card is the VGA-class one
    ("video", "vga"): PciId(0x1234, 0x1111, 0x0300),
    ("video", "cirrus"): PciId(0x1013, 0x00b8, 0x0300),
    ("video", "bochs"): PciId(0x1234, 0x1111, 0x0380),                # bochs-display
    ("video", "qxl"): PciId(0x1b36, 0x0100, 0x0300),                  # qxl-vga
    ("video", "qxl-secondary"): PciId(0x1b36, 0x0100, 0x0380),        # qxl
    # sound
    ("sound", "ich9"): PciId(0x8086, 0x293e, 0x0403),                 # ich9-intel-hda
    ("sound", "ich6"): PciId(0x8086, 0x2668, 0x0403),                 # intel-hda
    ("sound", "ac97"): PciId(0x8086, 0x2415, 0x0401),
    ("sound", "es1370"): PciId(0x1274, 0x5000, 0x0401),
    # others
    ("watchdog", "i6300esb"): PciId(0x8086, 0x25ab, 0x0880),
    ("shmem", None): PciId(0x1af4, 0x1110, 0x0500),                   # ivshmem
    ("serial", "pci-serial"): PciId(0x1b36, 0x0002, 0x0700),
}

PCIE_PORTS = ("pcie-root-port", "pcie-switch-downstream-port")


class UnknownModel(Exception):
    pass


def pci_address(el) -> Optional[Tuple[int, int, int]]:
    address = el.find("address")
    if address is None or address.get("type") != "pci":
        return None
    return tuple(int(address.get(k), 16) for k in ("bus", "slot", "function"))


def _controllers(devices) -> Dict[int, "etree._Element"]:
    return {int(c.get("index", "0")): c for c in devices.findall("controller")
            if c.get("type") == "pci"}


def bus_paths(devices) -> Dict[int, Path]:
    """libvirt bus number → its path: bus 0 is the root; bus N is behind PCI controller N."""
    controllers = _controllers(devices)
    paths: Dict[int, Path] = {}

    def path(n: int, depth: int = 0) -> Path:
        if n in paths:
            return paths[n]
        where = pci_address(controllers[n]) if n in controllers else None
        if n == 0 or where is None or depth > 32:
            paths[n] = ()
        else:
            paths[n] = path(where[0], depth + 1) + ((where[1], where[2]),)
        return paths[n]

    for n in controllers:
        path(n)
    return paths


def pci(domain) -> Dict[Path, Tuple[str, PciId]]:
    """Path → (a label naming the device in the XML, the identity QEMU must show)."""
    devices = domain.find("devices")
    paths = bus_paths(devices)
    controllers = _controllers(devices)
    out: Dict[Path, Tuple[str, PciId]] = {}
    videos = 0
    for el in devices:
        where = pci_address(el)
        if where is None:
            continue
        bus, slot, function = where
        on_port = (controllers.get(bus) is not None
                   and controllers[bus].get("model") in PCIE_PORTS)
        label = _label(el)
        if el.tag == "video":
            videos += 1
        out[paths.get(bus, ()) + ((slot, function),)] = (
            label, identity(el, on_port, primary=el.tag != "video" or videos == 1))
    return out


def _label(el) -> str:
    kind = el.get("type") or el.get("model") or ""
    model = el.find("model")
    extra = model.get("type") if model is not None and model.get("type") else el.get("model")
    return f"<{el.tag} {kind}{' ' + extra if extra and extra != kind else ''}> line {el.sourceline}"


def identity(el, on_port: bool, primary: bool = True) -> PciId:
    tag = el.tag
    model_el = el.find("model")
    model_type = model_el.get("type") if model_el is not None else None
    if tag == "controller":
        kind, model = el.get("type"), el.get("model")
        if kind == "virtio-serial":
            return _virtio("console", model, on_port)
        if kind == "scsi" and (model or "").startswith("virtio"):
            return _virtio("scsi", model, on_port)
        key = (kind, model if kind in ("pci", "usb", "scsi") else None)
    elif tag == "disk" and el.find("target").get("bus") == "virtio":
        return _virtio("blk", el.get("model"), on_port)
    elif tag == "interface" and (model_type or "").startswith("virtio"):
        return _virtio("net", model_type, on_port)
    elif tag == "interface":
        key = ("interface", model_type)
    elif tag in ("memballoon", "rng") and (el.get("model") or "").startswith("virtio"):
        return _virtio("balloon" if tag == "memballoon" else "rng", el.get("model"), on_port)
    elif tag == "video" and model_type == "virtio":
        return _virtio("vga" if primary else "gpu", None, on_port)
    elif tag == "video":
        key = ("video", "qxl-secondary" if model_type == "qxl" and not primary else model_type)
    elif tag == "filesystem":
        driver = el.find("driver")
        virtiofs = driver is not None and driver.get("type") == "virtiofs"
        return _virtio("fs" if virtiofs else "9p", el.get("model"), on_port)
    elif tag == "vsock":
        return _virtio("vsock", el.get("model"), on_port)
    elif tag == "input" and el.get("bus") == "virtio":
        # hw/virtio/virtio-input-pci.c: keyboards and mice have their own PCI class
        klass = {"keyboard": 0x0900, "mouse": 0x0902}.get(el.get("type"), 0x0980)
        return _virtio("input", el.get("model"), on_port)._replace(klass=klass)
    elif tag == "serial":
        target = el.find("target")
        key = ("serial", target.get("type") if target is not None else None)
    elif tag == "shmem":
        key = ("shmem", None)
    else:
        key = (tag, el.get("model"))
    if key not in FIXED:
        raise UnknownModel(f"no PCI identity known for {_label(el)} ({key}); add QEMU's "
                           "vendor, device and class ids to tests/libvirt_expect.py")
    return FIXED[key]


def _virtio(kind: str, model: Optional[str], on_port: bool) -> PciId:
    """A virtio-*-pci device is transitional (legacy id) unless QEMU makes it modern only:
    its model says virtio-non-transitional, QEMU has no legacy id for it, or it sits on a
    PCI Express port (disable-legacy=auto; hw/virtio/virtio-pci.c)."""
    vid, legacy, klass = VIRTIO[kind]
    modern = (legacy is None or model == "virtio-non-transitional"
              or (on_port and model != "virtio-transitional"))
    return PciId(0x1af4, 0x1040 + vid if modern else legacy, klass)


# ------------------------------------------------------------------------------ disks

class Disk(NamedTuple):
    qdev: str                    # the id libvirt gives the disk's QEMU device
    file: Optional[str]          # the image, None for an empty drive
    read_only: bool
    fmt: Optional[str]
    removable: bool              # a CD-ROM or floppy: QEMU shows its tray
    line: int


def disks(domain) -> List[Disk]:
    out = []
    for el in domain.findall("devices/disk"):
        source = el.find("source")
        driver = el.find("driver")
        device = el.get("device", "disk")
        out.append(Disk(disk_alias(el, domain), source.get("file") or source.get("dev")
                        if source is not None else None,
                        el.find("readonly") is not None or device in ("cdrom",),
                        driver.get("type") if driver is not None else None,
                        device in ("cdrom", "floppy"), el.sourceline))
    return out


def disk_alias(el, domain) -> str:
    """libvirt's qemuAssignDeviceDiskAlias: the bus name plus the drive address for IDE,
    SATA and floppy (controller-bus-unit), SCSI (controller-bus-target-unit, as libvirt's
    argv for q35-virtio-scsi-disks shows: scsi0-0-0-1, except on an lsilogic HBA:
    controller-bus-unit); virtio-disk<N> and usb-disk<N> from the target name."""
    target = el.find("target")
    bus, dev = target.get("bus"), target.get("dev")
    address = el.find("address")
    if bus in ("ide", "sata", "scsi", "fdc") and address is not None:
        c, b, t, u = (int(address.get(k, "0")) for k in ("controller", "bus", "target", "unit"))
        hba = domain.find(f"devices/controller[@type='scsi'][@index='{c}']")
        if bus == "scsi" and (hba is None or hba.get("model") != "lsilogic"):
            return f"scsi{c}-{b}-{t}-{u}"
        return f"{bus}{c}-{b}-{u}"
    return f"{'virtio' if bus == 'virtio' else bus}-disk{disk_index(dev)}"


def disk_index(dev: str) -> int:
    """vda → 0, vdz → 25, vdaa → 26 (libvirt's virDiskNameToIndex)."""
    for prefix in ("fd", "hd", "vd", "sd", "xvd", "ubd"):
        if dev.startswith(prefix):
            dev = dev[len(prefix):]
            break
    index = 0
    for ch in dev:
        if not ch.islower():
            break
        index = index * 26 + (ord(ch) - ord("a") + 1)
    return index - 1


# --------------------------------------------------------------------- character devices

class Chardev(NamedTuple):
    id: str
    kind: str                    # the XML's type=: pty, file, unix, tcp, spicevmc, …
    path: Optional[str]
    line: int


def chardevs(domain) -> List[Chardev]:
    """Serial ports, parallel ports, consoles and channels, each by libvirt's chardev id
    (char + alias; the alias is the element's name and its index among its kind). A
    console on serial port 0 is that serial port: libvirt gives it no chardev of its own."""
    devices = domain.find("devices")
    out = []
    serials = devices.findall("serial")
    for tag in ("serial", "parallel", "console", "channel"):
        for n, el in enumerate(devices.findall(tag)):
            target = el.find("target")
            if tag == "console" and n == 0 and serials and target is not None \
                    and target.get("type", "serial") == "serial":
                continue
            source = el.find("source")
            path = source.get("path") if source is not None else None
            out.append(Chardev(f"char{tag}{n}", el.get("type"), path, el.sourceline))
    return out


# ----------------------------------------------------------------------------- CPUs

def vcpus(domain, online_only: bool = True) -> List[Dict[str, int]]:
    """The vCPUs' topology ids, of those online at start or of every possible one (<vcpu>,
    the hot-pluggable slots): vCPU i is thread i % threads of core i / threads, and so on
    up (QEMU's x86 topology); without <topology> libvirt gives one socket per vCPU
    (-smp N,sockets=N,cores=1,threads=1)."""
    vcpu = domain.find("vcpu")
    total = int(vcpu.text)
    online = int(vcpu.get("current", total)) if online_only else total
    topo = domain.find("cpu/topology")
    if topo is None:
        sockets, dies, cores, threads = total, 1, 1, 1
    else:
        sockets, dies, cores, threads = (int(topo.get(k, "1")) for k in (
            "sockets", "dies", "cores", "threads"))
    out = []
    for i in range(online):
        out.append({"socket-id": i // (threads * cores * dies),
                    "die-id": (i // (threads * cores)) % dies,
                    "core-id": (i // threads) % cores, "thread-id": i % threads})
    return out


# --------------------------------------------------------------------------- memory

UNITS = {"b": 1, "bytes": 1, "kb": 10**3, "k": 2**10, "kib": 2**10, "mb": 10**6,
         "m": 2**20, "mib": 2**20, "gb": 10**9, "g": 2**30, "gib": 2**30, "tb": 10**12,
         "t": 2**40, "tib": 2**40}


def size(el, default_unit: str = "KiB") -> int:
    """A libvirt scaled integer in bytes (the unit defaults to KiB, as for <memory>)."""
    return int(el.text) * UNITS[el.get("unit", default_unit).lower()]


def memory(domain) -> Dict[str, int]:
    """<memory> is all the guest's RAM, hot-plugged DIMMs included: QEMU's base memory is
    <memory> less the DIMMs (libvirt's initial memory, -m), and the DIMMs are plugged."""
    total = size(domain.find("memory"))
    plugged = sum(size(el.find("target/size")) for el in domain.findall("devices/memory"))
    return {"base-memory": total - plugged, "plugged-memory": plugged}
