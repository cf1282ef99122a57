"""<vsock> → vhost-vsock-pci with the guest's context ID (compiler/devices/vsock.py).

    <vsock model='virtio'><cid auto='no' address='3'/></vsock>
    -device vhost-vsock-pci,id=vsock0,guest-cid=3

As libvirt's qemuBuildVsockDevProps, except the vhost file descriptor: libvirt opens
/dev/vhost-vsock itself and passes vhostfd=; QEMU opens it when none is given. With
<cid auto='yes'/> and no address, libvirt picks a free CID at start; an argv must name one
(QEMU384).
"""
from __future__ import annotations

from typing import Dict, List

from ....compiler.devices.vsock import QEMU384, Vsock, VsockModel
from ....compiler.ir import Domain
from ..context import QemuContext
from ..dialects import Cap
from ..opts import Option, Opts
from . import device_id, not_compiled, placement, virtio_driver_props

DRIVER: Dict[VsockModel, str] = {
    VsockModel.VIRTIO: "vhost-vsock-pci",
    VsockModel.VIRTIO_TRANSITIONAL: "vhost-vsock-pci-transitional",
    VsockModel.VIRTIO_NON_TRANSITIONAL: "vhost-vsock-pci-non-transitional",
}


def build(node: Vsock, domain: Domain, ctx: QemuContext) -> List[Option]:
    model = node.model or VsockModel.VIRTIO
    if model is not VsockModel.VIRTIO and not ctx.has(Cap.VIRTIO_TRANSITIONAL):
        ctx.unsupported(node.span, f"<vsock model='{model.value}'>", "use model='virtio'")
        return []
    cid = node.cid.address if node.cid is not None else None
    if cid is None:
        ctx.diags.add(QEMU384, "<vsock> names no guest context ID; libvirt picks a free one "
                      "when the guest starts, and a compiled argv can't",
                      node.cid.span if node.cid is not None else node.span,
                      hint="write <cid auto='no' address='3'/> with a CID unique on the host")
        return []
    not_compiled(node, ctx, honoured=("alias", "address"))
    dev_id = device_id(node.info, node.span, ctx)
    where = placement(node.info, domain, ctx, "<vsock>")
    if dev_id is None or where is None:
        return []
    props = [("id", dev_id), ("guest-cid", cid), *virtio_driver_props(node.driver), *where]
    return [Option("-device", Opts.of(DRIVER[model], *props), node.span)]
