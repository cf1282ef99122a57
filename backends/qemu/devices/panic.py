"""<panic> → QEMU's pvpanic device (compiler/devices/panic.py).

    <panic model='isa'><address type='isa' iobase='0x505'/></panic>
    -device pvpanic,ioport=1285
    <panic model='pvpanic'/>
    -device pvpanic-pci,id=panic0
    <panic model='hyperv'/>
    -cpu …,hv-crash=on

As libvirt's qemuBuildPanicCommandLine: the ISA pvpanic gets no id, and its I/O port only
when the address names one (QEMU's default is 0x505). model='hyperv' is not a device but the
hv-crash CPU property, which -cpu carries (platform/features.py's cpu_properties, after the
other Hyper-V properties, as libvirt's qemuBuildCpuCommandLine). pseries and s390 are other
architectures' (QEMU320).
"""
from __future__ import annotations

from typing import List

from ....compiler.devices.panic import Panic, PanicModel
from ....compiler.ir import Domain
from ....compiler.rules.codes import QEMU320
from ..context import QemuContext
from ..dialects import Cap
from ..opts import Option, Opts
from . import device_id, not_compiled, placement

_NOT_HERE = {
    PanicModel.PSERIES: "is ppc64's; virtc compiles x86 guests",
    PanicModel.S390: "is s390's; virtc compiles x86 guests",
}


def build(node: Panic, domain: Domain, ctx: QemuContext) -> List[Option]:
    model = node.model or PanicModel.ISA
    if model is PanicModel.HYPERV:           # hv-crash on -cpu (platform/features.py)
        not_compiled(node, ctx, honoured=("alias",))
        return []
    if model in _NOT_HERE:
        ctx.diags.add(QEMU320, f"<panic model='{model.value}'> {_NOT_HERE[model]}; the guest"
                      " would not report crashes", node.span,
                      hint="use <panic model='isa'/> (pvpanic), or start this guest with libvirt")
        return []
    if model is PanicModel.PVPANIC:
        if not ctx.has(Cap.PVPANIC_PCI):
            ctx.unsupported(node.span, "<panic model='pvpanic'> (pvpanic-pci)",
                            "use <panic model='isa'/>, or choose a newer --qemu-version")
            return []
        not_compiled(node, ctx, honoured=("alias", "address"))
        dev_id = device_id(node.info, node.span, ctx)
        where = placement(node.info, domain, ctx, "<panic model='pvpanic'>")
        if dev_id is None or where is None:
            return []
        return [Option("-device", Opts.of("pvpanic-pci", ("id", dev_id), *where), node.span)]
    address = node.info.address
    if address is not None and address.type != "isa":
        ctx.diags.add(QEMU320, f"<panic model='isa'> with <address type='{address.type}'>:"
                      " the ISA pvpanic sits at an I/O port, on no other bus", address.span,
                      hint="write <address type='isa' iobase='0x505'/>, or no address")
        return []
    not_compiled(node, ctx, honoured=("alias", "address"))
    iobase = address.get("iobase") if address is not None else None
    return [Option("-device", Opts.of("pvpanic", ("ioport", int(iobase, 0) if iobase else None)),
                   node.span)]
