"""The <driver> of a virtio device: libvirt's virtioOptions, shared by every virtio family."""
from __future__ import annotations

from typing import ClassVar, Optional

from ..diagnostics import Span
from ..ir import NOWHERE
from .xmlmap import Attr, on_off
from ..node import Node


class VirtioDriver(Node):
    """<driver iommu ats packed page_per_vq>: each on/off, None when not given."""

    TAG: ClassVar[str] = "driver"
    XML: ClassVar[tuple] = (
        Attr("iommu", "iommu", on_off),
        Attr("ats", "ats", on_off),
        Attr("packed", "packed", on_off),
        Attr("page_per_vq", "page_per_vq", on_off),
    )
    iommu: Optional[bool] = None
    ats: Optional[bool] = None
    packed: Optional[bool] = None
    page_per_vq: Optional[bool] = None
    span: Span = NOWHERE
