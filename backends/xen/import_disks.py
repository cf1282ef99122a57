"""Disk entries back into IR disks: xm's "PREFIX:SRC,DEV[:cdrom],MODE" and xl's key=value specs.

The inverse of xm.disk_entry / xl.disk_spec, after libvirt's xenParseXMDisk and
xl-disk-configuration(5). xl also reads xm's old syntax, so both readers are here.
"""
from __future__ import annotations

import re
from typing import Optional, Tuple

from ...compiler.diagnostics import Span
from ...compiler.ir import Disk, DiskBus, DiskDevice, DiskType
from ...compiler.rules.codes import XEN427, XEN428
from .import_values import ConfigReader

# Longest prefix first: "xvd" before "vd" (as compiler/lower_devices reads target names).
_BUS_BY_PREFIX = (("xvd", DiskBus.XEN), ("hd", DiskBus.IDE), ("sd", DiskBus.SCSI),
                  ("vd", DiskBus.VIRTIO), ("fd", DiskBus.FDC))
_MODES = {"r": True, "ro": True, "w": False, "rw": False}
_SHARED_MODES = ("w!", "!")
_XL_FORMATS = ("raw", "qcow", "qcow2", "vhd", "qed")
_XL_FLAGS = ("cdrom", "direct-io-safe", "discard", "no-discard", "colo")
# xl's backendtype → (disk type, <driver name>)
_BACKENDTYPES = {"phy": (DiskType.BLOCK, None), "tap": (DiskType.FILE, "tap"),
                 "qdisk": (DiskType.FILE, "qemu")}


def bus_for(dev: str) -> DiskBus:
    for prefix, bus in _BUS_BY_PREFIX:
        if dev.startswith(prefix):
            return bus
    return DiskBus.IDE


def _source_prefix(src: str) -> Tuple[DiskType, Optional[str], Optional[str], str]:
    """(type, driver name, driver type, path) from "file:/p", "phy:/d", "tap:aio:/p"…"""
    for name, dtype in (("file:", DiskType.FILE), ("phy:", DiskType.BLOCK)):
        if src.startswith(name):
            return dtype, None, None, src[len(name):]
    m = re.match(r"(tap2?):([a-z0-9]+):", src)
    if m:
        return DiskType.FILE, m.group(1), m.group(2), src[m.end():]
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


def _mode(r: ConfigReader, mode: str, span: Span) -> Optional[bool]:
    mode = mode.strip()
    if mode in _SHARED_MODES:
        r.report(XEN428, f"disk mode {mode!r} (shared writable) has no domain XML "
                 "equivalent here; imported as writable", span)
        return False
    if mode not in _MODES:
        r.report(XEN427, f"disk mode {mode!r}: expected r or w", span)
        return None
    return _MODES[mode]


def xm_disk(r: ConfigReader, entry: str, span: Span) -> Optional[Disk]:
    fields = entry.split(",")
    if len(fields) < 2:
        r.report(XEN427, f"disk entry {entry!r}: expected SOURCE,TARGET,MODE", span)
        return None
    for extra in fields[3:]:
        r.report(XEN428, f"disk entry field {extra!r} has no domain XML equivalent; ignored",
                 span)
    dtype, name, fmt, path = _source_prefix(fields[0])
    dev, device = _target(fields[1].strip())
    readonly = _mode(r, fields[2] if len(fields) > 2 else "w", span)
    if readonly is None or not dev:
        if not dev:
            r.report(XEN427, f"disk entry {entry!r} has no target device", span)
        return None
    return Disk(dtype, device, path or None, dev, bus_for(dev), readonly, name, fmt,
                span=span, source_span=span, target_span=span)


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
    return ("=" not in entry and len(fields) == 3 and fields[2].strip() in tuple(_MODES) + _SHARED_MODES
            and fields[1].strip() not in _XL_FORMATS)


def xl_disk(r: ConfigReader, entry: str, span: Span) -> Optional[Disk]:
    if _looks_old(entry):
        return xm_disk(r, entry, span)
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
    if not dev:
        r.report(XEN427, f"disk spec {entry!r} has no vdev", span)
        return None
    device = DiskDevice.CDROM if named.get("devtype") == "cdrom" else DiskDevice.DISK
    fmt = (named.get("format") or "raw").strip()
    backend = (named.get("backendtype") or "").strip()
    if fmt not in _XL_FORMATS or (backend and backend not in _BACKENDTYPES):
        r.report(XEN427, f"disk spec {entry!r}: unknown format or backendtype", span)
        return None
    dtype, name = _BACKENDTYPES.get(backend, (DiskType.FILE, None))
    access = named.get("access") or ("ro" if device is DiskDevice.CDROM else "rw")
    readonly = _mode(r, access, span)
    if readonly is None:
        return None
    target = named.get("target") or None
    if target is not None and not target.startswith("/"):
        target = "/dev/" + target          # what libxl does with a relative target
    return Disk(dtype, device, target, dev, bus_for(dev), readonly, name,
                None if fmt == "raw" else fmt, span=span, source_span=span, target_span=span)


def old_cdrom(path: str, span: Span) -> Disk:
    """xend <= 3.0.2's top-level cdrom key: always the IDE hdc drive, read-only."""
    return Disk(DiskType.FILE, DiskDevice.CDROM, path, "hdc", DiskBus.IDE, True,
                span=span, source_span=span, target_span=span)


def floppy(dev: str, path: str, span: Span) -> Disk:
    return Disk(DiskType.FILE, DiskDevice.FLOPPY, path, dev, DiskBus.FDC,
                span=span, source_span=span, target_span=span)
