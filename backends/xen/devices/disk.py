"""<disk> on Xen (compiler/devices/disk.py): xm's disk list with its fda/fdb and old cdrom
keys, xl's key=value disk specs, and both read back into IR disks.

- formats: xl's format= is raw, qcow, qcow2, vhd or qed (libxlu_disk_l.l); xm carries a
  format only after tap:/tap2: (tap:qcow2:/p), "aio" for raw;
- <driver name> → xl backendtype as libvirt's xenFormatXLDisk maps it (phy → phy, tap/tap2 →
  tap, qemu → qdisk); reading back, libvirt's xenParseXLDisk: phy → a block disk with
  driver phy, tap → tap, qdisk → qemu; xm's prefix (file:, phy:, tap:aio:) is the driver;
- rbd network disks (xl only): target=rbd:POOL/IMAGE:auth_supported=none:mon_host=…, the
  monitors "host:port" joined by ";", each ':' and ';' escaped with a backslash for rbd
  (libvirt's xenFormatXLDiskSrcNet; the xl string doubles each backslash);
- <readonly/> is mode r / access=ro; <shareable/> is xend's mode w! (xl's access= has no
  shared mode: libxlu refuses libvirt's "!", so virtc reports it, XEN460).

Writing mirrors libvirt's xenFormatXM / xenFormatXLDisk; reading is their inverse, after
libvirt's xenParseXMDisk and xl-disk-configuration(5). xl also reads xm's old syntax, so both
readers are here. The dialect modules (xm.py, xl.py) place these keys in their key order, so
this module has no generic `build`.
"""
from __future__ import annotations

import re
from typing import Dict, List, Optional, Tuple

from ....compiler.devices.disk import (Disk, DiskBus, DiskDevice, DiskDriver, DiskHost,
                                       DiskSource, DiskTarget, DiskType, Readonly,
                                       Shareable, bus_for_target)
from ....compiler.diagnostics import Span
from ....compiler.rules.codes import (XEN407, XEN408, XEN409, XEN410, XEN411, XEN412,
                                      XEN427, XEN428, XEN433, XEN460, XEN463)
from ..common import Builder, Config
from ..dialects import CDROM_KEY, IOEMU_DISK_PREFIX
from ..import_values import ConfigReader

FLOPPY_KEYS = ("fda", "fdb")
# xend <= 3.0.2 takes the HVM CD-ROM at this target from the top-level cdrom key.
OLD_CDROM_TARGET = "hdc"
IOEMU_PREFIX = "ioemu:"
# <driver name> → libxl backendtype; None: let libxl choose (the file backends).
BACKENDTYPES = {"phy": "phy", "tap": "tap", "tap2": "tap", "qemu": "qdisk", "file": None}
RAW_FORMATS = (None, "raw", "aio")
# xl's format= values (libxlu_disk_l.l); libvirt writes "xvhd" for vhd, which xl refuses.
XL_FORMATS = ("raw", "qcow", "qcow2", "vhd", "qed")

# The backend prefix of a disk's `uname` when no <driver name> says otherwise.
DISK_PREFIX: Dict[DiskType, Optional[str]] = {
    DiskType.FILE: "file",
    DiskType.BLOCK: "phy",
    DiskType.NETWORK: None,       # no xm spelling (XEN460)
}

# Suffix on the target device; floppies (None) leave the disk list for the fda/fdb keys.
DISK_DEVICE_SUFFIX: Dict[DiskDevice, Optional[str]] = {
    DiskDevice.DISK: "",
    DiskDevice.CDROM: ":cdrom",
    DiskDevice.FLOPPY: None,
}

# xm has no bus key: Xen infers the bus from the target name. Buses with no name prefix
# of their own (empty tuple) can't be expressed.
DISK_BUS_PREFIXES: Dict[DiskBus, Tuple[str, ...]] = {
    DiskBus.IDE: ("hd",),
    DiskBus.SCSI: ("sd",),
    DiskBus.XEN: ("xvd",),
    DiskBus.FDC: ("fd",),
    DiskBus.VIRTIO: (),
    DiskBus.USB: (),
    DiskBus.SATA: (),
}

# Driver names xend knows as block backends. tap/tap2 take a sub-type (aio, qcow, …).
DISK_DRIVERS = ("file", "phy", "tap", "tap2")
TAP_DRIVERS = ("tap", "tap2")

