"""<sound> on Xen (compiler/devices/sound.py): the soundhw key of HVM guests, and reading
it back.

Follows libvirt's xenFormatSound / xenParseSxprSound (src/libxl/xen_common.c): every card's
model name, comma-separated, in one string (`soundhw = "sb16,es1370"`), for HVM guests
only, since qemu-dm emulates the cards. Reading it back, each name is one <sound>, and the
bogus `soundhw = "all"` of old Xen configs is the two cards Xen's qemu-dm had (sb16 and
es1370), as libvirt reads it; a name libvirt doesn't know (qemu's "hda") is a warning and
left out. libvirt's libxl driver takes sb16, es1370, ac97 and ich6 only ("unsupported audio
model" for pcspk, ich7, ich9 and usb): those, HDA codecs (soundhw names cards only) and a
card of a PV guest are XEN440; a card's <audio id> (the host backend) is XEN441. xm.py and xl.py place the key in their key order
(build_sound), so this module has no generic `build`.
"""
from __future__ import annotations

from typing import Dict, List, Optional

from ....compiler.devices.sound import Sound, SoundModel
from ....compiler.rules.codes import XEN428, XEN440, XEN441
from ..common import Builder, Config
from ..import_values import ConfigReader

# The soundhw name of each model: libvirt writes its own model names, for the models its
# libxl driver accepts (libxlDomainDefValidate); None: refused.
SOUNDHW: Dict[SoundModel, Optional[str]] = {
    SoundModel.SB16: "sb16",
    SoundModel.ES1370: "es1370",
    SoundModel.PCSPK: None,
    SoundModel.AC97: "ac97",
    SoundModel.ICH6: "ich6",
    SoundModel.ICH7: None,
    SoundModel.ICH9: None,
    SoundModel.USB: None,
}
ENUM_TABLES = ((SoundModel, SOUNDHW),)
# What libvirt reads `soundhw = "all"` as: the two cards Xen's qemu-dm historically had.
ALL = (SoundModel.SB16, SoundModel.ES1370)


def build_sound(b: Builder, config: Config) -> None:
    sounds = b.domain.devices.of(Sound)
    names: List[str] = []
    for sound in sounds:
        if not b.hvm:
            b.report(XEN440, f"<sound model='{sound.model.value}'> is valid libvirt XML, but a"
                     " paravirtualized Xen guest has no emulated sound card; the guest would"
                     " lack it", sound.span, hint="remove <sound>, or make the guest HVM")
            continue
        for codec in sound.codecs:
            b.report(XEN440, f"<codec type='{codec.type.value if codec.type else ''}'> is "
                     f"valid libvirt XML, but {b.target}'s soundhw key names cards only; "
                     "the guest would get the card's own codec", codec.span,
                     hint="remove <codec>")
        if sound.audio is not None:
            b.report(XEN441, f"<audio id='{sound.audio.id}'> in <sound> picks the host backend"
                     f" the card plays through; {b.target}'s soundhw has no place for it, and"
                     " Xen's device model uses its own", sound.audio.span)
        name = SOUNDHW[sound.model]
        if name is None:
            b.report(XEN440, f"<sound model='{sound.model.value}'> is valid libvirt XML, but "
                     "Xen's device model has no such card (libvirt: \"unsupported audio "
                     "model\"); the guest would lack it", sound.span,
                     hint="use model='ich6', 'ac97', 'es1370' or 'sb16'")
            continue
        names.append(name)
    if names:
        config.set("soundhw", ",".join(names))


# ------------------------------------------------------------------ import

def sounds(r: ConfigReader, hvm: bool) -> List[Sound]:
    setting = r.get("soundhw") if hvm else None
    if setting is None:
        return []
    text = r.string("soundhw")
    if text is None:
        return []
    if text == "all":
        return [Sound(model, span=setting.span) for model in ALL]
    by_name = {name: model for model, name in SOUNDHW.items() if name is not None}
    out = []
    for name in text.split(","):
        model = by_name.get(name.strip())
        if model is None:
            r.report(XEN428, f"soundhw = {text!r}: {name.strip()!r} is not a sound card libvirt "
                     "knows; left out", setting.span,
                     hint="use " + ", ".join(by_name) + " (ich6 is qemu's hda), or all")
            continue
        out.append(Sound(model, span=setting.span))
    return out
