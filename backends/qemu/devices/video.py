"""<video> → -device (compiler/devices/video.py), with libvirt's drivers and properties.

    <video><model type='qxl' ram='65536' vram='65536' vgamem='16384' heads='1'/></video>
    -device qxl-vga,id=video0,max_outputs=1,ram_size=67108864,vram_size=67108864,
            vram64_size_mb=0,vgamem_mb=16,bus=pcie.0,addr=0x1

The primary (first) device is the VGA-compatible one: VGA, cirrus-vga, vmware-svga,
qxl-vga, virtio-vga, bochs-display, ramfb; a secondary qxl is `qxl`, a secondary virtio
`virtio-gpu-pci`. Sizes: libvirt writes KiB, QEMU takes bytes (ram_size, vram_size,
bochs' vgamem) or MiB (vgamem_mb, vram64_size_mb); VGA's video memory is its vgamem_mb,
from vram=. model type='none' builds nothing (and no -vga: the guest has no display
adapter, as libvirt's argv); the video device post-parse adds for a guest with
<graphics> and no <video> is the graphics builder's -vga std.
"""
from __future__ import annotations

from typing import List

from ....compiler.devices.video import Video, VideoType
from ....compiler.ir import Domain
from ....compiler.rules.codes import QEMU320
from ..context import QemuContext
from ..dialects import Cap
from ..opts import Option, Opts
from . import device_id, not_compiled, placement, virtio_driver_props

PRIMARY = {
    VideoType.VGA: "VGA",
    VideoType.CIRRUS: "cirrus-vga",
    VideoType.VMVGA: "vmware-svga",
    VideoType.QXL: "qxl-vga",
    VideoType.VIRTIO: "virtio-vga",
    VideoType.BOCHS: "bochs-display",
    VideoType.RAMFB: "ramfb",
}
SECONDARY = {
    VideoType.QXL: "qxl",
    VideoType.VIRTIO: "virtio-gpu-pci",
    VideoType.BOCHS: "bochs-display",
}
MIB = 1024          # KiB per MiB


def build(node: Video, domain: Domain, ctx: QemuContext) -> List[Option]:
    if node.implicit or node.type is VideoType.NONE:
        return []
    primary = node is next(v for v in domain.devices.of(Video))
    driver = (PRIMARY if primary else SECONDARY).get(node.type)
    if driver is None:
        ctx.diags.add(QEMU320, f"<model type='{node.type.value}'> as"
                      f" {'the first' if primary else 'a second'} <video> is valid libvirt"
                      " XML, but QEMU has no such device", node.span,
                      hint="use type='virtio', 'qxl', 'vga' or 'bochs'")
        return []
    if not ctx.has(Cap.DEVICE):
        ctx.unsupported(node.span, "a <video> device", "remove <video> or choose a newer"
                        " --qemu-version")
        return []
    if not _expressible(node, ctx):
        return []
    not_compiled(node, ctx, honoured=("alias", "address"))
    where = placement(node.info, domain, ctx, "<video>") if node.is_pci else ()
    if where is None:
        return []
    model = node.model
    props: list = [("id", device_id(node.info, node.span, ctx))]
    if node.type in (VideoType.VIRTIO, VideoType.QXL):
        props.append(("max_outputs", model.heads))
    if node.type is VideoType.QXL:
        props += [("ram_size", model.ram * 1024 if model.ram is not None else None),
                  ("vram_size", model.vram * 1024 if model.vram is not None else None),
                  ("vram64_size_mb", model.vram64 // MIB if model.vram64 is not None else 0),
                  ("vgamem_mb", model.vgamem // MIB if model.vgamem is not None else None)]
    elif node.type in (VideoType.VGA, VideoType.VMVGA):
        props.append(("vgamem_mb", model.vram // MIB if model.vram is not None else None))
    elif node.type is VideoType.BOCHS:
        props.append(("vgamem", model.vram * 1024 if model.vram is not None else None))
    if node.type is VideoType.VIRTIO:
        props += virtio_driver_props(node.driver)
    if model.resolution is not None:
        props += [("xres", model.resolution.x), ("yres", model.resolution.y)]
    return [Option("-device", Opts.of(driver, *props, *where), node.span)]


def _expressible(node: Video, ctx: QemuContext) -> bool:
    """What virtc doesn't build yet: 3D acceleration (virtio-vga-gl and a GL display),
    a vhost-user GPU, Xen's vgaconf, a resolution on a model without xres/yres."""
    model, driver = node.model, node.driver
    problems = []
    if model.acceleration is not None and (model.acceleration.accel3d
                                           or model.acceleration.rendernode):
        problems.append((model.acceleration.span, "<acceleration accel3d='yes'>"))
    if driver is not None and driver.name is not None and driver.name.value == "vhostuser":
        problems.append((driver.span, "<driver name='vhostuser'>"))
    if driver is not None and driver.vgaconf is not None:
        problems.append((driver.span, "<driver vgaconf>"))
    if model.resolution is not None and node.type not in (VideoType.VIRTIO, VideoType.QXL,
                                                          VideoType.BOCHS):
        problems.append((model.resolution.span, f"<resolution> on a {node.type.value} card"))
    for span, what in problems:
        ctx.diags.add(QEMU320, f"{what} is valid libvirt XML, but virtc does not build it"
                      " for QEMU yet", span, hint=f"remove {what}, or start this guest with"
                      " libvirt")
    return not problems