ENUM_TABLES = (
    (DiskType, DISK_PREFIX),
    (DiskDevice, DISK_DEVICE_SUFFIX),
    (DiskBus, DISK_BUS_PREFIXES),
)


# ------------------------------------------------------------------ xm

def build_xm_floppies(b: Builder, config: Config) -> None:
    for disk in b.domain.devices.disks:
        if disk.device is not DiskDevice.FLOPPY:
            continue
        if not b.hvm:
            b.report(XEN411, f"floppy {disk.target_dev!r}: paravirtualized guests have no "
                     "floppy controller", disk.span, hint="remove the floppy disk")
        elif disk.target_dev not in FLOPPY_KEYS:
            b.report(XEN411, f"floppy target dev {disk.target_dev!r}: xm has keys for fda "
                     "and fdb only", disk.target.span,
                     hint="use target dev='fda' or 'fdb'")
        elif disk.path is None:
            b.report(XEN411, f"floppy {disk.target_dev!r} has no <source>; xm can't "
                     "describe an empty floppy drive", disk.span)
        else:
            if disk.readonly:
                b.report(XEN412, f"floppy {disk.target_dev!r}: <readonly/> can't be "
                         "expressed in the fda/fdb keys; ignored",
                         disk.readonly.span)
            config.set(disk.target_dev, disk.path)


def _disk_prefix(b: Builder, disk: Disk) -> Optional[str]:
    name, fmt = disk.driver_name, disk.driver_type
    if name is None:
        if fmt is not None:
            b.report(XEN409, f"<driver type={fmt!r}> without a driver name can't be "
                     f"expressed; {DISK_PREFIX[disk.type]}: is used",
                     (disk.driver or disk).span,
                     hint=f"use <driver name='tap' type={fmt!r}/>")
        return DISK_PREFIX[disk.type] + ":"
    if name not in DISK_DRIVERS:
        b.report(XEN408, f"<driver name={name!r}> is not a Xen block backend",
                 (disk.driver or disk).span,
                 hint="use name='file', 'phy', 'tap' or 'tap2'")
        return None
    if name in TAP_DRIVERS:
        # blktap spells a raw image "aio", the asynchronous-I/O raw driver.
        sub = "aio" if fmt in (None, "raw", "aio") else fmt
        return f"{name}:{sub}:"
    if fmt not in (None, "raw"):
        b.report(XEN409, f"<driver name={name!r} type={fmt!r}>: only the tap drivers carry "
                 "an image format in xm; the type is ignored", (disk.driver or disk).span,
                 hint=f"use <driver name='tap' type={fmt!r}/>")
    return name + ":"


def _is_old_cdrom(b: Builder, disk: Disk) -> bool:
    return (b.hvm and b.has(CDROM_KEY) and disk.device is DiskDevice.CDROM
            and disk.target_dev == OLD_CDROM_TARGET)


def build_xm_old_cdrom(b: Builder, config: Config) -> None:
    """xend <= 3.0.2: the first hdc CD-ROM with media becomes `cdrom = "path"`."""
    for disk in b.domain.devices.disks:
        if not _is_old_cdrom(b, disk):
            continue
        if disk.path is None or "cdrom" in config:
            b.report(XEN433, f"CD-ROM {disk.target_dev!r}: xend {b.dialect.version} carries "
                     "one HVM CD-ROM, with media, in its cdrom key; this one is dropped",
                     disk.span, hint="use --xen-version 3.0.3 or later for empty or extra "
                     "CD-ROM drives")
            continue
        config.set("cdrom", disk.path)


def disk_entry(b: Builder, disk: Disk) -> Optional[str]:
    suffix = DISK_DEVICE_SUFFIX[disk.device]
    if suffix is None or _is_old_cdrom(b, disk):
        return None
    prefixes = DISK_BUS_PREFIXES[disk.target_bus]
    if not prefixes:
        b.report(XEN410, f"<target dev={disk.target_dev!r} bus='{disk.target_bus.value}'>: "
                 "xm has no bus field and Xen has no such bus; the bus is ignored",
                 disk.target.span,
                 hint="name the target hdX (IDE), sdX (SCSI) or xvdX (Xen)")
    if not (b.no_separator("disk source", disk.path,
                           (disk.source or disk).span, "disk")
            and b.no_separator("target dev", disk.target_dev,
                               disk.target.span, "disk")):
        return None
    if disk.type is DiskType.NETWORK:
        b.report(XEN460, f"<disk type='network'> ({disk.target_dev}): an xm disk entry "
                 "carries a file or device path only", disk.span,
                 hint="compile for xen-xl (rbd volumes), or map the volume on the host "
                 "(rbd map) and use <disk type='block'>")
        return None
    if disk.path is None:
        if disk.device is not DiskDevice.CDROM:
            b.report(XEN407, f"disk {disk.target_dev!r} has no <source>; only cdroms can "
                     "be empty", disk.span)
            return None
        source = ""
    else:
        prefix = _disk_prefix(b, disk)
        if prefix is None:
            return None
        source = prefix + disk.path
    # xend's shared-writable mode is w! (libvirt's xm writer spells it "!", which xend's
    # blkif doesn't take); read-only wins, as in libvirt.
    mode = "r" if disk.readonly else ("w!" if disk.shareable else "w")
    ioemu = IOEMU_PREFIX if b.hvm and b.has(IOEMU_DISK_PREFIX) else ""
    return f"{source},{ioemu}{disk.target_dev}{suffix},{mode}"


