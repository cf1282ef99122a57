"""<memballoon> → -device virtio-balloon-pci (compiler/devices/memballoon.py).

    <memballoon model='virtio' autodeflate='on' freePageReporting='on'>
      <stats period='10'/>
    </memballoon>
    -device virtio-balloon-pci,id=balloon0,deflate-on-oom=on,free-page-reporting=on,
            guest-stats-polling-interval=10

libvirt starts the statistics polling over QMP once QEMU runs; virtc has no monitor
connection, so it sets the same property (`guest-stats-polling-interval`) on the command
line, where QEMU accepts it as well.
"""
from __future__ import annotations

from typing import List

from ....compiler.devices.memballoon import QEMU322, BalloonModel, Memballoon
from ....compiler.ir import Domain
from ..context import QemuContext
from ..dialects import Cap
from ..opts import Option, Opts
from . import device_id, not_compiled, placement, virtio_driver_props

DRIVER = {
    BalloonModel.VIRTIO: "virtio-balloon-pci",
    BalloonModel.VIRTIO_TRANSITIONAL: "virtio-balloon-pci-transitional",
    BalloonModel.VIRTIO_NON_TRANSITIONAL: "virtio-balloon-pci-non-transitional",
}


def build(node: Memballoon, domain: Domain, ctx: QemuContext) -> List[Option]:
    if node.model is BalloonModel.NONE:
        return []                               # no balloon, as asked
    if node.model is BalloonModel.XEN:
        ctx.diags.add(QEMU322, "<memballoon model='xen'> is Xen's own balloon; a QEMU guest"
                      " can't have it", node.span,
                      hint="use model='virtio' (or 'none' for no balloon)")
        return []
    if not ctx.has(Cap.DEVICE):
        ctx.unsupported(node.span, "a virtio memory balloon",
                        "remove <memballoon> or choose a newer --qemu-version")
        return []
    if node.model is not BalloonModel.VIRTIO and not ctx.has(Cap.VIRTIO_TRANSITIONAL):
        ctx.unsupported(node.span, f"<memballoon model='{node.model.value}'>",
                        "use model='virtio'")
        return []
    not_compiled(node, ctx, honoured=("alias", "address"))
    where = placement(node.info, domain, ctx, "<memballoon>")
    if where is None:
        return []
    props = [("id", device_id(node.info, node.span, ctx))]
    props += _optional(node, ctx)
    props += virtio_driver_props(node.driver)
    props += where
    return [Option("-device", Opts.of(DRIVER[node.model], *props), node.span)]


def _optional(node: Memballoon, ctx: QemuContext) -> list:
    """The balloon's own properties, each only when the document turns it on."""
    wanted = [
        (node.autodeflate, Cap.BALLOON_DEFLATE_ON_OOM, "deflate-on-oom", True,
         "autodeflate='on'"),
        (node.free_page_reporting, Cap.BALLOON_FREE_PAGE_REPORTING, "free-page-reporting",
         True, "freePageReporting='on'"),
        (node.stats is not None, Cap.BALLOON_STATS_POLLING, "guest-stats-polling-interval",
         node.stats.period if node.stats else None, "<stats period>"),
    ]
    props = []
    for on, cap, key, value, what in wanted:
        if not on:
            continue
        if ctx.has(cap):
            props.append((key, value))
        else:
            ctx.unsupported(node.span, f"a memory balloon with {what}", f"remove {what}")
    return props
