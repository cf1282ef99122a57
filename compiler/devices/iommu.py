"""<iommu>: an emulated IOMMU.

    <iommu model='intel'>
      <driver intremap='on' caching_mode='on' eim='on' iotlb='on' aw_bits='48'/>
    </iommu>

Schema: schemas/domain/iommu.xsd. Builder: backends/qemu/devices/iommu.py.

Read: model=, <driver> and the DeviceInfo.
"""
from __future__ import annotations

from typing import ClassVar, Optional

from ..diagnostics import Severity, Span
from ..ir import NOWHERE
from ..rules.codes import Code
from .info import EMPTY, DeviceInfo
from .xmlmap import Attr, Child, Info, number, on_off
from ..node import Choice, Node, replace


class IommuModel(Choice):
    INTEL = "intel"
    SMMUV3 = "smmuv3"
    VIRTIO = "virtio"


class IommuDriver(Node):
    TAG: ClassVar[str] = "driver"
    XML: ClassVar[tuple] = (
        Attr("intremap", "intremap", on_off),
        Attr("caching_mode", "caching_mode", on_off),
        Attr("eim", "eim", on_off),
        Attr("iotlb", "iotlb", on_off),
        Attr("aw_bits", "aw_bits", number),
    )
    intremap: Optional[bool] = None      # interrupt remapping
    caching_mode: Optional[bool] = None
    eim: Optional[bool] = None           # extended interrupt mode (x2APIC)
    iotlb: Optional[bool] = None         # device IOTLB
    aw_bits: Optional[int] = None        # guest address width
    span: Span = NOWHERE


class Iommu(Node):
    """The <iommu>."""

    TAG: ClassVar[str] = "iommu"
    XML: ClassVar[tuple] = (
        Attr("model", "model", IommuModel),
        Child("driver", IommuDriver),
        Info(),
    )
    model: IommuModel = IommuModel.INTEL
    driver: Optional[IommuDriver] = None
    info: DeviceInfo = EMPTY
    span: Span = NOWHERE


NODE = Iommu

QEMU385 = Code("QEMU385", Severity.ERROR)      # reported by backends/qemu/devices/iommu.py


def rules():
    from ..rules import Rule

    return (
        Rule(QEMU385, "intel-iommu-needs-q35",
             "<iommu model='intel'> on a machine other than q35, or eim='on' without "
             "intremap='on'.",
             "QEMU's intel-iommu is a q35 (PCIe) device, and extended interrupt mode is an "
             "interrupt remapping mode; libvirt refuses both (\"IOMMU device: 'intel' is "
             "only supported with Q35 machines\", \"'eim' requires interrupt remapping\").",
             "<os><type machine='pc'>hvm</type></os> … <iommu model='intel'/>",
             "use a q35 machine; write intremap='on' with eim='on'"),
    )


def postparse(node: Iommu, index: int, domain) -> Iommu:
    """Defaults, as libvirt applies them: alias `iommu<N>`."""
    return replace(node, info=replace(node.info, alias=node.info.alias or f"iommu{index}"))