def build_xm_disks(b: Builder, config: Config) -> None:
    entries = [disk_entry(b, disk) for disk in b.domain.devices.disks]
    kept = [e for e in entries if e is not None]
    if kept:
        config.set("disk", kept)



# ------------------------------------------------------------------ xl

def _backendtype(b: Builder, disk: Disk) -> tuple:
    """(ok, backendtype or None)."""
    name = disk.driver_name
    if name is None:
        return True, ("phy" if disk.type is DiskType.BLOCK else None)
    if name not in BACKENDTYPES:
        b.report(XEN408, f"<driver name={name!r}> is not an xl disk backend",
                 (disk.driver or disk).span,
                 hint="use name='phy', 'tap', 'qemu' (qdisk) or 'file', or drop <driver>")
        return False, None
    return True, BACKENDTYPES[name]


def disk_spec(b: Builder, disk: Disk) -> Optional[str]:
    if disk.device is DiskDevice.FLOPPY:
        b.report(XEN411, f"floppy {disk.target_dev!r}: xl has no floppy drives", disk.span,
                 hint="remove the floppy, or compile for xen-xm")
        return None
    if not DISK_BUS_PREFIXES[disk.target_bus]:
        b.report(XEN410, f"<target dev={disk.target_dev!r} bus='{disk.target_bus.value}'>: "
                 "xl has no bus field and Xen has no such bus; the bus is ignored",
                 disk.target.span,
                 hint="name the target hdX (IDE), sdX (SCSI) or xvdX (Xen)")
    if not b.no_separator("target dev", disk.target_dev, disk.target.span,
                          "disk"):
        return None
    if disk.path is None and disk.device is not DiskDevice.CDROM:
        b.report(XEN407, f"disk {disk.target_dev!r} has no <source>; only cdroms can be "
                 "empty", disk.span)
        return None
    ok, backend = _backendtype(b, disk)
    if not ok:
        return None
    fmt = "raw" if disk.driver_type in RAW_FORMATS else disk.driver_type
    if fmt not in XL_FORMATS:
        b.report(XEN460, f"<driver type={fmt!r}> on disk {disk.target_dev}: xl's format= "
                 "is raw, qcow, qcow2, vhd or qed", (disk.driver or disk).span,
                 hint="convert the image (qemu-img convert -O qcow2) and say type='qcow2'")
        return None
    if disk.shareable is not None and not disk.readonly:
        b.report(XEN460, f"<shareable/> on disk {disk.target_dev}: xl's access= is r, ro, "
                 "w or rw, with no shared mode (libxlu refuses libvirt's '!')",
                 disk.shareable.span, hint="drop <shareable/>, or compile for xen-xm "
                 "(mode w!)")
        return None
    target = disk.path
    if disk.type is DiskType.NETWORK:
        target = rbd_target(b, disk)
        if target is None:
            return None
    fields: List[str] = [f"format={fmt}", f"vdev={disk.target_dev}",
                         f"access={'ro' if disk.readonly else 'rw'}"]
    if backend is not None:
        fields.append(f"backendtype={backend}")
    if disk.device is DiskDevice.CDROM:
        fields.append("devtype=cdrom")
    if target is not None:
        fields.append(f"target={target}")
    return ",".join(fields)


def _rbd_host(host: DiskHost) -> str:
    name = host.name or ""
    if ":" in name:                       # an IPv6 address, bracketed with its colons escaped
        name = "[" + name.replace(":", "\\:") + "]"
    return name + (f"\\:{host.port}" if host.port else "")


