"""A disk's block layer, as libvirt builds it for QEMU (qemu_block.c, qemu_command.c): the
image's nodes with -blockdev (Cap.BLOCKDEV), or the equivalent -drive …,if=none for older
QEMU. The guest's device (-device …,drive=) is backends/qemu/devices/disk.py's.

-blockdev (libvirt from QEMU 4.2 on): per disk with a medium, two JSON nodes named from the
disk's position, `libvirt-N-storage` (how QEMU reaches the bytes: file, host_device,
host_cdrom, nbd, http, https, iscsi, rbd, gluster) and `libvirt-N-format` on top of it (raw,
qcow2, …); N counts down from the number of disks, so the first disk has the highest N.
Then, where the XML asks, a `copy-on-read` filter (`libvirt-CoR-<target>`) and a `throttle`
filter for <iotune> (libvirt sets <iotune> through QMP once QEMU runs; a command line
can't, so virtc puts a throttle-group object and a filter node on top instead). The guest
device takes the top node.

-drive (older QEMU): one `-drive file=…,format=…,if=none,id=drive-<alias>` with the same
settings in -drive's spelling (cache=, aio=, discard=, detect-zeroes=, copy-on-read=,
throttling.*=).
"""
from __future__ import annotations

from typing import Dict, List, Optional, Set, Tuple

from ...compiler.devices.disk import QEMU421, QEMU422, QEMU423, Disk, DiskDevice, DiskType
from .context import QemuContext
from .opts import Json, Option, Opts

# cache= → (the device's write-cache, the nodes' cache.direct, cache.no-flush), libvirt's
# qemuDomainDiskCachemodeFlags.
CACHE_MODES: Dict[str, Tuple[bool, bool, bool]] = {
    "writeback": (True, False, False),
    "writethrough": (False, False, False),
    "none": (True, True, False),
    "directsync": (False, True, False),
    "unsafe": (True, False, True),
}
# <iotune> elements → QEMU's throttle limits (ThrottleLimits; -drive spells them
# throttling.<name>), in libvirt's order.
THROTTLE: Dict[str, str] = {}
for _kind in ("total", "read", "write"):
    for _what, _q in (("bytes", "bps"), ("iops", "iops")):
        _base = f"{_q}-{_kind}"
        THROTTLE[f"{_kind}_{_what}_sec"] = _base
        THROTTLE[f"{_kind}_{_what}_sec_max"] = f"{_base}-max"
        THROTTLE[f"{_kind}_{_what}_sec_max_length"] = f"{_base}-max-length"
THROTTLE["size_iops_sec"] = "iops-size"
# Network protocols: the QEMU block driver and the default port (libvirt's
# qemuBlockStorageSourceGetBackendProps).
NETWORK_DRIVERS: Dict[str, Tuple[str, Optional[int]]] = {
    "nbd": ("nbd", 10809), "http": ("http", 80), "https": ("https", 443),
    "ftp": ("ftp", 21), "ftps": ("ftps", 990), "iscsi": ("iscsi", 3260),
    "rbd": ("rbd", None), "gluster": ("gluster", 24007),
}


def cache_flags(disk: Disk) -> Optional[Tuple[bool, bool, bool]]:
    mode = disk.driver.cache if disk.driver is not None else None
    return CACHE_MODES.get(mode) if mode else None


def node_index(disk: Disk, disks) -> int:
    """N of libvirt-N-*: the first disk gets the number of disks, the last 1."""
    return len(disks) - next(i for i, d in enumerate(disks) if d is disk)


def detect_zeroes(disk: Disk) -> Optional[str]:
    """libvirt turns 'unmap' into 'on' unless discard='unmap' lets QEMU unmap."""
    driver = disk.driver
    if driver is None or driver.detect_zeroes is None:
        return None
    if driver.detect_zeroes == "unmap" and driver.discard != "unmap":
        return "on"
    return driver.detect_zeroes


def _cache_json(flags) -> Optional[Json]:
    if flags is None:
        return None
    return Json.of(("direct", flags[1]), ("no-flush", flags[2]))


