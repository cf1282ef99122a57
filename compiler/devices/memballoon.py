"""<memballoon>: the memory balloon device.

    <memballoon model='virtio' autodeflate='on' freePageReporting='on'>
      <stats period='10'/>
      <driver iommu='on'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/>
    </memballoon>

Schema: schemas/domain/memballoon.xsd. Builders: backends/qemu/devices/memballoon.py,
backends/xen/devices/memballoon.py.

No semantic rule of its own: libvirt accepts every combination the schema admits (even
autodeflate on model='none', which then means nothing). What a backend can't build is
that backend's finding.
"""
from __future__ import annotations

from typing import ClassVar, Optional

from ..diagnostics import Severity, Span
from ..ir import NOWHERE
from ..rules.codes import Code
from .info import EMPTY, DeviceInfo
from .virtio import VirtioDriver
from .xmlmap import Attr, Child, Info, on_off
from ..node import Choice, Node, replace


class BalloonModel(Choice):
    VIRTIO = "virtio"
    VIRTIO_TRANSITIONAL = "virtio-transitional"
    VIRTIO_NON_TRANSITIONAL = "virtio-non-transitional"
    XEN = "xen"
    NONE = "none"


class BalloonStats(Node):
    """<stats period=…>: ask the guest for memory statistics every `period` seconds."""

    TAG: ClassVar[str] = "stats"
    XML: ClassVar[tuple] = (Attr("period", "period", int),)
    period: int = 0
    span: Span = NOWHERE


class Memballoon(Node):
    """One <memballoon>."""

    TAG: ClassVar[str] = "memballoon"
    XML: ClassVar[tuple] = (
        Attr("model", "model", BalloonModel),
        Attr("autodeflate", "autodeflate", on_off),
        Attr("freePageReporting", "free_page_reporting", on_off),
        Child("stats", BalloonStats),
        Child("driver", VirtioDriver),
        Info(),
    )
    model: BalloonModel = BalloonModel.VIRTIO
    autodeflate: Optional[bool] = None          # deflate when the guest runs out of memory
    free_page_reporting: Optional[bool] = None  # the guest returns free pages to the host
    stats: Optional[BalloonStats] = None
    driver: Optional[VirtioDriver] = None
    info: DeviceInfo = EMPTY
    span: Span = NOWHERE

    @property
    def present(self) -> bool:
        """False for model='none', which asks for no balloon at all."""
        return self.model is not BalloonModel.NONE

    @property
    def is_virtio(self) -> bool:
        return self.model.value.startswith("virtio")


NODE = Memballoon

# The codes this family reports (from its backend builders); documented in rules() below.
QEMU322 = Code("QEMU322", Severity.ERROR)


def rules():
    """The rules this family reports (built on demand: the text is only for the registry)."""
    from ..rules import Rule

    return (
        Rule(QEMU322, "memballoon-model-xen",
             "<memballoon model='xen'> on a QEMU/KVM guest",
             "model='xen' is the balloon of Xen's own paravirtual drivers; QEMU has no such"
             " device, and libvirt refuses to start the guest.",
             "<domain type='kvm'> … <memballoon model='xen'/>",
             "use model='virtio', or model='none' for no balloon"),
    )


def postparse(node: Memballoon, index: int, domain) -> Memballoon:
    """Defaults, each as libvirt applies it:

    - alias: `balloon0` (libvirt's qemuAssignDeviceAliases; there is only one balloon);
    - autodeflate and freePageReporting: off when not written (QEMU's defaults too, so
      the backends emit them only when on).
    """
    return replace(
        node,
        info=replace(node.info, alias=node.info.alias or f"balloon{index}"),
        autodeflate=bool(node.autodeflate),
        free_page_reporting=bool(node.free_page_reporting),
    )

