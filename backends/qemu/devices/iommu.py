"""<iommu model='intel'> → -device intel-iommu (compiler/devices/iommu.py).

    <iommu model='intel'><driver intremap='on' caching_mode='on' eim='on' iotlb='on'/></iommu>
    -device intel-iommu,id=iommu0,intremap=on,caching-mode=on,eim=on,device-iotlb=on

As libvirt's qemuBuildIOMMUCommandLine (QEMU's property names: caching-mode, device-iotlb,
aw-bits). Interrupt remapping under KVM needs the split irqchip, which libvirt asks the
document to say (<features><ioapic driver='qemu'/>, -machine kernel_irqchip=split); that
feature is compiled with <features>. smmuv3 (Arm) and virtio-iommu are not compiled yet.
"""
from __future__ import annotations

from typing import List

from ....compiler.devices.iommu import QEMU385, Iommu, IommuModel
from ....compiler.ir import Domain
from ....compiler.rules.codes import QEMU320
from ..context import QemuContext
from ..opts import Option, Opts
from . import device_id, is_q35, not_compiled


def build(node: Iommu, domain: Domain, ctx: QemuContext) -> List[Option]:
    if node.model is not IommuModel.INTEL:
        ctx.diags.add(QEMU320, f"<iommu model='{node.model.value}'> is valid libvirt XML, but "
                      "virtc compiles only the intel IOMMU for QEMU", node.span,
                      hint="use model='intel' on q35, or start this guest with libvirt")
        return []
    if not is_q35(domain):
        ctx.diags.add(QEMU385, f"<iommu model='intel'> needs a q35 machine, not "
                      f"'{domain.os.machine}'", node.span, hint="use machine='q35'")
        return []
    d = node.driver
    if d is not None and d.eim and not d.intremap:
        ctx.diags.add(QEMU385, "<driver eim='on'> without intremap='on': extended interrupt "
                      "mode is a mode of interrupt remapping", d.span,
                      hint="add intremap='on', or remove eim=")
        return []
    # The intel IOMMU sits on the root complex, with no PCI address of its own.
    not_compiled(node, ctx, honoured=("alias",))
    dev_id = device_id(node.info, node.span, ctx)
    if dev_id is None:
        return []
    props = [("id", dev_id)]
    if d is not None:
        props += [("intremap", d.intremap), ("caching-mode", d.caching_mode), ("eim", d.eim),
                  ("device-iotlb", d.iotlb), ("aw-bits", d.aw_bits)]
    return [Option("-device", Opts.of("intel-iommu", *props), node.span)]
