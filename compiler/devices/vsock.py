"""<vsock>: a virtio socket between the guest and its host (AF_VSOCK).

    <vsock model='virtio'>
      <cid auto='no' address='3'/>
    </vsock>

Schema: schemas/domain/vsock.xsd. Builder: backends/qemu/devices/vsock.py.

Read: model=, <cid auto address>, the virtio <driver> options and the DeviceInfo.
"""
from __future__ import annotations

from typing import ClassVar, Optional, Tuple

from ..diagnostics import Diagnostics, Severity, Span
from ..ir import NOWHERE
from ..rules.codes import Code
from .info import EMPTY, DeviceInfo
from .virtio import VirtioDriver
from .xmlmap import Attr, Child, Info, yes_no
from ..node import Choice, Node, replace


class VsockModel(Choice):
    VIRTIO = "virtio"
    VIRTIO_TRANSITIONAL = "virtio-transitional"
    VIRTIO_NON_TRANSITIONAL = "virtio-non-transitional"


class VsockCid(Node):
    """<cid auto address>: the guest's context ID, or let the host pick a free one."""

    TAG: ClassVar[str] = "cid"
    XML: ClassVar[tuple] = (Attr("auto", "auto", yes_no), Attr("address", "address", int))
    auto: Optional[bool] = None
    address: Optional[int] = None
    span: Span = NOWHERE


class Vsock(Node):
    """One <vsock>."""

    TAG: ClassVar[str] = "vsock"
    XML: ClassVar[tuple] = (
        Attr("model", "model", VsockModel),
        Child("cid", VsockCid),
        Child("driver", VirtioDriver),
        Info(),
    )
    model: Optional[VsockModel] = None
    cid: Optional[VsockCid] = None
    driver: Optional[VirtioDriver] = None
    info: DeviceInfo = EMPTY
    span: Span = NOWHERE


NODE = Vsock

SEM297 = Code("SEM297", Severity.ERROR)
QEMU384 = Code("QEMU384", Severity.ERROR)      # reported by backends/qemu/devices/vsock.py


def rules():
    from ..rules import Rule

    return (
        Rule(SEM297, "vsock-reserved-cid",
             "A <vsock> whose <cid address> is 0, 1 or 2, or above 4294967294.",
             "Context IDs 0-2 are the hypervisor's and the host's (VMADDR_CID_HYPERVISOR, "
             "_LOCAL, _HOST), and 0xffffffff is VMADDR_CID_ANY; libvirt refuses them: "
             "\"guest CIDs must be >= 3\".",
             "<vsock model='virtio'><cid auto='no' address='2'/></vsock>",
             "use a CID of 3 or more, unique on the host"),
        Rule(QEMU384, "vsock-auto-cid",
             "A <vsock> with <cid auto='yes'/> and no address, compiled for plain QEMU.",
             "libvirt picks a free context ID when the guest starts, by trying each one on "
             "/dev/vhost-vsock; a compiled argv has to name one, and virtc can't know which "
             "are free on the host where the argv runs.",
             "<vsock model='virtio'><cid auto='yes'/></vsock>",
             "give the CID: <cid auto='no' address='3'/> (unique among the host's guests)"),
    )


def postparse(node: Vsock, index: int, domain) -> Vsock:
    """Defaults, as libvirt applies them: model virtio; alias `vsock<N>`."""
    return replace(node, model=node.model or VsockModel.VIRTIO,
                   info=replace(node.info, alias=node.info.alias or f"vsock{index}"))


def check(node: Vsock, diags: Diagnostics) -> None:
    cid = node.cid
    if cid is not None and cid.address is not None and not 3 <= cid.address <= 0xfffffffe:
        diags.add(SEM297, f"<cid address='{cid.address}'> is reserved: guest context IDs "
                  "start at 3", cid.span, hint="use a CID of 3 or more, unique on the host")
