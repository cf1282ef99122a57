"""Launch facts of a QEMU argv, read the way QEMU reads it, for comparing virtc with libvirt.

An argv (libvirt's `virsh domxml-to-native qemu-argv` output or virtc's) becomes a flat
dict of facts: `machine.family`, `cpu.model`, `smp.cores`, `memory.bytes`,
`disk[0].driver`, `disk[0].file`, `nic[1].mac`, `controller[3].addr`, and so on. Devices are
grouped by what they are (disk, nic, controller, video, ...) and numbered in argv order
within their group. Both tools emit a group in the document's order, so `nic[1]` is the
second `<interface>` on both sides, whatever alias each tool gave it.

Both option syntaxes are read, by tests/qemuopts.option_dict: QEMU's `key=value,…` and the
JSON objects that `-device`, `-object`, `-netdev`, `-blockdev` and `-audiodev` accept. Values
are normalised to what QEMU makes of them (`on`/`true`, `0x02`/`0x2`), never to what either
tool happens to spell, so a fact differs only where the guest or its host wiring differs.
"""
from __future__ import annotations

import shlex
from typing import Dict, List, Optional, Tuple

from qemuopts import option_dict

# Switches that take no argument (every other -flag takes one).
SWITCHES = {
    "-S", "-no-user-config", "-nodefaults", "-no-hpet", "-no-shutdown", "-no-reboot",
    "-enable-kvm", "-no-acpi", "-nographic", "-daemonize", "-snapshot", "-full-screen",
    "-no-kvm", "-localtime", "-usb", "-sdl", "-no-fd-bootchk", "-mem-prealloc",
    "-enable-fips",
}


# Device groups: driver name → group. Anything not listed is "other".
GROUPS: Dict[str, str] = {}
for _group, _drivers in {
    "disk": ("virtio-blk-pci", "virtio-blk", "scsi-hd", "scsi-cd", "scsi-block", "ide-hd",
             "ide-cd", "ide-drive", "usb-storage", "floppy", "isa-fdc", "virtio-blk-pci-non-transitional",
             "virtio-blk-pci-transitional"),
    "nic": ("virtio-net-pci", "virtio-net", "e1000", "e1000e", "rtl8139", "ne2k_pci", "pcnet",
            "vmxnet3", "i82559er", "virtio-net-pci-non-transitional",
            "virtio-net-pci-transitional", "usb-net", "spapr-vlan"),
    "controller": ("pcie-root-port", "pci-bridge", "i82801b11-bridge", "pcie-pci-bridge",
                   "pxb", "pxb-pcie", "x3130-upstream", "xio3130-downstream", "qemu-xhci",
                   "nec-usb-xhci", "ich9-usb-ehci1", "ich9-usb-uhci1", "ich9-usb-uhci2",
                   "ich9-usb-uhci3", "piix3-usb-uhci", "piix4-usb-uhci", "usb-ehci",
                   "pci-ohci", "virtio-scsi-pci", "lsi", "megasas", "mptsas1068", "ahci",
                   "virtio-serial-pci", "virtio-serial", "usb-ccid", "pvscsi"),
    "video": ("VGA", "cirrus-vga", "qxl-vga", "qxl", "virtio-vga", "virtio-gpu-pci",
              "bochs-display", "ramfb", "vmware-svga", "virtio-vga-gl", "virtio-gpu-gl-pci"),
    "channel": ("virtserialport",),
    "console": ("virtconsole",),
    "serial": ("isa-serial", "pci-serial", "usb-serial", "isa-parallel"),
    "rng": ("virtio-rng-pci", "virtio-rng-pci-non-transitional"),
    "balloon": ("virtio-balloon-pci", "virtio-balloon-pci-non-transitional"),
    "tpm": ("tpm-tis", "tpm-crb", "tpm-spapr"),
    "watchdog": ("i6300esb", "ib700", "diag288"),
    "sound": ("ich9-intel-hda", "intel-hda", "AC97", "ES1370", "sb16", "usb-audio",
              "hda-duplex", "hda-micro", "hda-output", "pcspk"),
    "fs": ("vhost-user-fs-pci", "virtio-9p-pci"),
    "input": ("usb-tablet", "usb-mouse", "usb-kbd", "virtio-tablet-pci", "virtio-mouse-pci",
              "virtio-keyboard-pci", "virtio-input-host-pci"),
    "redirdev": ("usb-redir",),
    "hostdev": ("vfio-pci", "usb-host"),
    "panic": ("pvpanic", "pvpanic-pci", "isa-pvpanic"),
    "vsock": ("vhost-vsock-pci",),
    "memory": ("pc-dimm", "nvdimm", "virtio-mem-pci", "virtio-pmem-pci"),
    "iommu": ("intel-iommu", "virtio-iommu-pci"),
    "smartcard": ("ccid-card-emulated", "ccid-card-passthru"),
    "shmem": ("ivshmem-plain", "ivshmem-doorbell"),
}.items():
    for _driver in _drivers:
        GROUPS[_driver] = _group

