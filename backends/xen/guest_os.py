"""<os> and <emulator> for xm and xl, both ways: format (IR → keys) beside parse (keys → IR).

Follows libvirt's xenFormatXMOS/xenParseXMOS (src/libxl/xen_xm.c), xenFormatXLOS/
xenParseXLOS (xen_xl.c) and xenFormatEmulator (xen_common.c), with the seed's spellings
kept where virtc's output predates this module (xl's `firmware_override`, `root`/`extra`
for PV guests, `bootloader_args`):

| XML | xm | xl |
|---|---|---|
| `<type>hvm` / `linux`, `xen` / `xenpvh` | `builder = "hvm"` / none / XEN450 | `type = "hvm"` / `"pv"` / `"pvh"` (`builder` before Xen 4.10) |
| HVM `<loader>PATH` | `kernel` | `firmware_override` |
| `<loader type='pflash'>`, `<os firmware='efi'>` | XEN451 | `bios = "ovmf"` |
| `<acpi><table type='slic'>` | XEN452 | `acpi_firmware` |
| HVM `<kernel>`, `<initrd>`, `<cmdline>` | XEN418 (ignored) | `kernel`, `ramdisk`, `cmdline` (libxl's HVM direct kernel boot) |
| PV `<kernel>`, `<initrd>`, `<root>`, `<cmdline>` | `kernel`, `ramdisk`, `root`, `extra` | same |
| PVH `<kernel>`, `<initrd>`, `<cmdline>` (+`<root>`) | XEN450 | `kernel`, `ramdisk`, `cmdline` |
| `<bootloader>`, `<bootloader_args>` | `bootloader`, `bootargs` | `bootloader`, `bootloader_args` |
| `<emulator>` | `device_model` | `device_model_override`, `device_model_version` |

xl's `device_model_version` has no element of its own: libvirt derives it from `<emulator>`
when it starts the guest, and virtc from the emulator's name (`qemu-dm` is
`qemu-xen-traditional`, anything else `qemu-xen`). Reading back, a version alone is libxl's
own binary (`qemu-xen-traditional`: /usr/lib/xen/bin/qemu-dm; `qemu-xen` is the default
and needs no element), and a version that disagrees with the override is XEN502.
Import also reads what libvirt writes and xl accepts: xl's `device_model` (libvirt's xl
test data), `bios = "ovmf"` as libvirt's
`<loader readonly='yes' type='pflash'>/usr/lib/xen/boot/ovmf.bin</loader>`, an HVM kernel
and `cmdline` (or `root` and `extra`, joined as xl joins them), and xm's `bootloader_args`.
An xl HVM guest without a firmware key gets no `<loader>`: libxl picks hvmloader itself.

<bootmenu>, <smbios>, <sysinfo>, <bios>, <nvram>, <dtb> and a secure-boot loader have no
key in either format (XEN452).
"""
from __future__ import annotations

from typing import Optional, Tuple

from ...compiler.guest_os import AcpiTable, AcpiTableType, Loader, LoaderType, OsFirmware
from ...compiler.ir import Boot, BootDev, Os, OsType, nearest
from ...compiler.rules.codes import (XEN418, XEN419, XEN423, XEN426, XEN427, XEN450, XEN451,
                                     XEN452, XEN502)
from . import tables
from .common import Builder, Config, build_hvm_boot
from .dialects import XL_TYPE_KEY

# libxl's firmware directory (LIBXL_FIRMWARE_DIR), where libvirt says OVMF is.
XEN_FIRMWARE_DIR = "/usr/lib/xen/boot"
OVMF_PATH = f"{XEN_FIRMWARE_DIR}/ovmf.bin"
# xl's device_model_version values, and where libxl finds the traditional device model when
# no override names it (its private bindir, LIBXL_EXECBIN_DIR).
DM_TRADITIONAL, DM_UPSTREAM = "qemu-xen-traditional", "qemu-xen"
TRADITIONAL_PATH = "/usr/lib/xen/bin/qemu-dm"
_BOOT = {"a": BootDev.FD, "c": BootDev.HD, "d": BootDev.CDROM, "n": BootDev.NETWORK}
_GUEST_TYPES = {"hvm": OsType.HVM, "pv": OsType.LINUX, "generic": OsType.LINUX,
                "linux": OsType.LINUX, "pvh": OsType.XENPVH}


# ------------------------------------------------------------------ format

