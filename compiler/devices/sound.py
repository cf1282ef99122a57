"""<sound>: an emulated sound card, the codecs of an HDA controller, and the <audio>
backend it plays through.

    <sound model='es1370'/>
    <sound model='ich9'>
      <codec type='duplex'/>
      <audio id='1'/>
    </sound>

Schema: schemas/domain/sound.xsd. Builders: backends/qemu/devices/sound.py (-device per
card and codec, pcspk through -machine), backends/xen/devices/sound.py (xm/xl's soundhw
key, and reading it back).

Read: model=, the <codec type> children and the <audio id> reference (the backend is
compiler/devices/audio.py's <audio>). SEM306, a reference to no <audio>, is checked here.
The alias `sound<N>` is the QEMU driver's (compiler/postparse/qemu.py, rule 9).
"""
from __future__ import annotations

from typing import ClassVar, Optional, Tuple

from ..diagnostics import Diagnostics, Span
from ..ir import NOWHERE, Domain
from .audio import audio_id
from .info import EMPTY, DeviceInfo
from .xmlmap import Attr, Child, Children, Info
from ..node import Choice, Node


class SoundModel(Choice):
    SB16 = "sb16"
    ES1370 = "es1370"
    PCSPK = "pcspk"
    AC97 = "ac97"
    ICH6 = "ich6"
    ICH7 = "ich7"
    ICH9 = "ich9"
    USB = "usb"


class CodecType(Choice):
    DUPLEX = "duplex"
    MICRO = "micro"
    OUTPUT = "output"


class Codec(Node):
    """<codec type>: an HDA codec on an ich6/ich7/ich9 controller."""

    TAG: ClassVar[str] = "codec"
    XML: ClassVar[tuple] = (Attr("type", "type", CodecType),)
    type: Optional[CodecType] = None
    span: Span = NOWHERE


class SoundAudio(Node):
    """<audio id>: which <audio> backend the card plays through (none: the first one)."""

    TAG: ClassVar[str] = "audio"
    XML: ClassVar[tuple] = (Attr("id", "id", audio_id),)
    id: int = 0
    span: Span = NOWHERE


class Sound(Node):
    """One <sound>."""

    TAG: ClassVar[str] = "sound"
    XML: ClassVar[tuple] = (
        Attr("model", "model", SoundModel),
        Children("codecs", Codec),
        Child("audio", SoundAudio),
        Info(),
    )
    model: SoundModel = SoundModel.ES1370
    codecs: Tuple[Codec, ...] = ()
    audio: Optional[SoundAudio] = None
    info: DeviceInfo = EMPTY
    span: Span = NOWHERE


NODE = Sound

# This family's place in libvirt's order of USB ports (compiler/postparse/qemu.py, 5).
USB_ORDER = 60


def wants_usb_port(node: Sound) -> bool:
    """A <sound model='usb'> (usb-audio) takes a USB port."""
    return node.model.value == "usb"


def check_all(nodes, domain: Domain, diags: Diagnostics) -> None:
    from .audio import SEM306, Audio

    ids = {a.id for a in domain.devices.of(Audio)}
    for sound in nodes:
        ref = sound.audio
        if ref is not None and ref.id not in ids:
            diags.add(SEM306, f"<sound model='{sound.model.value}'> plays through <audio"
                      f" id='{ref.id}'>, which this domain doesn't have", ref.span,
                      hint=f"add <audio id='{ref.id}' type=…/>, or name an existing id")
