"""QEMU dialects: named sets of capability flags, one per QEMU version.

Builders read flags, never versions. Each version states only what changed from the one
before it (added and removed flags). Sources for every change are in docs/qemu-dialects.md.
"""
from __future__ import annotations

import enum
import os
import re
from typing import Dict, FrozenSet, List, Optional, Sequence, Tuple
from ...compiler.node import Node

DEFAULT_VERSION = "7.2"


class Cap(enum.Enum):
    """One capability of the emulator's command line."""

    KQEMU = "kqemu"                      # -kernel-kqemu / -no-kqemu
    ENABLE_KVM = "enable-kvm"            # -enable-kvm
    MACHINE_OPT = "machine-opt"          # -machine TYPE,accel=…  (vs -M TYPE)
    MACHINE_ACPI = "machine-acpi"        # -machine …,acpi=off
    NO_ACPI = "no-acpi"                  # -no-acpi
    UUID = "uuid"                        # -uuid
    NAME_GUEST = "name-guest"            # -name guest=NAME (QemuOpts) vs -name NAME (raw)
    MEM_SUFFIX_K = "mem-suffix-k"        # -m 219200K
    DRIVE = "drive"                      # -drive (vs -hda/-cdrom/-fda)
    DRIVE_READONLY = "drive-readonly"    # -drive …,readonly=on
    DEVICE = "device"                    # -device DRIVER,…
    SCSI_DEVICE = "scsi-device"          # -device lsi + scsi-hd/scsi-cd (if=scsi is gone for pc)
    NETDEV = "netdev"                    # -netdev TYPE,id=… + -device MODEL,netdev=…
    NET_VLAN = "net-vlan"                # -net nic,vlan=N / -net TYPE,vlan=N
    NETDEV_BRIDGE = "netdev-bridge"      # -netdev bridge,br=… (qemu-bridge-helper)
    TAP_DOWNSCRIPT = "tap-downscript"    # tap …,downscript=
    BOOT_ORDER = "boot-order"            # -boot order=cdn (vs a single -boot d)
    RTC = "rtc"                          # -rtc base=localtime
    LOCALTIME = "localtime"              # -localtime
    DISPLAY = "display"                  # -display sdl|none
    SDL = "sdl"                          # -sdl
    VNC_TO = "vnc-to"                    # -vnc HOST:D,to=N
    CHARDEV = "chardev"                  # -chardev BACKEND,id=… + -serial chardev:ID
    ONOFF_BOOLEANS = "onoff-booleans"    # key=on/key=off (vs bare key / nokey)
    ACTION = "action"                    # -action panic=…
    NODEFAULTS = "nodefaults"            # -nodefaults: no NIC, serial, parallel, VGA, CD-ROM unless asked
    VGA_OPTION = "vga-option"            # -vga std
    RNG = "rng"                          # -object rng-random/rng-egd + -device virtio-rng-pci
    RNG_BUILTIN = "rng-builtin"          # -object rng-builtin
    VIRTIO_TRANSITIONAL = "virtio-transitional"  # virtio-*-pci-(non-)transitional devices
    BALLOON_STATS_POLLING = "balloon-stats-polling"  # virtio-balloon guest-stats-polling-interval=
    BALLOON_DEFLATE_ON_OOM = "balloon-deflate-on-oom"  # virtio-balloon deflate-on-oom=on
    BALLOON_FREE_PAGE_REPORTING = "balloon-free-page-reporting"  # free-page-reporting=on
    PVPANIC_PCI = "pvpanic-pci"          # -device pvpanic-pci
    FLOPPY_DEVICE = "floppy-device"      # -device floppy,unit=N,drive= (vs -global isa-fdc.driveA=)
    BLOCKDEV = "blockdev"                # -blockdev JSON nodes + -device …,drive=NODE (vs -drive)
    MACHINE_PFLASH = "machine-pflash"    # -blockdev + -machine pflash0=,pflash1= (vs -drive if=pflash)
    MEM_PATH = "mem-path"                # -mem-path DIR, -mem-prealloc (guest RAM in a file)
    MEMORY_BACKEND = "memory-backend"    # -object memory-backend-ram|file + -numa node,memdev=
    MEM_HOTPLUG = "mem-hotplug"          # -m size=…,slots=…,maxmem=… + -device pc-dimm
    MEMFD = "memfd"                      # -object memory-backend-memfd
    NUMA_DIST = "numa-dist"              # -numa dist,src=,dst=,val=
    IOTHREAD = "iothread"                # -object iothread,id=…,poll-max-ns=…
    OVERCOMMIT = "overcommit"            # -overcommit mem-lock=on
    MACHINE_MEMORY_BACKEND = "machine-memory-backend"  # -machine memory-backend=pc.ram
    PREALLOC_THREADS = "prealloc-threads"  # memory-backend-*,prealloc-threads=N
    IOTHREAD_POOL = "iothread-pool"      # -object iothread,thread-pool-min=,thread-pool-max=
    NO_HPET = "no-hpet"                  # -no-hpet
    MACHINE_HPET = "machine-hpet"        # -machine …,hpet=off
    MACHINE_VMPORT = "machine-vmport"    # -machine …,vmport=on|off
    MACHINE_SMM = "machine-smm"          # -machine …,smm=on|off + -global mch.extended-tseg-mbytes
    KVM_PIT_POLICY = "kvm-pit-policy"    # -global kvm-pit.lost_tick_policy=delay|discard
    DISABLE_S3 = "disable-s3"            # -global PIIX4_PM|ICH9-LPC.disable_s3|disable_s4=0|1
    VMCOREINFO = "vmcoreinfo"            # -device vmcoreinfo
    SMP_TOPOLOGY = "smp-topology"        # -smp N,maxcpus=,sockets=,cores=,threads=
    SMP_DIES = "smp-dies"                # -smp …,dies=
    SMP_CLUSTERS = "smp-clusters"        # -smp …,clusters=
    CPU_FEATURE_PROPS = "cpu-feature-props"  # -cpu MODEL,feat=on (vs +feat / -feat)
    CPU_MAX = "cpu-max"                  # -cpu max
    CPU_MIGRATABLE = "cpu-migratable"    # -cpu host,migratable=on|off
    CPU_CACHE = "cpu-cache"              # -cpu …,host-cache-info=, l3-cache=
    ACPI_INDEX = "acpi-index"            # -device …,acpi-index=N (PCI devices)
    VIRTIO_INPUT = "virtio-input"        # -device virtio-{mouse,tablet,keyboard,input-host}-pci
    INPUT_LINUX = "input-linux"          # -object input-linux,evdev=… (a host evdev device)
    AUDIODEV = "audiodev"                # -audiodev id=…,driver=… + audiodev= on each card
    SOUNDHW = "soundhw"                  # -soundhw ac97|es1370|sb16|pcspk
    HDA_AUDIO = "hda-audio"              # -device intel-hda|ich9-intel-hda + hda-*, usb-audio
    MACHINE_PCSPK_AUDIODEV = "machine-pcspk-audiodev"  # -machine …,pcspk-audiodev=ID
    # Spellings: what libvirt writes where QEMU takes two forms (see SPELLINGS below).
    ACCEL = "accel"                      # -accel kvm|tcg (vs -machine …,accel=)
    OBJECT_JSON = "object-json"          # -object '{"qom-type":…,"id":…}'
    DEVICE_JSON = "device-json"          # -device '{"driver":…,"id":…}'
    NETDEV_JSON = "netdev-json"          # -netdev '{"type":…,"id":…}'
    SPICE = "spice"                      # -spice, -chardev spicevmc, usb-redir, usb-ccid
    SPICE_UNIX = "spice-unix"            # -spice unix=on,addr=PATH
    SPICE_GL = "spice-gl"                # -spice gl=on,rendernode=
    SPICEPORT = "spiceport"              # -chardev spiceport,name=
    SPICE_PASSWORD_SECRET = "spice-password-secret"  # -spice password-secret=ID
    VNC_PASSWORD_SECRET = "vnc-password-secret"  # -vnc …,password-secret=ID
    QEMU_VDAGENT = "qemu-vdagent"        # -chardev qemu-vdagent,clipboard=,mouse=
    USB_REDIR_FILTER = "usb-redir-filter"  # -device usb-redir,filter=
    KVM_DIRTY_RING = "kvm-dirty-ring"    # -accel kvm,dirty-ring-size=N (with ACCEL)
    IVSHMEM_LEGACY = "ivshmem-legacy"    # -device ivshmem,size=,shm=|chardev= (0.13 to 3.1)
    IVSHMEM_PLAIN = "ivshmem-plain"      # -device ivshmem-plain|ivshmem-doorbell (from 2.6)
    COMPAT = "compat"                    # -compat deprecated-output=,deprecated-input=
    AUDIODEV_JSON = "audiodev-json"      # -audiodev '{"id":…,"driver":…,"in":{…}}' (spelling)


