"""Machine-wide options: identity, memory, CPUs, machine type, accelerator, ACPI, clock."""
from __future__ import annotations

from typing import Dict, List, Optional

from ...compiler.diagnostics import Span
from ...compiler.ir import Domain, DomainType, OsType
from ...compiler.rules.codes import (QEMU304, QEMU306, QEMU309, QEMU311, QEMU316, QEMU317,
                                     QEMU319)
from .context import QemuContext
from .dialects import Cap
from . import memory
from .opts import Option, Opts, Raw

# Accelerator per domain type. KQEMU is only reachable in dialects with the kqemu switch;
# elsewhere it falls back to TCG with QEMU304 (see build_accel).
ACCEL: Dict[DomainType, Optional[str]] = {
    DomainType.KVM: "kvm",
    DomainType.QEMU: "tcg",
    DomainType.KQEMU: "tcg",
    DomainType.XEN: None,       # not a QEMU domain: QEMU309
}

# <type arch> → qemu-system-<suffix>. 32-bit x86 names all run on qemu-system-i386.
ARCH_ALIASES = {"i686": "i386", "i586": "i386", "i486": "i386", "i386": "i386"}
DEFAULT_ARCH = "x86_64"


def emulator_path(domain: Domain, ctx: QemuContext) -> str:
    if ctx.emulator:
        return ctx.emulator
    if domain.devices.emulator:
        return domain.devices.emulator
    arch = domain.os.arch or DEFAULT_ARCH
    return f"qemu-system-{ARCH_ALIASES.get(arch, arch)}"


def build_defaults(domain: Domain, ctx: QemuContext) -> List[Option]:
    """Keep QEMU from adding hardware the domain does not describe.

    Without this, QEMU gives a guest with no <interface> a default e1000 NIC on a user-mode
    hub, plus a serial port, a parallel port, a VGA card and an empty IDE CD-ROM; libvirt
    passes -nodefaults for the same reason. Dialects before it can only drop the NIC.
    """
    if ctx.has(Cap.NODEFAULTS):
        return [Option("-nodefaults", None, domain.span)]
    if not domain.devices.interfaces:
        return [Option("-net", Opts.of("none"), domain.devices.span)]
    return []


def build_name(domain: Domain, ctx: QemuContext) -> List[Option]:
    if ctx.has(Cap.NAME_GUEST):
        return [Option("-name", Opts.of(None, ("guest", domain.name)), domain.span)]
    return [Option("-name", Raw(domain.name), domain.span)]


def build_uuid(domain: Domain, ctx: QemuContext) -> List[Option]:
    if domain.uuid is None:
        return []
    if not ctx.has(Cap.UUID):
        ctx.unsupported(domain.span, f"<uuid> {domain.uuid}",
                        "the guest will see QEMU's default SMBIOS UUID; use QEMU 0.12 or later"
                        " to set it", rule=QEMU316)
        return []
    return [Option("-uuid", Raw(domain.uuid), domain.span)]