def rbd_target(b: Builder, disk: Disk) -> Optional[str]:
    """libvirt's xenFormatXLDiskSrcNet: "rbd:POOL/IMAGE:auth_supported=none[:mon_host=…]",
    the monitors joined by an escaped ';', each port after an escaped ':'."""
    src = disk.source
    if src.protocol != "rbd":
        b.report(XEN460, f"<source protocol={src.protocol!r}> on disk {disk.target_dev}: "
                 "xl's target= takes rbd volumes only", src.span,
                 hint="map the volume on the host and use <disk type='block'>")
        return None
    if ":" in (src.name or ":"):
        b.report(XEN460, f"rbd volume name {src.name!r}: ':' separates rbd's options, "
                 "so a volume name can't hold one", src.span)
        return None
    text = f"rbd:{src.name}"
    auth = src.auth
    if auth is not None and auth.username:
        # cephx as a user with no key in the config: librbd takes the key from the host's
        # keyring (libvirt's xl driver writes auth_supported=none and drops the user).
        b.report(XEN463, f"<auth username={auth.username!r}>: the secret's key is not "
                 f"written; librbd reads client.{auth.username}'s key from the host's "
                 "keyring", auth.span, hint=f"put the key in /etc/ceph/ceph.client."
                 f"{auth.username}.keyring on the Xen host")
        user = auth.username.replace("\\", "\\\\").replace(":", "\\:")
        text += f":id={user}:auth_supported=cephx\\;none"
    else:
        text += ":auth_supported=none"
    if src.hosts:
        text += ":mon_host=" + "\\;".join(_rbd_host(h) for h in src.hosts)
    return text


def build_xl_disks(b: Builder, config: Config) -> None:
    specs = [disk_spec(b, disk) for disk in b.domain.devices.disks]
    kept = [s for s in specs if s is not None]
    if kept:
        config.set("disk", kept)



# ------------------------------------------------------------------ import

_MODES = {"r": True, "ro": True, "w": False, "rw": False, "": False}
_SHARED_MODES = ("w!", "!")
_XL_FLAGS = ("cdrom", "direct-io-safe", "discard", "no-discard", "colo")
# xl's backendtype → (disk type, <driver name>), as libvirt's xenParseXLDisk reads it.
_BACKENDTYPES = {"phy": (DiskType.BLOCK, "phy"), "tap": (DiskType.FILE, "tap"),
                 "qdisk": (DiskType.FILE, "qemu")}
# xm's source prefixes that name the driver (libvirt's xenParseXMDisk keeps it as <driver>).
_XM_PREFIXES = (("file:", DiskType.FILE, "file"), ("phy:", DiskType.BLOCK, "phy"))
_RBD = "rbd:"
# rbd's option separators, and the escapes it reads inside a value (mon_host's \: and \;).
_RBD_SPLIT = re.compile(r"(?<!\\):")
_RBD_HOSTS = re.compile(r"\\[;, ]")


def _disk(dtype: DiskType, device: DiskDevice, path: Optional[str], dev: str, span: Span,
          readonly: bool = False, driver_name: Optional[str] = None,
          driver_type: Optional[str] = None, shareable: bool = False,
          source: Optional[DiskSource] = None) -> Disk:
    """An IR disk from one entry; every part points at the entry's span. The bus is the one
    the target name implies (compiler/devices/disk.py), written out by the XML writer."""
    if source is None and path is not None:
        source = DiskSource(span=span, **{"file" if dtype is DiskType.FILE else "dev": path})
    driver = None
    if driver_name is not None or driver_type is not None:
        driver = DiskDriver(driver_name, driver_type, span=span)
    return Disk(dtype, device, driver=driver, source=source,
                target=DiskTarget(dev, bus_for_target(dev), span=span),
                readonly=Readonly(span=span) if readonly else None,
                shareable=Shareable(span=span) if shareable else None, span=span)


def _source_prefix(src: str) -> Tuple[DiskType, Optional[str], Optional[str], str]:
    """(type, driver name, driver type, path) from "file:/p", "phy:/d", "tap:aio:/p"…"""
    for prefix, dtype, name in _XM_PREFIXES:
        if src.startswith(prefix):
            return dtype, name, None, src[len(prefix):]
    m = re.match(r"(tap2?):([a-z0-9]+):", src)
    if m:
        # blktap's aio is its raw driver: libvirt's xenParseXMDisk reads it as format raw.
        fmt = "raw" if m.group(2) == "aio" else m.group(2)
        return DiskType.FILE, m.group(1), fmt, src[m.end():]
    m = re.match(r"(raw|qcow2?|vhd|qed):", src)
    if m:
        fmt = None if m.group(1) == "raw" else m.group(1)
        return DiskType.FILE, None, fmt, src[m.end():]
    return DiskType.FILE, None, None, src


