"""Firmware and platform identity for QEMU: UEFI flash, -bios, SMBIOS, ACPI tables, sga.

The IR is compiler/guest_os.py, its defaults compiler/postparse/firmware.py. libvirt's
spelling (src/qemu/qemu_command.c, 9.0) is followed:

- a `type='pflash'` loader is two flash devices, the code read-only and the NVRAM
  writable: `-blockdev` pairs named `libvirt-pflash0-*`/`libvirt-pflash1-*` and
  `-machine …,pflash0=…,pflash1=…` (Cap.MACHINE_PFLASH), else `-drive if=pflash,unit=0|1`;
- `secure='yes'`: `-machine …,smm=on` and `-global driver=cfi.pflash01,property=secure,value=on`
  (the flash only answers writes from System Management Mode);
- `type='rom'`: `-bios PATH`;
- `<bios useserial='yes'>`: `-device sga` (SeaBIOS output on the first serial port);
- `<smbios mode='sysinfo'>`: one `-smbios type=N,…` per <sysinfo> block, fields in
  libvirt's order; mode `emulate` (or none) passes nothing;
- `<acpi><table type='slic'>`: `-acpitable sig=SLIC,file=PATH`.

Boot menu, reboot timeout and the device tree are in boot.py beside -boot and -kernel.
"""
from __future__ import annotations

from typing import List, Optional, Tuple

from ...compiler.guest_os import (LoaderType, SmbiosMode, loader_type, SysinfoBaseBoard, SysinfoBios,
                                  SysinfoChassis, SysinfoOemStrings, SysinfoSystem)
from ...compiler.ir import Domain, nearest
from ...compiler.rules.codes import QEMU350, QEMU351, QEMU352, QEMU353
from .context import QemuContext
from .dialects import Cap
from .opts import Option, Opts, Raw, Scalar

# SMBIOS fields per block, in the order libvirt writes them.
SMBIOS_FIELDS = {
    SysinfoBios: ("vendor", "version", "date", "release"),
    SysinfoSystem: ("manufacturer", "product", "version", "serial", "uuid", "sku", "family"),
    SysinfoBaseBoard: ("manufacturer", "product", "version", "serial", "asset", "location"),
    SysinfoChassis: ("manufacturer", "version", "serial", "asset", "sku"),
}
SECURE_FLASH = Opts.of(None, ("driver", "cfi.pflash01"), ("property", "secure"), ("value", "on"))


def _pflash(domain: Domain) -> bool:
    return loader_type(domain.os.loader, domain.os.nvram) is LoaderType.PFLASH


def _nvram_path(domain: Domain) -> Optional[str]:
    nvram = domain.os.nvram
    if not _pflash(domain) or nvram is None or domain.os.loader.stateless:
        return None
    return nvram.path


def machine_props(domain: Domain, ctx: QemuContext) -> List[Tuple[str, Optional[Scalar]]]:
    """The -machine properties firmware needs (appended by machine.build_machine)."""
    loader = domain.os.loader
    props: List[Tuple[str, Optional[Scalar]]] = []
    if _pflash(domain) and loader.secure:
        props.append(("smm", True))
    if _pflash(domain) and ctx.has(Cap.MACHINE_PFLASH):
        props.append(("pflash0", "libvirt-pflash0-format"))
        if _nvram_path(domain):
            props.append(("pflash1", "libvirt-pflash1-format"))
    return props


def build_pflash_blockdevs(domain: Domain, ctx: QemuContext) -> List[Option]:
    """The flash images as -blockdev nodes; libvirt puts them before -machine."""
    if not _pflash(domain) or not ctx.has(Cap.MACHINE_PFLASH):
        return []
    os_ = domain.os
    out = _blockdev(0, os_.loader.path, True, os_.loader.span)
    nvram = _nvram_path(domain)
    if nvram:
        out += _blockdev(1, nvram, False, os_.nvram.span)
    return out


def _blockdev(unit: int, path: str, readonly: bool, span) -> List[Option]:
    storage, fmt = f"libvirt-pflash{unit}-storage", f"libvirt-pflash{unit}-format"
    return [
        Option("-blockdev", Opts.of(None, ("driver", "file"), ("filename", path),
                                    ("node-name", storage), ("auto-read-only", True),
                                    ("discard", "unmap")), span, (("filename", span),)),
        Option("-blockdev", Opts.of(None, ("node-name", fmt), ("read-only", readonly),
                                    ("driver", "raw"), ("file", storage)), span),
    ]