def memory_argument(kib: int, ctx: QemuContext) -> str:
    """QEMU's -m is the guest's maximum (libvirt's <memory>), never less than asked."""
    if ctx.has(Cap.MEM_SUFFIX_K):
        return f"{kib}K"
    return str(-(-kib // 1024))  # whole MiB, rounded up




def build_accel(domain: Domain, ctx: QemuContext) -> List[Option]:
    """Accelerator switches for dialects without -machine accel=, and -accel where the
    dialect spells it so (QEMU 5.0+, as libvirt 9.0 writes it: after -machine)."""
    if ctx.has(Cap.ACCEL) and ctx.has(Cap.MACHINE_OPT):
        accel = ACCEL[domain.type]
        if accel is None:
            return []
        ring = dirty_ring_size(domain, ctx)
        return [Option("-accel", Opts.of(accel, ("dirty-ring-size", ring)), domain.span)]
    if ctx.has(Cap.MACHINE_OPT):
        return []
    dtype = domain.type
    if dtype is DomainType.KVM:
        if ctx.has(Cap.ENABLE_KVM):
            return [Option("-enable-kvm", None, domain.span)]
        ctx.unsupported(domain.span, "<domain type='kvm'> as a command-line switch",
                        "point <emulator> at the kvm fork's binary, which uses KVM by default",
                        rule=QEMU317)
        return []
    if dtype is DomainType.KQEMU:
        if ctx.has(Cap.KQEMU):
            return [Option("-kernel-kqemu", None, domain.span)]
        _kqemu_fallback(domain, ctx)
        return []
    if dtype is DomainType.QEMU and ctx.has(Cap.KQEMU):
        # kqemu-era QEMU loads the user-mode accelerator by default; type='qemu' means none.
        return [Option("-no-kqemu", None, domain.span)]
    return []


def dirty_ring_size(domain: Domain, ctx: QemuContext) -> Optional[int]:
    """<features><kvm><dirty-ring state='on' size='N'/>: KVM's per-vCPU dirty-page ring, an
    -accel kvm property (QEMU 6.1+), as libvirt writes it; the -machine accel= form has no
    place for it (platform/features.py reports it there). None: nothing to write."""
    ring = _dirty_ring(domain)
    if ring is None or not ring.on or not dirty_ring_compiles(domain, ctx):
        return None
    return ring.size


def _dirty_ring(domain: Domain):  # -> Optional[DirtyRing]
    kvm = domain.features.kvm
    return kvm.dirty_ring if kvm is not None else None


def dirty_ring_compiles(domain: Domain, ctx: QemuContext) -> bool:
    """An -accel kvm dialect can write it; a ring turned on needs its size, which virtc
    doesn't guess (the guest would run without the ring: QEMU320 instead)."""
    ring = _dirty_ring(domain)
    return (domain.type is DomainType.KVM and ctx.has(Cap.ACCEL)
            and ctx.has(Cap.MACHINE_OPT) and ctx.has(Cap.KVM_DIRTY_RING)
            and (ring is None or not ring.on or ring.size is not None))


def _kqemu_fallback(domain: Domain, ctx: QemuContext) -> None:
    ctx.diags.add(QEMU304, f"<domain type='kqemu'>: QEMU {ctx.dialect.version} has no kqemu"
                  " accelerator; the guest runs under plain TCG emulation", domain.span,
                  "use type='kvm' for hardware acceleration or type='qemu' to say TCG")


def build_machine(domain: Domain, ctx: QemuContext) -> List[Option]:
    machine = domain.os.machine
    if not ctx.has(Cap.MACHINE_OPT):
        return [Option("-M", Raw(machine), _type_span(domain))] if machine else []
    # QEMU refuses -machine accel= next to -accel: one or the other (build_accel).
    accel = None if ctx.has(Cap.ACCEL) else ACCEL[domain.type]
    if domain.type is DomainType.KQEMU:
        _kqemu_fallback(domain, ctx)
    acpi_off = not domain.features.acpi and ctx.has(Cap.MACHINE_ACPI)
    from .guest_os import machine_props
    from .platform.features import machine_properties

    # The firmware's properties (secure boot's smm=on) win over <features>' own.
    firmware = machine_props(domain, ctx)
    taken = {key for key, _ in firmware}
    opts = Opts.of(machine or "pc", ("accel", accel), ("acpi", False if acpi_off else None),
                   *[p for p in machine_properties(domain, ctx) if p[0] not in taken],
                   *firmware, *memory.machine_props(domain, ctx), *_pcspk_props(domain, ctx),
                   ("usb", False if _usb_controllers_built(domain, ctx) else None))
    # The machine name, the one value here the document spells, is <type machine=…>.
    return [Option("-machine", opts, _type_span(domain))]


def _pcspk_props(domain: Domain, ctx: QemuContext) -> list:
    from .devices.sound import machine_props     # the PC speaker's backend (<sound>)

    return machine_props(domain, ctx)


def _usb_controllers_built(domain: Domain, ctx: QemuContext) -> bool:
    """usb=off when the document's USB controllers are built one by one (devices/
    controller.py): the machine's own USB (q35's ICH9 set) would be a second one, which
    libvirt's argv turns off the same way."""
    from .devices.controller import usb_builds_own

    return usb_builds_own(domain, ctx)


def _type_span(domain: Domain) -> Span:
    return domain.os.span_of("type")


def build_no_acpi(domain: Domain, ctx: QemuContext) -> List[Option]:
    # libvirt turns ACPI off unless <acpi/> is present, the opposite of QEMU's default.
    if domain.features.acpi or ctx.has(Cap.MACHINE_ACPI):
        return []
    if ctx.has(Cap.NO_ACPI):
        return [Option("-no-acpi", None, domain.features.span)]
    ctx.unsupported(domain.features.span, "turning ACPI off (no <acpi/> in <features>)",
                    "add <acpi/> to <features>", rule=QEMU316)
    return []


def check_domain(domain: Domain, ctx: QemuContext) -> None:
    """Domain-level settings that have no QEMU option; each gets its own diagnostic."""
    if domain.type is DomainType.XEN:
        ctx.diags.add(QEMU309, "<domain type='xen'> is a Xen domain, not a QEMU one",
                      domain.span, "compile it with the Xen backend, or set type='kvm' or"
                      " type='qemu'")
    if domain.os.type is not OsType.HVM:
        ctx.diags.add(QEMU311, f"<os><type>{domain.os.type.value}</type> is Xen"
                      " paravirtualization; QEMU boots the kernel as a full (hvm) guest",
                      _type_span(domain), "use <type>hvm</type>; a Xen-PV-only kernel won't boot")
    if domain.bootloader:
        _ignored(ctx, domain.span, f"<bootloader>{domain.bootloader}</bootloader>",
                 "a Xen PV bootloader; use <os><kernel> for direct kernel boot")
    if domain.bootloader_args:
        _ignored(ctx, domain.span, f"<bootloader_args>{domain.bootloader_args}"
                 "</bootloader_args>", "it only applies to a Xen PV bootloader")
    if domain.id is not None:
        ctx.diags.add(QEMU319, f"<domain id='{domain.id}'> is a runtime value that QEMU does"
                      " not take", domain.span, "drop id= from definitions you create")


def _ignored(ctx: QemuContext, span, what: str, why: str) -> None:
    ctx.diags.add(QEMU306, f"{what} has no QEMU equivalent and is ignored: {why}", span,
                  "remove it from domains compiled for QEMU")