# Per device: which properties are facts (the rest is tuning that the tests compare
# elsewhere, or identifiers that only name things).
DEVICE_KEYS = ("driver", "bus", "addr", "multifunction", "port", "chassis", "unit", "lun",
               "scsi-id", "channel", "nr", "name", "mac", "bootindex", "cad", "masterbus",
               "firstport", "tag", "mount_tag", "guest-cid", "index", "p2", "p3", "heads",
               "max_outputs", "vgamem_mb", "vram_size", "ram_size")


class Argv:
    """An argv split into (flag, value) pairs, its options parsed."""

    def __init__(self, argv: List[str]):
        start = next((i for i, a in enumerate(argv) if "qemu-system" in a or "qemu-kvm" in a), 0)
        self.emulator = argv[start]
        self.options: List[Tuple[str, Optional[str]]] = []
        i = start + 1
        while i < len(argv):
            flag = argv[i]
            if flag in SWITCHES or i + 1 >= len(argv):
                self.options.append((flag, None))
                i += 1
            else:
                self.options.append((flag, argv[i + 1]))
                i += 2

    @classmethod
    def from_shell(cls, text: str) -> "Argv":
        return cls(shlex.split(text))

    def values(self, flag: str) -> List[str]:
        return [v for f, v in self.options if f == flag and v is not None]

    def has(self, flag: str) -> bool:
        return any(f == flag for f, _ in self.options)

    def parsed(self, flag: str) -> List[Dict[str, object]]:
        return [option_dict(flag, v) for v in self.values(flag)]


def _norm(key: str, value: object) -> object:
    """What QEMU makes of a property value, so spellings don't count as differences."""
    if isinstance(value, bool):
        return "on" if value else "off"
    text = str(value)
    if text in ("true", "yes"):
        return "on"
    if text in ("false", "no"):
        return "off"
    if key == "addr":
        slot, _, func = text.partition(".")
        return f"{int(slot, 16):#x}" + (f".{int(func, 16):#x}" if func and int(func, 16) else "")
    if key in ("port", "chassis", "nr", "unit", "bootindex", "cad", "index", "firstport", "lun",
               "scsi-id", "channel", "p2", "p3", "heads", "max_outputs", "vgamem_mb"):
        try:
            return int(text, 0)
        except ValueError:
            return text
    return text


def _size_bytes(text: str, bare: int = 1 << 20) -> int:
    """QEMU's size syntax: suffixes k/M/G/T are binary; a bare number is in `bare` units
    (MiB for -m and its maxmem=)."""
    text = str(text).strip()
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "b": 1}
    if text and text[-1].lower() in units:
        return int(float(text[:-1]) * units[text[-1].lower()])
    return int(text) * bare


def machine_family(name: str) -> str:
    if "q35" in name:
        return "q35"
    if name in ("pc",) or "i440fx" in name or name.startswith("pc-"):
        return "pc"
    return name