def _storage(disk: Disk, fmt: str, name: str, ctx: QemuContext, path: str) -> Optional[Json]:
    """The protocol node: where the bytes are."""
    driver = disk.driver
    flags = cache_flags(disk)
    common = (("node-name", name), ("cache", _cache_json(flags)), ("auto-read-only", True),
              ("discard", "unmap"))
    if disk.type is DiskType.NETWORK:
        return _network(disk, name, ctx, common)
    if disk.type is DiskType.BLOCK:
        kind = "host_cdrom" if disk.device is DiskDevice.CDROM else "host_device"
    else:
        kind = "file"
    aio = driver.io if driver is not None else None
    return Json.of(("driver", kind), ("filename", path), ("aio", aio), *common)


def _network(disk: Disk, name: str, ctx: QemuContext, common) -> Optional[Json]:
    source = disk.source
    protocol = source.protocol if source is not None else None
    if protocol not in NETWORK_DRIVERS:
        ctx.diags.add(QEMU421, f"<source protocol='{protocol}'> on disk {disk.target_dev}:"
                      " QEMU has no block driver virtc can open it with", source.span,
                      hint="export the image over nbd, http(s) or iscsi, or use libvirt")
        return None
    driver, port = NETWORK_DRIVERS[protocol]
    if not _network_parts_fit(disk, driver, ctx):
        return None
    hosts = source.hosts
    host = hosts[0] if hosts else None
    hostname = host.name if host is not None else None
    hport = host.port if host is not None and host.port is not None else port
    volume = source.name or ""
    if driver == "nbd":
        socket = host.socket if host is not None else None
        server = (Json.of(("type", "unix"), ("path", socket)) if socket else
                  Json.of(("type", "inet"), ("host", hostname or "localhost"),
                          ("port", str(hport))))
        return Json.of(("driver", "nbd"), ("server", server),
                       ("export", source.name), *common)
    if driver in ("http", "https", "ftp", "ftps"):
        if not (disk.readonly or disk.device is DiskDevice.CDROM):
            ctx.diags.add(QEMU423, f"disk {disk.target_dev} over {driver} is writable, but"
                          f" QEMU reads {driver} only", source.span,
                          hint="add <readonly/> to the disk, or serve the image over nbd")
            return None
        where = f"{hostname}:{hport}" if host is not None and host.port is not None \
            else hostname
        url = f"{driver}://{where}/{volume.lstrip('/')}"
        return Json.of(("driver", driver), ("url", url), *common)
    if driver == "iscsi":
        target, _, lun = volume.rpartition("/")
        if not target:
            target, lun = volume, "0"
        return Json.of(("driver", "iscsi"), ("portal", f"{hostname}:{hport}"),
                       ("target", target), ("lun", int(lun or 0)),
                       ("transport", "tcp"), *common)
    if driver == "gluster":
        vol, _, path = volume.partition("/")
        servers = [Json.of(("type", "inet"), ("host", h.name),
                           ("port", str(h.port or port))) for h in hosts]
        return Json.of(("driver", "gluster"), ("volume", vol), ("path", path),
                       ("server", tuple(servers)), *common)
    pool, _, image = volume.partition("/")
    servers = tuple(Json.of(("host", h.name), ("port", str(h.port)) if h.port else ("port", None))
                    for h in hosts)
    return Json.of(("driver", "rbd"), ("pool", pool), ("image", image),
                   ("server", servers or None), *common)