class Dialect(Node):
    version: str
    caps: FrozenSet[Cap]

    def has(self, cap: Cap) -> bool:
        return cap in self.caps

    @property
    def qemu_version(self) -> str:
        """The QEMU release ("7.2"), without the spelling's suffix ("7.2+libvirt")."""
        return self.version.split("+", 1)[0]


class UnknownDialect(ValueError):
    def __init__(self, version: str, suggestions: Sequence[str]):
        self.version = version
        self.suggestions = list(suggestions)
        hint = f"; did you mean {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"unknown QEMU version {version!r}{hint}"
                         f" (known: {', '.join(known_versions())})")


# (version, added, removed), oldest first. Each row changes the row before it.
_CHANGES: Tuple[Tuple[str, FrozenSet[Cap], FrozenSet[Cap]], ...] = (
    ("0.9", frozenset({Cap.KQEMU, Cap.NO_ACPI, Cap.NET_VLAN, Cap.LOCALTIME, Cap.SDL,
                       Cap.NO_HPET, Cap.SOUNDHW}),
     frozenset()),
    ("0.12", frozenset({Cap.MEM_PATH, Cap.NODEFAULTS, Cap.VGA_OPTION, Cap.ENABLE_KVM, Cap.UUID, Cap.DRIVE, Cap.DEVICE, Cap.NETDEV,
                        Cap.TAP_DOWNSCRIPT, Cap.BOOT_ORDER, Cap.RTC, Cap.ONOFF_BOOLEANS,
                        Cap.SMP_TOPOLOGY}),
     frozenset({Cap.KQEMU})),
    ("1.1", frozenset({Cap.MACHINE_OPT, Cap.NAME_GUEST, Cap.MEM_SUFFIX_K, Cap.DRIVE_READONLY,
                       Cap.SCSI_DEVICE, Cap.NETDEV_BRIDGE, Cap.DISPLAY, Cap.VNC_TO,
                       Cap.CHARDEV, Cap.SPICE, Cap.IVSHMEM_LEGACY}),
     frozenset()),
    ("2.12", frozenset({Cap.RNG, Cap.BALLOON_STATS_POLLING, Cap.BALLOON_DEFLATE_ON_OOM,
                        Cap.MEMORY_BACKEND, Cap.MEM_HOTPLUG, Cap.MEMFD, Cap.NUMA_DIST,
                        Cap.IOTHREAD, Cap.MACHINE_VMPORT, Cap.MACHINE_SMM, Cap.KVM_PIT_POLICY,
                        Cap.DISABLE_S3, Cap.VMCOREINFO, Cap.CPU_FEATURE_PROPS, Cap.CPU_MAX,
                        Cap.CPU_MIGRATABLE, Cap.CPU_CACHE, Cap.FLOPPY_DEVICE,
                        Cap.SPICE_UNIX, Cap.SPICE_GL, Cap.SPICEPORT,
                        Cap.USB_REDIR_FILTER, Cap.VIRTIO_INPUT, Cap.INPUT_LINUX,
                        Cap.HDA_AUDIO, Cap.IVSHMEM_PLAIN}),
     frozenset()),
    ("3.0", frozenset(), frozenset({Cap.NET_VLAN})),
    ("3.1", frozenset({Cap.OVERCOMMIT}), frozenset({Cap.LOCALTIME})),
    ("4.2", frozenset({Cap.BLOCKDEV, Cap.AUDIODEV}), frozenset({Cap.IVSHMEM_LEGACY})),
    ("5.0", frozenset({Cap.MACHINE_ACPI, Cap.RNG_BUILTIN, Cap.VIRTIO_TRANSITIONAL,
                       Cap.MACHINE_PFLASH, Cap.MACHINE_MEMORY_BACKEND, Cap.PREALLOC_THREADS,
                       Cap.SMP_DIES}),
     frozenset()),
    ("6.0", frozenset({Cap.COMPAT, Cap.ACTION, Cap.PVPANIC_PCI, Cap.BALLOON_FREE_PAGE_REPORTING,
                       Cap.MACHINE_HPET, Cap.SPICE_PASSWORD_SECRET, Cap.VNC_PASSWORD_SECRET,
                       Cap.ACPI_INDEX, Cap.MACHINE_PCSPK_AUDIODEV}), frozenset()),
    ("7.1", frozenset({Cap.IOTHREAD_POOL, Cap.SMP_CLUSTERS, Cap.QEMU_VDAGENT,
                       Cap.KVM_DIRTY_RING}),
     frozenset({Cap.SDL, Cap.SOUNDHW})),
    ("7.2", frozenset(), frozenset()),
    ("8.0", frozenset(), frozenset()),
    ("9.0", frozenset(), frozenset({Cap.NO_ACPI, Cap.NO_HPET})),
    ("10.0", frozenset(), frozenset()),
)