def facts(argv: Argv) -> Dict[str, object]:
    """Every launch fact the comparison looks at, keyed by a stable name."""
    out: Dict[str, object] = {}

    machines = argv.parsed("-machine") or argv.parsed("-M")
    machine = machines[0] if machines else {}
    out["machine.family"] = machine_family(str(machine.get("type", "pc")))
    accel = None
    if argv.parsed("-accel"):
        accel = argv.parsed("-accel")[0].get("accel")
    elif machine.get("accel"):
        accel = machine["accel"]
    elif argv.has("-enable-kvm"):
        accel = "kvm"
    out["accel"] = str(accel or "tcg").split(":")[0]

    cpus = argv.parsed("-cpu")
    out["cpu.model"] = str(cpus[0]["model"]) if cpus else "qemu64"

    smp = argv.parsed("-smp")
    if smp:
        s = {k: int(str(v)) for k, v in smp[0].items()}
        n = s.get("cpus", 1)
        maxcpus = s.get("maxcpus", n)
        threads = s.get("threads", 1)
        cores = s.get("cores", 1)
        dies = s.get("dies", 1)
        clusters = s.get("clusters", 1)
        sockets = s.get("sockets", maxcpus // max(1, threads * cores * dies * clusters))
        out.update({"smp.cpus": n, "smp.maxcpus": maxcpus, "smp.sockets": sockets,
                    "smp.dies": dies, "smp.clusters": clusters, "smp.cores": cores,
                    "smp.threads": threads})
    else:
        out.update({"smp.cpus": 1})

    mem = argv.parsed("-m")
    if mem:
        out["memory.bytes"] = _size_bytes(str(mem[0].get("size")))
        for key in ("maxmem", "slots"):
            if key in mem[0]:
                out[f"memory.{key}"] = (_size_bytes(str(mem[0][key])) if key == "maxmem"
                                        else int(str(mem[0][key])))

    for flag, key in (("-kernel", "os.kernel"), ("-initrd", "os.initrd"), ("-append", "os.cmdline")):
        if argv.values(flag):
            out[key] = argv.values(flag)[0]
    nodes = [n for n in argv.parsed("-numa") if n.get("type", "node") == "node"]
    if nodes:
        out["numa.nodes"] = len(nodes)
    out["display"] = display_kind(argv)
    _devices(argv, out)
    return out


def display_kind(argv: Argv) -> str:
    kinds = []
    if argv.values("-vnc"):
        kinds.append("vnc")
    if argv.values("-spice"):
        kinds.append("spice")
    for d in argv.parsed("-display"):
        kinds.append(str(d.get("type")))
    if argv.has("-nographic"):
        kinds.append("none")
    if argv.has("-sdl"):
        kinds.append("sdl")
    return "+".join(kinds) or "default"


def _objects(argv: Argv) -> Dict[str, Dict[str, object]]:
    found: Dict[str, Dict[str, object]] = {}
    for flag in ("-object", "-chardev", "-netdev", "-blockdev", "-drive", "-tpmdev", "-fsdev",
                 "-audiodev"):
        for value in argv.parsed(flag):
            ident = value.get("id") or value.get("node-name")
            if ident is not None:
                found[f"{flag}:{ident}"] = value
    return found


def _disk_file(drive_id: str, objects: Dict[str, Dict[str, object]]) -> Optional[str]:
    """Follow -device drive= to a file: through -drive, or -blockdev format → storage."""
    if f"-drive:{drive_id}" in objects:
        return _str_or_none(objects[f"-drive:{drive_id}"].get("file"))
    node = objects.get(f"-blockdev:{drive_id}")
    seen = 0
    while node is not None and seen < 8:
        child = node.get("file")
        if isinstance(child, dict):
            node = child
        elif node.get("filename"):
            return str(node["filename"])
        elif isinstance(child, str) and f"-blockdev:{child}" in objects:
            node = objects[f"-blockdev:{child}"]
        else:
            return _str_or_none(child)
        seen += 1
    return None


def _str_or_none(value: object) -> Optional[str]:
    return None if value is None else str(value)


# Drives given without -device (seed-era -drive if=…) still attach a disk; read them as
# the device QEMU creates for them.
_IF_DRIVER = {"ide": ("ide-hd", "ide-cd"), "virtio": ("virtio-blk-pci",) * 2,
              "scsi": ("scsi-hd", "scsi-cd"), "floppy": ("floppy",) * 2}


# libvirt builds controllers type by type (qemuBuildControllersCommandLine: PCI, USB, SCSI,
# IDE, SATA, FDC, virtio-serial, CCID); their order on the command line means nothing to the
# guest, since each has its address, so both argvs are read in that order.
_CONTROLLER_RANK = {
    **dict.fromkeys(("pcie-root-port", "pci-bridge", "i82801b11-bridge", "pcie-pci-bridge",
                     "pxb", "pxb-pcie", "x3130-upstream", "xio3130-downstream"), 0),
    **dict.fromkeys(("qemu-xhci", "nec-usb-xhci", "ich9-usb-ehci1", "ich9-usb-uhci1",
                     "ich9-usb-uhci2", "ich9-usb-uhci3", "piix3-usb-uhci", "piix4-usb-uhci",
                     "usb-ehci", "pci-ohci"), 1),
    **dict.fromkeys(("virtio-scsi-pci", "lsi", "megasas", "mptsas1068", "pvscsi"), 2),
    "ahci": 4, "virtio-serial-pci": 6, "virtio-serial": 6, "usb-ccid": 7,
}


def _controllers_in_libvirts_order(options):
    def rank(option) -> Optional[int]:
        flag, value = option
        if flag != "-device" or value is None:
            return None
        return _CONTROLLER_RANK.get(str(option_dict(flag, value).get("driver")))

    ranks = [rank(o) for o in options]
    slots = [i for i, r in enumerate(ranks) if r is not None]
    ordered = sorted(slots, key=lambda i: (ranks[i], i))
    out = list(options)
    for slot, source in zip(slots, ordered):
        out[slot] = options[source]
    return out


def _devices(argv: Argv, out: Dict[str, object]) -> None:
    objects = _objects(argv)
    counts: Dict[str, int] = {}

    def add(group: str, props: Dict[str, object]) -> str:
        index = counts.get(group, 0)
        counts[group] = index + 1
        prefix = f"{group}[{index}]"
        for key in DEVICE_KEYS:
            if key in props and props[key] is not None:
                out[f"{prefix}.{key}"] = _norm(key, props[key])
        return prefix

    for flag, value in _controllers_in_libvirts_order(argv.options):
        if flag == "-drive" and value is not None:
            drive = option_dict(flag, value)
            iface = str(drive.get("if", "ide"))
            if iface in _IF_DRIVER:
                media = 1 if drive.get("media") == "cdrom" else 0
                index = int(str(drive.get("index", 0)))
                props: Dict[str, object] = {"driver": _IF_DRIVER[iface][media]}
                if iface == "ide":
                    props.update({"bus": f"ide.{index // 2}", "unit": index % 2})
                prefix = add("disk", props)
                out[f"{prefix}.file"] = _str_or_none(drive.get("file"))
            continue
        if flag in ("-serial", "-parallel") and value is not None \
                and value.startswith("chardev:"):
            # QEMU makes an isa-serial / isa-parallel device for each of these.
            dev = {"driver": "isa-serial" if flag == "-serial" else "isa-parallel",
                   "chardev": value[len("chardev:"):]}
        elif flag != "-device" or value is None:
            continue
        else:
            dev = option_dict(flag, value)
        driver = str(dev.get("driver"))
        group = GROUPS.get(driver, "other")
        prefix = add(group, dev)
        if group == "disk" and dev.get("drive") is not None:
            out[f"{prefix}.file"] = _disk_file(str(dev["drive"]), objects)
        if group in ("channel", "console", "serial", "redirdev") and dev.get("chardev") is not None:
            chardev = objects.get(f"-chardev:{dev['chardev']}", {})
            out[f"{prefix}.backend"] = str(chardev.get("backend"))
            if chardev.get("backend") == "spicevmc":
                out[f"{prefix}.spicevmc"] = str(chardev.get("name"))
        if group == "rng" and dev.get("rng") is not None:
            obj = objects.get(f"-object:{dev['rng']}", {})
            out[f"{prefix}.backend"] = str(obj.get("qom-type"))
            if obj.get("filename"):
                out[f"{prefix}.source"] = str(obj["filename"])
        if group == "tpm" and dev.get("tpmdev") is not None:
            out[f"{prefix}.backend"] = str(objects.get(f"-tpmdev:{dev['tpmdev']}", {}).get("type"))
        if group == "nic" and dev.get("netdev") is not None:
            netdev = objects.get(f"-netdev:{dev['netdev']}", {})
            out[f"{prefix}.netdev"] = str(netdev.get("type"))
    for group, count in sorted(counts.items()):
        out[f"{group}.count"] = count
    # The watchdog's action is the device's behaviour (libvirt: -watchdog-action; QEMU 6+
    # also -action watchdog=). Other -action settings are libvirt's daemon's business.
    for value in argv.parsed("-action"):
        if "watchdog" in value:
            out["watchdog.action"] = str(value["watchdog"])
    for value in argv.values("-watchdog-action"):
        out["watchdog.action"] = value