def _network_parts_fit(disk: Disk, driver: str, ctx: QemuContext) -> bool:
    """What a network source says that these nodes don't carry is reported, not dropped:
    <auth> (its secret lives in libvirt's secret store), a transport other than tcp (or
    unix for nbd), and servers past the first where the protocol takes one."""
    from ...compiler.rules.codes import QEMU320

    source = disk.source
    ok = True
    if source.auth is not None:
        ctx.diags.add(QEMU320, f"<auth> of network disk {disk.target_dev} is valid libvirt XML"
                      " that virtc does not compile for QEMU: its secret is in libvirt's"
                      " secret store", source.auth.span,
                      hint="use a server that needs no login, or start this guest with"
                           " libvirt")
        ok = False
    for i, host in enumerate(source.hosts):
        transport = host.transport or "tcp"
        if transport not in ("tcp", "unix") or (transport == "unix" and driver != "nbd"):
            ctx.diags.add(QEMU421, f"<host transport='{transport}'> on disk"
                          f" {disk.target_dev}: QEMU's {driver} driver has no such transport",
                          host.span, hint="use transport='tcp' (or 'unix' for nbd)")
            ok = False
        elif i and driver not in ("rbd", "gluster"):
            ctx.diags.add(QEMU421, f"a second <host> on disk {disk.target_dev}: QEMU's"
                          f" {driver} driver takes one server", host.span,
                          hint="keep one <host>")
            ok = False
    return ok


def blockdevs(disk: Disk, index: int, fmt: str, path: str, readonly: bool,
              ctx: QemuContext, throttled: Set[str]) -> Tuple[List[Option], Optional[str]]:
    """The -blockdev nodes (and a throttle-group -object) of a disk with a medium, and the
    name of the top node the device takes; ([], None) when it can't be built."""
    storage, top = f"libvirt-{index}-storage", f"libvirt-{index}-format"
    node = _storage(disk, fmt, storage, ctx, path)
    if node is None:
        return [], None
    driver = disk.driver
    flags = cache_flags(disk)
    discard = driver.discard if driver is not None else None
    out = [Option("-blockdev", node, disk.span, (("filename", disk.source.span),)),
           Option("-blockdev", Json.of(("node-name", top), ("read-only", readonly),
                                       ("discard", discard),
                                       ("detect-zeroes", detect_zeroes(disk)),
                                       ("cache", _cache_json(flags)), ("driver", fmt),
                                       ("file", storage)), disk.span)]
    if driver is not None and driver.copy_on_read:
        cor = f"libvirt-CoR-{disk.target_dev}"
        out.append(Option("-blockdev", Json.of(("driver", "copy-on-read"), ("node-name", cor),
                                               ("file", top), ("discard", "unmap")),
                          driver.span))
        top = cor
    if disk.iotune is not None and disk.iotune.limits():
        group = disk.iotune.group_name or f"throttle-{disk.target_dev}"
        if group not in throttled:
            throttled.add(group)
            limits = Json.of(*((THROTTLE[k], v) for k, v in disk.iotune.limits()))
            out.append(Option("-object", Json.of(("qom-type", "throttle-group"), ("id", group),
                                                 ("limits", limits)), disk.iotune.span))
        filt = f"libvirt-{index}-throttle"
        out.append(Option("-blockdev", Json.of(("driver", "throttle"), ("node-name", filt),
                                               ("throttle-group", group), ("file", top),
                                               ("read-only", True if readonly else None)),
                          disk.iotune.span))
        top = filt
    return out, top


def drive_props(disk: Disk, ctx: QemuContext) -> Tuple[Tuple[str, object], ...]:
    """The block settings in -drive's spelling (QEMU before -blockdev)."""
    driver = disk.driver
    if driver is None and disk.iotune is None:
        return ()
    out: List[Tuple[str, object]] = []
    if driver is not None:
        out += [("cache", driver.cache), ("aio", driver.io), ("discard", driver.discard),
                ("detect-zeroes", detect_zeroes(disk)),
                ("copy-on-read", True if driver.copy_on_read else None)]
    if disk.iotune is not None:
        out += [(f"throttling.{THROTTLE[k]}", v) for k, v in disk.iotune.limits()]
        out.append(("throttling.group", disk.iotune.group_name))
    return tuple(out)


def network_needs_blockdev(disk: Disk, ctx: QemuContext) -> bool:
    """A network disk is built with -blockdev only (QEMU422 in older dialects)."""
    ctx.diags.add(QEMU422, f"<disk type='network'> ({disk.target_dev}) is compiled with"
                  " -blockdev, which this QEMU version lacks", disk.span,
                  hint="compile for QEMU 4.2 or later (--qemu-version), or use libvirt")
    return False