def build_firmware(domain: Domain, ctx: QemuContext) -> List[Option]:
    os_ = domain.os
    loader = os_.loader
    out: List[Option] = []
    if os_.firmware is not None and os_.firmware.value == "efi" and (loader is None
                                                                     or loader.path is None):
        arch = os_.arch or "x86_64"
        ctx.diags.add(QEMU352, f"<os firmware='efi'>: no UEFI firmware is known for arch {arch}"
                      f" and machine {os_.machine or 'pc'}", os_.span,
                      "install the firmware package (Debian: ovmf), or name the image in"
                      " <loader type='pflash' readonly='yes'>PATH</loader>")
        return out
    if loader is None or loader.path is None:
        return out
    kind = loader_type(loader, os_.nvram)
    if kind is LoaderType.ROM:
        out.append(Option("-bios", Raw(loader.path), loader.span))
    elif kind is LoaderType.PFLASH:
        if loader.secure and not _secure_boot_possible(domain):
            ctx.diags.add(QEMU353, f"<loader secure='yes'> on machine {os_.machine or 'pc'}"
                          f" ({os_.arch or 'x86_64'}): QEMU's secure flash and SMM work with"
                          " x86_64 q35 machines only", loader.span,
                          "use <type arch='x86_64' machine='q35'>, or a loader without"
                          " secure='yes'")
            return out
        if loader.secure:
            if not ctx.has(Cap.MACHINE_OPT):
                ctx.unsupported(loader.span, "a secure-boot flash (SMM)",
                                "use QEMU 1.1 or later")
            out.append(Option("-global", SECURE_FLASH, loader.span))
        if not ctx.has(Cap.MACHINE_PFLASH):
            out += _pflash_drives(domain, ctx)
    return out


def _pflash_drives(domain: Domain, ctx: QemuContext) -> List[Option]:
    os_ = domain.os
    if not ctx.has(Cap.DRIVE):
        ctx.unsupported(os_.loader.span, "a pflash <loader>", "use QEMU 0.12 or later")
        return []
    out = [Option("-drive", Opts.of(None, ("file", os_.loader.path), ("if", "pflash"),
                                    ("format", "raw"), ("unit", 0), ("readonly", True)),
                  os_.loader.span, (("file", os_.loader.span),))]
    nvram = _nvram_path(domain)
    if nvram:
        out.append(Option("-drive", Opts.of(None, ("file", nvram), ("if", "pflash"),
                                            ("format", "raw"), ("unit", 1)),
                          os_.nvram.span, (("file", os_.nvram.span),)))
    return out


def _secure_boot_possible(domain: Domain) -> bool:
    """libvirt's rule (qemu_validate.c): secure boot needs a q35 machine and x86_64."""
    machine, arch = domain.os.machine or "pc", domain.os.arch or "x86_64"
    return arch == "x86_64" and (machine == "q35" or machine.startswith("pc-q35"))


def build_smbios(domain: Domain, ctx: QemuContext) -> List[Option]:
    smbios = domain.os.smbios
    if smbios is None or smbios.mode is SmbiosMode.EMULATE:
        return []
    if smbios.mode is SmbiosMode.HOST:
        ctx.diags.add(QEMU350, "<smbios mode='host'> copies the host's SMBIOS tables, which"
                      " libvirtd reads at start; virtc does not read the host's tables",
                      smbios.span, "copy the values you need into <sysinfo type='smbios'> and"
                      " use <smbios mode='sysinfo'/>")
        return []
    out: List[Option] = []
    for info in domain.sysinfo:
        for block in info.blocks:
            out += _smbios_block(block, domain)
    return out


def _smbios_block(block, domain: Domain) -> List[Option]:
    values = [(e.name, e.value) for e in block.entries]
    if type(block) is SysinfoOemStrings:
        props = tuple(("value", v) for _, v in values if v is not None)
    else:
        fields = SMBIOS_FIELDS[type(block)]
        given = {n: v for n, v in values if v is not None}
        props = tuple((f, given[f]) for f in fields if f in given)
    if not props:
        return []
    return [Option("-smbios", Opts(None, (("type", block.SMBIOS_TYPE),) + props), block.span)]


def build_acpi_tables(domain: Domain, ctx: QemuContext) -> List[Option]:
    return [Option("-acpitable", Opts.of(None, ("sig", t.type.value.upper()), ("file", t.path)),
                   t.span, (("file", t.span),))
            for t in domain.os.acpi_tables if t.path]


def build_sga(domain: Domain, ctx: QemuContext) -> List[Option]:
    bios = domain.os.bios
    if bios is None or not bios.useserial:
        return []
    if not domain.devices.serials:
        ctx.diags.add(QEMU351, "<bios useserial='yes'> sends the BIOS output to a serial port,"
                      " but the domain has no <serial>", nearest(bios.span, domain.os.span),
                      "add <serial type='pty'/> (libvirt refuses this too)")
        return []
    if not ctx.has(Cap.DEVICE):
        ctx.unsupported(bios.span, "<bios useserial='yes'> (the sga device)",
                        "use QEMU 0.12 or later")
        return []
    return [Option("-device", Opts.of("sga"), bios.span)]