def _target(dev: str) -> Tuple[str, DiskDevice]:
    if dev.startswith("ioemu:"):          # xend <= 3.0.2's HVM spelling
        dev = dev[len("ioemu:"):]
    name, _, kind = dev.partition(":")
    return name, (DiskDevice.CDROM if kind == "cdrom" else DiskDevice.DISK)


def _mode(r: ConfigReader, mode: str, span: Span, xl: bool) -> Optional[Tuple[bool, bool]]:
    """(readonly, shareable) from an xm mode or xl access; None (reported) when unknown."""
    mode = mode.strip()
    if mode in _SHARED_MODES and not xl:
        return False, True                # xend's shared writable mode: <shareable/>
    if mode not in _MODES:
        wanted = "r, ro, w or rw (xl has no shared mode)" if xl else "r, w or w!"
        r.report(XEN427, f"disk mode {mode!r}: expected {wanted}", span)
        return None
    return _MODES[mode], False


def xm_disk(r: ConfigReader, entry: str, span: Span, xl: bool = False) -> Optional[Disk]:
    fields = entry.split(",")
    if len(fields) < 2:
        r.report(XEN427, f"disk entry {entry!r}: expected SOURCE,TARGET,MODE", span)
        return None
    for extra in fields[3:]:
        r.report(XEN428, f"disk entry field {extra!r} has no domain XML equivalent; ignored",
                 span)
    dtype, name, fmt, path = _source_prefix(fields[0])
    dev, device = _target(fields[1].strip())
    mode = _mode(r, fields[2] if len(fields) > 2 else "w", span, xl)
    if mode is None or not dev:
        if not dev:
            r.report(XEN427, f"disk entry {entry!r} has no target device", span)
        return None
    return _disk(dtype, device, path or None, dev, span, mode[0], name, fmt, mode[1])


def _xl_fields(entry: str):
    """Yield (key or None, value) pairs; `target=` takes the rest of the spec, commas and all."""
    rest = entry
    while rest:
        stripped = rest.lstrip()
        if stripped.startswith("target="):
            yield "target", stripped[len("target="):]
            return
        part, sep, rest = rest.partition(",")
        part = part.lstrip()
        key, eq, value = part.partition("=")
        yield (key, value) if eq else (None, part)
        if not sep:
            return


def _looks_old(entry: str) -> bool:
    fields = entry.split(",")
    return ("=" not in entry and len(fields) == 3
            and fields[2].strip() in tuple(_MODES) + _SHARED_MODES
            and fields[1].strip() not in XL_FORMATS)


def _rbd_unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _read_rbd_host(r: ConfigReader, text: str, span: Span) -> Optional[DiskHost]:
    """One monitor, "host" or "[v6addr]", each with an optional escaped ":port", as a
    <host name port>."""
    port = None
    m = re.fullmatch(r"(.*?)\\:([0-9]+)", text)
    if m:
        text, port = m.group(1), int(m.group(2))
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    name = _rbd_unescape(text)
    if not name:
        r.report(XEN427, "rbd mon_host has an empty host name", span)
        return None
    return DiskHost(name, port, span=span)


def rbd_source(r: ConfigReader, target: str, span: Span) -> Optional[DiskSource]:
    """libvirt's virStorageSourceParseRBDColonString (as xenParseXLDiskSrc calls it):
    "rbd:POOL/IMAGE[:opt=value…]" → <source protocol='rbd' name> with mon_host's <host>s.
    auth_supported is what the monitors offer; an id= names a cephx user whose secret the
    config can't carry, so it is reported, not imported."""
    name, *options = _RBD_SPLIT.split(target[len(_RBD):])
    if not name:
        r.report(XEN427, f"rbd target {target!r} has no volume name", span)
        return None
    hosts: List[DiskHost] = []
    for option in options:
        key, _, value = option.partition("=")
        if key == "mon_host":
            for text in _RBD_HOSTS.split(value):
                host = _read_rbd_host(r, text, span)
                if host is None:
                    return None
                hosts.append(host)
        elif key == "auth_supported" and value in ("none", "cephx\\;none"):
            continue
        elif key == "id":
            r.report(XEN428, f"rbd user {_rbd_unescape(value)!r}: <auth> needs the libvirt "
                     "secret that holds its key, which the config doesn't name; not "
                     "imported", span, hint="add <auth username='…'><secret type='ceph' "
                     "usage='…'/></auth> to the disk's <source> by hand")
        else:
            r.report(XEN428, f"rbd option {option!r} has no domain XML equivalent here; "
                     "ignored", span)
    return DiskSource(protocol="rbd", name=_rbd_unescape(name), hosts=tuple(hosts), span=span)