# libvirt's spelling of a version: where QEMU takes both an older and a newer form of an
# option and libvirt 9.0 writes the newer one, these flags switch virtc to it. (version,
# added), oldest first; a version gets every row not newer than it. A document written for
# today's libvirt always gets them (backends/qemu/__init__.py); a 2007-style document keeps
# virtc's key=value spelling, which the seed-era snapshots freeze, unless its dialect is
# named "X.Y+libvirt". Sources in docs/qemu-dialects.md.
SPELLING_SUFFIX = "+libvirt"
_LIBVIRT_SPELLING: Tuple[Tuple[str, FrozenSet[Cap]], ...] = (
    ("4.2", frozenset({Cap.AUDIODEV_JSON})),
    ("5.0", frozenset({Cap.ACCEL})),
    ("6.0", frozenset({Cap.OBJECT_JSON})),
    ("7.1", frozenset({Cap.DEVICE_JSON})),
    ("7.2", frozenset({Cap.NETDEV_JSON})),
)


def _build_table() -> Dict[str, Dialect]:
    table: Dict[str, Dialect] = {}
    caps: FrozenSet[Cap] = frozenset()
    for version, added, removed in _CHANGES:
        caps = (caps - removed) | added
        table[version] = Dialect(version, caps)
    return table


def libvirt_spelling(dialect: Dialect) -> Dialect:
    """`dialect` with libvirt 9.0's spellings for its QEMU version, under the same name:
    what a document written for today's libvirt gets (backends/qemu/__init__.py)."""
    return Dialect(dialect.version, _spelled_caps(dialect))


