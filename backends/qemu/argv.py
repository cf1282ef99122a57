"""build_argv: every builder, in QEMU's order, then the one serializer."""
from __future__ import annotations

from typing import Callable, List, Optional

from ...compiler.diagnostics import Severity
from ...compiler import uncompiled
from ...compiler.devices.disk import DiskBus
from ...compiler.devices.input import InputBus
from ...compiler.ir import Domain
from ...compiler.rules.codes import QEMU320, QEMU321
from . import boot, guest_os, machine, memory
from .devices import build_families, chardev, controller, disk, input, interface
from .platform import cpu
from .devices import graphics as display
from .context import QemuContext
from .platform import clock, features
from .opts import Option, render

Builder = Callable[[Domain, QemuContext], List[Option]]

# The fixed order. Constraints that matter:
# - the display precedes the character devices: with no -serial, -nographic moves the serial
#   port to stdio, and libvirt keeps -nographic before every -serial/-monitor for that reason.
# - build_usb precedes the USB devices (disks and inputs) that sit on its bus.
# - the controllers precede every device that names their bus (bus=pci.N, usb.0).
BUILDERS: List[Builder] = [
    machine.build_name,
    lambda d, c: _qemu_ns(d, "build_compat", c),     # -compat, after -name as libvirt's
    machine.build_defaults,
    machine.build_uuid,
    guest_os.build_pflash_blockdevs,     # before -machine, which names them (pflash0=…)
    machine.build_machine,
    machine.build_accel,
    machine.build_no_acpi,
    cpu.build_cpu,
    memory.build_memory,          # -m, the main RAM's backend object, -overcommit
    cpu.build_smp,
    memory.build_iothreads,
    memory.build_numa,            # after -smp: the cells name its vCPUs
    clock.build_clock,
    clock.build_pm,
    guest_os.build_firmware,
    guest_os.build_smbios,
    guest_os.build_acpi_tables,
    boot.build_lifecycle,
    lambda d, c: display.build_all(d.devices.graphics, d, c),
    lambda d, c: build_usb(d, c),
    boot.build_boot,
    boot.build_kernel,
    lambda d, c: controller.build_all(d.devices.of(_controller_node()), d, c),
    lambda d, c: disk.build_all(d.devices.disks, d, c),
    lambda d, c: interface.build_all(d.devices.interfaces, d, c),
    lambda d, c: chardev.build_all(d.devices.serials + d.devices.parallels
                                   + d.devices.consoles, d, c),
    lambda d, c: input.build_all(d.devices.inputs, d, c),
    lambda d, c: _audio().build_all(d.devices.of(_audio_node()), d, c),   # -audiodev
    features.build_features,
    build_families,          # the other device families, each by its own builder (devices/)
    guest_os.build_sga,
    lambda d, c: _qemu_ns(d, "build_args", c),       # <qemu:arg>s, after everything virtc builds
]


def _qemu_ns(domain: Domain, name: str, ctx: QemuContext) -> List[Option]:
    """A builder of the qemu: namespace (platform/qemu_ns.py), imported only when used."""
    if domain.qemu is None:
        return []
    from .platform import qemu_ns

    return getattr(qemu_ns, name)(domain, ctx)


def _audio():
    from .devices import audio

    return audio


def _audio_node():
    from ...compiler.devices.audio import Audio

    return Audio


def _controller_node():
    from ...compiler.devices.controller import Controller

    return Controller


def build_usb(domain: Domain, ctx: QemuContext) -> List[Option]:
    from .devices.controller import usb_builds_own

    if usb_builds_own(domain, ctx):
        return []                   # the USB controllers are -device options of their own
    devices = domain.devices
    needs = (any(i.bus is InputBus.USB for i in devices.inputs)
             or any(d.target_bus is DiskBus.USB for d in devices.disks)
             or any(n.model_type == "usb-net" for n in devices.interfaces))
    return [Option("-usb", None, devices.span)] if needs else []


def build_options(domain: Domain, ctx: QemuContext) -> List[Option]:
    machine.check_domain(domain, ctx)
    uncompiled.report(domain.uncompiled, ctx.diags, "QEMU", QEMU320, QEMU321)
    options: List[Option] = []
    for builder in BUILDERS:
        options.extend(builder(domain, ctx))
    if domain.qemu is not None:
        from .platform.qemu_ns import apply_overrides       # <qemu:override>

        options = apply_overrides(options, domain, ctx)
    if ctx.qmp is not None:
        from .host import qmp_options

        options.extend(qmp_options(ctx.qmp))
    return options


def build_argv(domain: Domain, ctx: QemuContext) -> Optional[List[str]]:
    """The argv, or None when this compile reported an error."""
    errors_before = _errors(ctx)
    options = build_options(domain, ctx)
    words = render(options, ctx.dialect, ctx.diags)
    if words is None or _errors(ctx) > errors_before:
        return None
    return [machine.emulator_path(domain, ctx), *words]


def _errors(ctx: QemuContext) -> int:
    return sum(1 for d in ctx.diags if d.severity is Severity.ERROR)