def uefi(os: Os) -> bool:
    # Only an explicit type='pflash' (libvirt's xl driver reads nothing else as OVMF).
    return ((os.loader is not None and os.loader.type is LoaderType.PFLASH)
            or (os.firmware is OsFirmware.EFI and (os.loader is None or os.loader.path is None)))


def check_unmapped(b: Builder) -> None:
    """XEN452 for each <os>/<sysinfo> setting no xm or xl key carries."""
    os, d = b.domain.os, b.domain
    found = [("<bootmenu>", os.bootmenu), ("<smbios>", os.smbios), ("<bios>", os.bios),
             ("<nvram>", os.nvram)]
    if os.loader is not None and os.loader.secure:
        found.append(("<loader secure='yes'>", os.loader))
    if os.firmware_features is not None and os.firmware_features.features:
        found.append(("<firmware><feature>", os.firmware_features))
    found += [("<sysinfo>", info) for info in d.sysinfo]
    for what, node in found:
        if node is not None:
            b.report(XEN452, f"{what} has no {b.target} key; the guest would not see it",
                     nearest(node.span, os.span), hint="remove it for Xen guests")
    if os.dtb is not None:
        b.report(XEN452, f"<dtb> has no {b.target} key; the guest would not see it",
                 os.span_of("dtb"), hint="remove it for Xen guests")


def build_xm_os(b: Builder, config: Config) -> None:
    os, d = b.domain.os, b.domain
    check_unmapped(b)
    if os.type is OsType.XENPVH:
        b.report(XEN450, "a PVH guest (<type>xenpvh</type>) has no xm builder", os.span_of("type"),
                 hint="compile with --target xen-xl")
        return
    if b.hvm:
        config.set("builder", tables.BUILDERS[os.type])
        if uefi(os):
            b.report(XEN451, "a UEFI loader (pflash/OVMF) has no xm key; xm boots HVM guests "
                     "with hvmloader", nearest(os.loader.span, os.span) if os.loader else os.span,
                     hint="compile with --target xen-xl, which writes bios = \"ovmf\"")
        elif os.loader_path is None:
            b.report(XEN419, "HVM guest has no <os><loader>; xm needs the firmware in its "
                     "kernel key", os.span, hint="add <loader>/usr/lib/xen/boot/hvmloader</loader>")
        else:
            config.set("kernel", os.loader_path)
        _acpi_tables_unsupported(b)
        build_hvm_boot(b, config)
        return
    if os.loader is not None:
        b.report(XEN418, "<os><loader> is HVM firmware; ignored for this paravirtualized "
                 "guest", nearest(os.loader.span, os.span))
    if os.boot:
        b.report(XEN418, "<os><boot> orders emulated devices of HVM guests; ignored for "
                 "this paravirtualized guest", os.boot[0].span)
    if os.kernel is None and d.bootloader is None:
        b.report(XEN423, "paravirtualized guest has neither <os><kernel> nor <bootloader>",
                 os.span, hint="add <kernel> or <bootloader>/usr/bin/pygrub</bootloader>")
    config.set("bootloader", d.bootloader)
    config.set("bootargs", d.bootloader_args)
    config.set("kernel", os.kernel)
    config.set("ramdisk", os.initrd)
    config.set("root", os.root)
    config.set("extra", os.cmdline)


def build_xl_type(b: Builder, config: Config) -> None:
    os = b.domain.os
    if b.has(XL_TYPE_KEY):
        config.set("type", {OsType.HVM: "hvm", OsType.XENPVH: "pvh"}.get(os.type, "pv"))
    elif os.type is OsType.XENPVH:
        b.report(XEN450, "a PVH guest needs xl's type = \"pvh\" (Xen 4.10 and later)",
                 os.span_of("type"), hint="use --xen-version 4.10 or later")
    else:
        config.set("builder", "hvm" if b.hvm else "generic")