def _with_spelling(dialect: Dialect) -> Dialect:
    return Dialect(dialect.version + SPELLING_SUFFIX, _spelled_caps(dialect))


def _spelled_caps(dialect: Dialect) -> FrozenSet[Cap]:
    wanted = _key(dialect.qemu_version)
    caps = set(dialect.caps)
    for version, added in _LIBVIRT_SPELLING:
        if _key(version) <= wanted:
            caps |= added
    return frozenset(caps)


_DIALECTS = _build_table()


def known_versions() -> List[str]:
    return list(_DIALECTS)


def _key(version: str) -> Tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def get_dialect(version: str) -> Dialect:
    """The dialect named "X.Y" (or "X.Y.Z", read as X.Y), or "X.Y+libvirt" for the same
    version spelled as libvirt 9.0 spells it. Unknown names raise, with suggestions: a user
    who types a version means that exact set of options."""
    text = version.strip()
    spelled = text.endswith(SPELLING_SUFFIX)
    base = text[:-len(SPELLING_SUFFIX)] if spelled else text
    if re.fullmatch(r"\d+\.\d+(\.\d+)?", base):
        major_minor = ".".join(base.split(".")[:2])
        if major_minor in _DIALECTS:
            dialect = _DIALECTS[major_minor]
            return _with_spelling(dialect) if spelled else dialect
    raise UnknownDialect(version, _suggest(text))


def nearest_dialect(version: str) -> Dialect:
    """For a *detected* version: the newest dialect not newer than it.

    Every flag change we track is dated on a row, so e.g. 8.2 gets the 8.0 row exactly.
    Past the newest documented major we'd be guessing, so that raises UnknownDialect.
    """
    match = re.fullmatch(r"(\d+)\.(\d+)(?:\.\d+)?", version.strip())
    if not match:
        raise UnknownDialect(version, _suggest(version))
    wanted = (int(match.group(1)), int(match.group(2)))
    older = [v for v in _DIALECTS if _key(v) <= wanted]
    if not older or wanted >= (_key(known_versions()[-1])[0] + 1, 0):
        raise UnknownDialect(version, _suggest(version))
    return _DIALECTS[older[-1]]


def _suggest(text: str) -> List[str]:
    import difflib

    return difflib.get_close_matches(text, known_versions(), n=3, cutoff=0.5)


def _cache_file() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "virtc", "qemu-versions.json")


def _read_cache(path: str) -> Dict[str, str]:
    import json

    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _write_cache(path: str, data: Dict[str, str]) -> None:
    import json

    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, sort_keys=True)
        os.replace(tmp, path)
    except OSError:
        pass  # a cache we can't write only costs a re-run next time


_VERSION_RE = r"QEMU (?:PC )?emulator version (\d+)\.(\d+)(?:\.(\d+))?"


def detect_version(emulator_path: str) -> Optional[str]:
    """Run `EMU --version` and return "X.Y.Z" (or "X.Y"); None when it can't be run.

    Cached by (realpath, mtime, size): an upgraded binary changes mtime and size.
    """
    import shutil

    found = shutil.which(emulator_path) or emulator_path
    try:
        real = os.path.realpath(found)
        st = os.stat(real)
    except OSError:
        return None
    key = f"{real}|{st.st_mtime_ns}|{st.st_size}"
    cache_path = _cache_file()
    cache = _read_cache(cache_path)
    if key in cache:
        return cache[key]
    import subprocess    # only here: a compile with a cached or given version never forks

    try:
        proc = subprocess.run([real, "--version"], capture_output=True, text=True, timeout=5,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(_VERSION_RE, proc.stdout or "")
    if proc.returncode != 0 or not match:
        return None
    version = ".".join(g for g in match.groups() if g is not None)
    cache[key] = version
    _write_cache(cache_path, cache)
    return version
