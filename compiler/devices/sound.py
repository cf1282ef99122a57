"""<sound>: an emulated sound card, and the codecs of an HDA controller.

    <sound model='es1370'/>
    <sound model='ich9'>
      <codec type='duplex'/>
    </sound>

Schema: schemas/domain/sound.xsd. Builder: backends/xen/devices/sound.py (xm/xl's soundhw
key, and reading it back). The QEMU backend has no builder yet (QEMU320): QEMU 7.2 wants an
-audiodev for each card, which virtc doesn't write.

Read: model= and the <codec type> children. An <audio id> reference stays unread and is
reported (no backend here picks an audio backend).
"""
from __future__ import annotations

import enum
from typing import ClassVar, Optional, Tuple

from ..diagnostics import Span
from ..ir import NOWHERE
from .info import EMPTY, DeviceInfo
from .xmlmap import Attr, Children, Info
from ..node import Node


class SoundModel(str, enum.Enum):
    SB16 = "sb16"
    ES1370 = "es1370"
    PCSPK = "pcspk"
    AC97 = "ac97"
    ICH6 = "ich6"
    ICH7 = "ich7"
    ICH9 = "ich9"
    USB = "usb"


class CodecType(str, enum.Enum):
    DUPLEX = "duplex"
    MICRO = "micro"
    OUTPUT = "output"


class Codec(Node):
    """<codec type>: an HDA codec on an ich6/ich7/ich9 controller."""

    TAG: ClassVar[str] = "codec"
    XML: ClassVar[tuple] = (Attr("type", "type", CodecType),)
    type: Optional[CodecType] = None
    span: Span = NOWHERE


class Sound(Node):
    """One <sound>."""

    TAG: ClassVar[str] = "sound"
    XML: ClassVar[tuple] = (
        Attr("model", "model", SoundModel),
        Children("codecs", Codec),
        Info(),
    )
    model: SoundModel = SoundModel.ES1370
    codecs: Tuple[Codec, ...] = ()
    info: DeviceInfo = EMPTY
    span: Span = NOWHERE


NODE = Sound