def build_xl_os(b: Builder, config: Config) -> None:
    os, d = b.domain.os, b.domain
    check_unmapped(b)
    if b.hvm:
        if uefi(os):
            config.set("bios", "ovmf")
        else:
            # hvmloader is xl's built-in default, so only an explicit loader is written.
            config.set("firmware_override", os.loader_path)
        for table in os.acpi_tables:
            config.set("acpi_firmware", table.path)
        # libxl boots an HVM guest's kernel directly (xl.cfg(5) "Direct kernel boot").
        config.set("kernel", os.kernel)
        config.set("ramdisk", os.initrd)
        config.set("cmdline", _joined_cmdline(os))
        build_boot_letters(b, config)
        if d.bootloader is not None:
            b.report(XEN418, "<bootloader> is for paravirtualized guests; ignored", d.span)
        return
    if os.type is OsType.XENPVH:
        _pv_checks(b)
        config.set("kernel", os.kernel)
        config.set("ramdisk", os.initrd)
        config.set("cmdline", _joined_cmdline(os))
        return
    _pv_checks(b)
    config.set("bootloader", d.bootloader)
    config.set("bootloader_args", d.bootloader_args)
    config.set("kernel", os.kernel)
    config.set("ramdisk", os.initrd)
    # root= and extra= rather than one cmdline=, so that each reads back on its own.
    config.set("root", os.root)
    config.set("extra", os.cmdline)


def _joined_cmdline(os: Os) -> Optional[str]:
    """xl's one cmdline: <root> as `root=X` in front of <cmdline>, as xl joins root/extra."""
    parts = [f"root={os.root}"] if os.root else []
    if os.cmdline:
        parts.append(os.cmdline)
    return " ".join(parts) if parts else None


def _pv_checks(b: Builder) -> None:
    os, d = b.domain.os, b.domain
    if os.loader is not None or os.boot:
        where = (nearest(os.loader.span, os.span) if os.loader is not None
                 else nearest(os.boot[0].span, os.span))
        b.report(XEN418, "<os><loader> and <boot> are for HVM guests; ignored for this "
                 "paravirtualized guest", where)
    if os.acpi_tables:
        b.report(XEN418, "<os><acpi><table> is for HVM guests; ignored for this "
                 "paravirtualized guest", nearest(os.acpi_tables[0].span, os.span))
    if os.kernel is None and (d.bootloader is None or os.type is OsType.XENPVH):
        b.report(XEN423, "paravirtualized guest has neither <os><kernel> nor <bootloader>",
                 os.span, hint="add <kernel> or <bootloader>/usr/bin/pygrub</bootloader>")


def _acpi_tables_unsupported(b: Builder) -> None:
    for table in b.domain.os.acpi_tables:
        b.report(XEN452, f"<acpi><table type='{table.type.value}'> has no {b.target} key "
                 "(xl: acpi_firmware)", nearest(table.span, b.domain.os.span),
                 hint="compile with --target xen-xl")


def build_boot_letters(b: Builder, config: Config) -> None:
    """HVM boot order letters; hd when none is given (libvirt writes boot = "c" then)."""
    letters = "".join(tables.BOOT_LETTERS[boot.dev] for boot in b.domain.os.boot)
    config.set("boot", letters or tables.BOOT_LETTERS[BootDev.HD])


def build_emulator(b: Builder, config: Config, key: str) -> None:
    config.set(key, b.domain.devices.emulator)


def device_model_version(emulator: str) -> str:
    """xl's device_model_version for an <emulator>: the traditional device model is
    qemu-dm, anything else is upstream QEMU. libvirt's driver asks the binary instead
    (libxlDomainGetEmulatorType: `-help` mentions "Options specific to the Xen version:"
    only in qemu-dm), which a compiler that may run on another host can't do."""
    name = emulator.rstrip("/").rsplit("/", 1)[-1]
    return DM_TRADITIONAL if name.startswith("qemu-dm") else DM_UPSTREAM


def build_xl_emulator(b: Builder, config: Config) -> None:
    """device_model_version and device_model_override from <emulator>: xl runs an
    overriding device model with the version's command line (qemu-xen by default, which
    qemu-dm doesn't take), and warns when the version is missing."""
    emulator = b.domain.devices.emulator
    if emulator is not None:
        config.set("device_model_version", device_model_version(emulator))
    config.set("device_model_override", emulator)


# ------------------------------------------------------------------ parse

def guest_type(r) -> OsType:
    for key in ("type", "builder"):
        s = r.get(key)
        if s is None:
            continue
        if s.value not in _GUEST_TYPES:
            r.report(XEN427, f"{key} = {s.value!r}: virtc imports HVM, PV and PVH guests",
                     s.span, hint='use "hvm", "pv" or "pvh"')
            return OsType.LINUX
        return _GUEST_TYPES[s.value]
    return OsType.LINUX