def xl_disk(r: ConfigReader, entry: str, span: Span) -> Optional[Disk]:
    if _looks_old(entry):
        return xm_disk(r, entry, span, xl=True)
    named = {}
    positional = ["target", "format", "vdev", "access"]
    for key, value in _xl_fields(entry):
        if key is None and value in _XL_FLAGS:
            key, value = ("devtype", "cdrom") if value == "cdrom" else (value, "")
        elif key is None:
            if not positional:
                r.report(XEN427, f"disk spec {entry!r}: too many positional fields", span)
                return None
            key = positional.pop(0)
        if key in positional:
            positional.remove(key)
        named[key] = value
    for key in sorted(set(named) - {"target", "format", "vdev", "access", "devtype",
                                    "backendtype"}):
        r.report(XEN428, f"disk spec field {key!r} has no domain XML equivalent; ignored", span)
    dev = (named.get("vdev") or "").strip()
    if ":" in dev:                        # positional "hdc:cdrom" (xl-disk-configuration)
        dev, _, kind = dev.partition(":")
        if kind == "cdrom":
            named["devtype"] = "cdrom"
    if not dev:
        r.report(XEN427, f"disk spec {entry!r} has no vdev", span)
        return None
    device = DiskDevice.CDROM if named.get("devtype") == "cdrom" else DiskDevice.DISK
    fmt = (named.get("format") or "raw").strip()
    backend = (named.get("backendtype") or "").strip()
    if fmt not in XL_FORMATS + ("empty",) or (backend and backend not in _BACKENDTYPES):
        r.report(XEN427, f"disk spec {entry!r}: unknown format or backendtype", span)
        return None
    dtype, name = _BACKENDTYPES.get(backend, (DiskType.FILE, None))
    access = named.get("access") or ("ro" if device is DiskDevice.CDROM else "rw")
    mode = _mode(r, access, span, xl=True)
    if mode is None:
        return None
    target = named.get("target") or None
    source = None
    if fmt == "empty":
        fmt, target = "raw", None         # an empty drive (libxl's FORMAT_EMPTY)
    if target is not None and target.startswith(_RBD):
        source = rbd_source(r, target, span)
        if source is None:
            return None
        dtype = DiskType.NETWORK
    elif target is not None and not target.startswith("/"):
        target = "/dev/" + target          # what libxl does with a relative target
    # With a backendtype the disk has a <driver>, and its format is written out (libvirt's
    # xenParseXLDisk); without one, raw is the default and stays implicit.
    driver_type = fmt if (name is not None or fmt != "raw") else None
    return _disk(dtype, device, target, dev, span, mode[0], name, driver_type,
                 source=source)


def old_cdrom(path: str, span: Span) -> Disk:
    """xend <= 3.0.2's top-level cdrom key: always the IDE hdc drive, read-only."""
    return _disk(DiskType.FILE, DiskDevice.CDROM, path, "hdc", span, readonly=True)


def floppy(dev: str, path: str, span: Span) -> Disk:
    return _disk(DiskType.FILE, DiskDevice.FLOPPY, path, dev, span)


def read_disks(r: ConfigReader, xl: bool) -> Tuple[Disk, ...]:
    """Every disk of a config: the disk list, and xm's old cdrom key and fda/fdb keys."""
    read = xl_disk if xl else xm_disk
    disks = [read(r, entry, span) for _, entry, span in r.strings("disk")]
    if not xl:
        cdrom = r.get("cdrom")
        if cdrom is not None and isinstance(cdrom.value, str):
            disks.append(old_cdrom(cdrom.value, cdrom.span))
        for key in ("fda", "fdb"):
            s = r.get(key)
            if s is not None and isinstance(s.value, str) and s.value:
                disks.append(floppy(key, s.value, s.span))
    return tuple(d for d in disks if d is not None)
