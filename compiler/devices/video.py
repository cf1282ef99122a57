"""<video>: the guest's display adapter.

    <video>
      <model type='qxl' ram='65536' vram='65536' vgamem='16384' heads='1' primary='yes'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>
    </video>
    <video><model type='virtio' heads='2'/></video>
    <video><model type='none'/></video>

Sizes are KiB, as libvirt writes them. Schema: schemas/domain/video.xsd. Builder:
backends/qemu/devices/video.py.
"""
from __future__ import annotations

from typing import ClassVar, Optional

from ..diagnostics import Span
from ..ir import NOWHERE
from .info import EMPTY, DeviceInfo
from .xmlmap import Attr, Child, Info, on_off, yes_no
from ..node import Choice, Node, replace


class VideoType(Choice):
    VGA = "vga"
    CIRRUS = "cirrus"
    VMVGA = "vmvga"
    XEN = "xen"
    VBOX = "vbox"
    QXL = "qxl"
    VIRTIO = "virtio"
    GOP = "gop"
    NONE = "none"
    BOCHS = "bochs"
    RAMFB = "ramfb"


class VideoDriverName(Choice):
    QEMU = "qemu"
    VHOSTUSER = "vhostuser"


class VgaConf(Choice):
    IO = "io"
    ON = "on"
    OFF = "off"


class VideoAcceleration(Node):
    TAG: ClassVar[str] = "acceleration"
    XML: ClassVar[tuple] = (Attr("accel3d", "accel3d", yes_no),
                            Attr("accel2d", "accel2d", yes_no),
                            Attr("rendernode", "rendernode"))
    accel3d: Optional[bool] = None
    accel2d: Optional[bool] = None
    rendernode: Optional[str] = None
    span: Span = NOWHERE


class VideoResolution(Node):
    TAG: ClassVar[str] = "resolution"
    XML: ClassVar[tuple] = (Attr("x", "x", int), Attr("y", "y", int))
    x: int = 0
    y: int = 0
    span: Span = NOWHERE


class VideoModel(Node):
    """<model type vram heads primary ram vgamem vram64> (sizes in KiB)."""

    TAG: ClassVar[str] = "model"
    XML: ClassVar[tuple] = (
        Attr("type", "type", VideoType),
        Attr("ram", "ram", int),
        Attr("vram", "vram", int),
        Attr("vram64", "vram64", int),
        Attr("vgamem", "vgamem", int),
        Attr("heads", "heads", int),
        Attr("primary", "primary", yes_no),
        Child("acceleration", VideoAcceleration),
        Child("resolution", VideoResolution),
    )
    type: VideoType = VideoType.VGA
    ram: Optional[int] = None
    vram: Optional[int] = None
    vram64: Optional[int] = None
    vgamem: Optional[int] = None
    heads: Optional[int] = None
    primary: Optional[bool] = None
    acceleration: Optional[VideoAcceleration] = None
    resolution: Optional[VideoResolution] = None
    span: Span = NOWHERE


class VideoDriver(Node):
    """<driver name vgaconf> plus the virtio options."""

    TAG: ClassVar[str] = "driver"
    XML: ClassVar[tuple] = (
        Attr("name", "name", VideoDriverName),
        Attr("vgaconf", "vgaconf", VgaConf),
        Attr("iommu", "iommu", on_off),
        Attr("ats", "ats", on_off),
        Attr("packed", "packed", on_off),
        Attr("page_per_vq", "page_per_vq", on_off),
    )
    name: Optional[VideoDriverName] = None
    vgaconf: Optional[VgaConf] = None
    iommu: Optional[bool] = None
    ats: Optional[bool] = None
    packed: Optional[bool] = None
    page_per_vq: Optional[bool] = None
    span: Span = NOWHERE


class Video(Node):
    """One <video>."""

    TAG: ClassVar[str] = "video"
    XML: ClassVar[tuple] = (Child("model", VideoModel), Child("driver", VideoDriver), Info())
    model: Optional[VideoModel] = None
    driver: Optional[VideoDriver] = None
    info: DeviceInfo = EMPTY
    span: Span = NOWHERE
    # True for the video device post-parse adds to a guest with <graphics> and no <video>
    # (libvirt's implicit video): QEMU's -vga std builds it.
    implicit: bool = False

    @property
    def type(self) -> VideoType:
        return self.model.type if self.model is not None else VideoType.VGA

    @property
    def is_pci(self) -> bool:
        """ramfb and none are no PCI devices."""
        return self.type not in (VideoType.NONE, VideoType.RAMFB)


NODE = Video

# libvirt's sizes for a QEMU video device without them (KiB; qemuDomainDeviceVideoDefPostParse
# and virDomainVideoDefaultRAM): qxl 64 MiB ram and vram and 16 MiB vgamem; vga, cirrus,
# vmvga and bochs 16 MiB vram.
QXL_RAM_KIB = 65536
QXL_VRAM_KIB = 65536
QXL_VGAMEM_KIB = 16384
DEFAULT_VRAM_KIB = 16384


def postparse(node: Video, index: int, domain) -> Video:
    """Defaults, each as libvirt applies them:

    - no <model>: type vga (libvirt 9.0's default for an x86 QEMU guest);
    - alias video<N>;
    - heads 1 on every model but none; the first video is the primary one;
    - sizes: qxl ram 65536, vram 65536, vgamem 16384 KiB; vga, cirrus, vmvga and bochs
      vram 16384 KiB (virtio, ramfb and none have no video memory setting).
    """
    model = node.model or VideoModel(type=VideoType.VGA, span=node.span)
    t = model.type
    changes = {}
    if t is not VideoType.NONE:
        if model.heads is None:
            changes["heads"] = 1
        if index == 0 and model.primary is None:
            changes["primary"] = True
    if t is VideoType.QXL:
        if model.ram is None:
            changes["ram"] = QXL_RAM_KIB
        if model.vram is None:
            changes["vram"] = QXL_VRAM_KIB
        if model.vgamem is None:
            changes["vgamem"] = QXL_VGAMEM_KIB
    elif t in (VideoType.VGA, VideoType.CIRRUS, VideoType.VMVGA, VideoType.BOCHS):
        if model.vram is None:
            changes["vram"] = DEFAULT_VRAM_KIB
    if changes:
        model = replace(model, **changes)
    return replace(node, model=model,
                   info=replace(node.info, alias=node.info.alias or f"video{index}"))