def _boot(r) -> Tuple[Boot, ...]:
    letters = r.string("boot")
    if letters is None:
        return ()
    span = r.settings["boot"].span
    bad = [ch for ch in letters if ch not in _BOOT]
    if bad:
        r.report(XEN427, f"boot = {letters!r}: {bad[0]!r} is not a boot device",
                 span, hint="use a (floppy), c (disk), d (cdrom) or n (network)")
        return ()
    return tuple(Boot(_BOOT[ch], span) for ch in letters)


def _xl_cmdline(r) -> Tuple[Optional[str], Optional[str]]:
    """(root, cmdline) from xl's cmdline, or root and extra (which xl ignores next to it)."""
    cmdline = r.string("cmdline")
    root, extra = r.string("root"), r.string("extra")
    if cmdline is None:
        return root, extra
    for key in ("root", "extra"):
        if key in r.settings:
            r.report(XEN426, f"key {key} is ignored by xl next to cmdline", r.settings[key].span)
    return None, cmdline


def _hvm_loader(r, xl: bool) -> Optional[Loader]:
    if not xl:
        path = r.string("kernel")
        return Loader(path=path, span=r.settings["kernel"].span) if path is not None else None
    bios = r.get("bios")
    if bios is not None:
        if bios.value == "ovmf":
            return Loader(readonly=True, type=LoaderType.PFLASH, path=OVMF_PATH, span=bios.span)
        if bios.value not in ("seabios", "rombios"):
            r.bad(bios, '"ovmf", "seabios" or "rombios"')
        else:
            r.report(XEN426, f"bios = {bios.value!r}: the BIOS libxl picks by default has no "
                     "domain XML element; ignored", bios.span)
    path = r.string("firmware_override") or r.string("firmware")
    return Loader(path=path, span=r.top) if path is not None else None


def read_os(r, xl: bool) -> Tuple[Os, Optional[str], Optional[str]]:
    """(os, bootloader, bootloader args) from a parsed xm/xl config."""
    os_type = guest_type(r)
    if os_type is OsType.HVM:
        loader = _hvm_loader(r, xl)
        tables_ = ()
        slic = r.string("acpi_firmware")
        if slic is not None:
            tables_ = (AcpiTable(AcpiTableType.SLIC, slic, r.settings["acpi_firmware"].span),)
        kernel = initrd = root = cmdline = None
        if xl:
            kernel, initrd = r.string("kernel"), r.string("ramdisk")
            root, cmdline = _xl_cmdline(r)
        return Os(os_type, loader=loader, boot=_boot(r), kernel=kernel, initrd=initrd,
                  root=root, cmdline=cmdline, acpi_tables=tables_, span=r.top), None, None
    if xl:
        root, cmdline = _xl_cmdline(r)
    else:
        root, cmdline = r.string("root"), r.string("extra")
    os = Os(os_type, kernel=r.string("kernel"), initrd=r.string("ramdisk"),
            cmdline=cmdline, root=root, span=r.top)
    args = (r.string("bootloader_args") if xl
            else (r.string("bootargs") or r.string("bootloader_args")))
    return os, r.string("bootloader"), args


def read_emulator(r, xl: bool) -> Optional[str]:
    """<emulator>: device_model_override, else device_model (libvirt writes either); xl's
    device_model_version alone is libxl's own binary of that version (qemu-xen, libxl's
    default, needs no element)."""
    emulator = r.string("device_model_override") or r.string("device_model")
    version = r.string("device_model_version") if xl else None
    if version is None:
        return emulator
    setting = r.settings["device_model_version"]
    if version not in (DM_TRADITIONAL, DM_UPSTREAM):
        r.report(XEN427, f"device_model_version = {version!r}: xl knows "
                 f"{DM_TRADITIONAL!r} and {DM_UPSTREAM!r}", setting.span)
        return emulator
    if emulator is None:
        return TRADITIONAL_PATH if version == DM_TRADITIONAL else None
    if device_model_version(emulator) != version:
        r.report(XEN502, f"device_model_version = {version!r}, but {emulator!r} is "
                 + ("upstream QEMU" if version == DM_TRADITIONAL else "qemu-dm, the "
                    "traditional device model")
                 + f": the imported <emulator> compiles back with "
                 f"{device_model_version(emulator)!r}", setting.span,
                 hint="make the version and the device model agree")
    return emulator
