"""<sound> (compiler/devices/sound.py) as libvirt's qemuBuildSoundCommandLine writes it:

    <sound model='ac97'/>              -device AC97,id=sound0,audiodev=audio1,bus=pci.0,addr=0x4
    <sound model='ich9'>               -device ich9-intel-hda,id=sound0,bus=pcie.0,addr=0x1b
      <codec type='output'/>           -device hda-output,id=sound0-codec0,bus=sound0.0,cad=0,
    </sound>                                   audiodev=audio1
    <sound model='usb'/>               -device usb-audio,id=sound1,audiodev=audio1,bus=usb.0,port=2
    <sound model='pcspk'/>             -machine …,pcspk-audiodev=audio1 (machine_props)

An HDA controller without <codec> gets one duplex codec, as libvirt gives it. Each card (or
codec) plays through its <audio id>, else the domain's first <audio>
(backends/qemu/devices/audio.py). Dialects without -device name cards with -soundhw; QEMU
7.1 removed -soundhw, and since 5.1 the PC speaker takes its backend as a machine property.
A DeviceInfo part the builder doesn't carry is QEMU320 on its line (an <alias> QEMU321).
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from ....compiler.devices.sound import CodecType, Sound, SoundModel
from ....compiler.ir import Domain
from ....compiler.rules.codes import QEMU320
from ..context import QemuContext
from ..dialects import Cap
from ..opts import Option, Opts, Raw
from . import device_id, not_compiled, placement, usb_address
from .audio import audiodev_of

# The -device of each model; None: not a -device (pcspk is the machine's own speaker,
# QEMU has no ich7 HDA controller).
DEVICE: Dict[SoundModel, Optional[str]] = {
    SoundModel.SB16: "sb16",
    SoundModel.ES1370: "ES1370",
    SoundModel.PCSPK: None,
    SoundModel.AC97: "AC97",
    SoundModel.ICH6: "intel-hda",
    SoundModel.ICH7: None,
    SoundModel.ICH9: "ich9-intel-hda",
    SoundModel.USB: "usb-audio",
}
# -soundhw names (before -device, and the PC speaker until 5.1); None: no such card there.
SOUNDHW: Dict[SoundModel, Optional[str]] = {
    SoundModel.SB16: "sb16",
    SoundModel.ES1370: "es1370",
    SoundModel.PCSPK: "pcspk",
    SoundModel.AC97: "ac97",
    SoundModel.ICH6: None,
    SoundModel.ICH7: None,
    SoundModel.ICH9: None,
    SoundModel.USB: None,
}
CODEC: Dict[CodecType, str] = {
    CodecType.DUPLEX: "hda-duplex",
    CodecType.MICRO: "hda-micro",
    CodecType.OUTPUT: "hda-output",
}
HDA = (SoundModel.ICH6, SoundModel.ICH7, SoundModel.ICH9)
ENUM_TABLES = ((SoundModel, DEVICE), (SoundModel, SOUNDHW), (CodecType, CODEC))


def build(node: Sound, domain: Domain, ctx: QemuContext) -> List[Option]:
    model = node.model
    if model is SoundModel.PCSPK:
        return _pcspk(node, ctx)
    if not ctx.has(Cap.DEVICE):
        return _soundhw(node, ctx)
    driver = DEVICE[model]
    if driver is None:                    # ich7
        not_compiled(node, ctx)
        ctx.diags.add(QEMU320, f"<sound model='{model.value}'> is valid libvirt XML, but QEMU"
                      " has no ich7 HDA controller; the guest would lack it", node.span,
                      hint="use model='ich9' or 'ich6'")
        return []
    if not ctx.has(Cap.HDA_AUDIO) and model in (*HDA, SoundModel.USB):
        not_compiled(node, ctx)
        ctx.unsupported(node.span, f"<sound model='{model.value}'> ({driver})",
                        "use model='ac97' or 'es1370', or choose a newer --qemu-version")
        return []
    usb = model is SoundModel.USB
    address = node.info.address
    honoured = ("alias", "address") if not usb or (address is None or address.type == "usb") \
        else ("alias",)
    not_compiled(node, ctx, honoured=honoured if model is not SoundModel.SB16 else ("alias",))
    dev_id = device_id(node.info, node.span, ctx) or _fallback_id(node, domain)
    audiodev = audiodev_of(domain, node.audio.id if node.audio else None, ctx)
    if usb:
        return [Option("-device", Opts.of(driver, ("id", dev_id), ("audiodev", audiodev),
                                          *usb_address(node.info)), node.span)]
    if model is SoundModel.SB16:          # an ISA card: no PCI address
        return [Option("-device", Opts.of(driver, ("id", dev_id), ("audiodev", audiodev)),
                       node.span)]
    where = placement(node.info, domain, ctx, "<sound>")
    if where is None:
        return []
    if model not in HDA:
        return [Option("-device", Opts.of(driver, ("id", dev_id), ("audiodev", audiodev),
                                          *where), node.span)]
    out = [Option("-device", Opts.of(driver, ("id", dev_id), *where), node.span)]
    codecs = [(c.type, c.span) for c in node.codecs] or [(CodecType.DUPLEX, node.span)]
    for cad, (kind, span) in enumerate(codecs):
        out.append(Option("-device", Opts.of(
            CODEC[kind], ("id", f"{dev_id}-codec{cad}"), ("bus", f"{dev_id}.0"), ("cad", cad),
            ("audiodev", audiodev)), span))
    return out


def _fallback_id(node: Sound, domain: Domain) -> str:
    """An HDA bus needs its controller's id: sound<N> when post-parse gave no alias (a
    document not written for today's libvirt)."""
    return f"sound{domain.devices.of(Sound).index(node)}"


def _pcspk(node: Sound, ctx: QemuContext) -> List[Option]:
    """The PC speaker is part of the machine: from 5.1 its backend is the machine's
    pcspk-audiodev (machine_props); before 7.1, -soundhw pcspk switched it on."""
    not_compiled(node, ctx)
    if ctx.has(Cap.MACHINE_PCSPK_AUDIODEV):
        return []
    if ctx.has(Cap.SOUNDHW):
        return [Option("-soundhw", Raw("pcspk"), node.span)]
    return []


def _soundhw(node: Sound, ctx: QemuContext) -> List[Option]:
    not_compiled(node, ctx)
    name = SOUNDHW[node.model]
    if name is None:
        ctx.unsupported(node.span, f"<sound model='{node.model.value}'>",
                        "use model='ac97', 'es1370' or 'sb16', or choose a newer"
                        " --qemu-version")
        return []
    for codec in node.codecs:
        ctx.unsupported(codec.span, "<codec>", "remove <codec>")
    return [Option("-soundhw", Raw(name), node.span)]


def machine_props(domain: Domain, ctx: QemuContext) -> List[Tuple[str, object]]:
    """pcspk-audiodev= on -machine for a <sound model='pcspk'> (libvirt's
    qemuBuildMachineCommandLine), when the dialect has it and the domain an <audio>."""
    if not ctx.has(Cap.MACHINE_PCSPK_AUDIODEV):
        return []
    speaker = next((s for s in domain.devices.of(Sound) if s.model is SoundModel.PCSPK), None)
    if speaker is None:
        return []
    audiodev = audiodev_of(domain, speaker.audio.id if speaker.audio else None, ctx)
    return [("pcspk-audiodev", audiodev)] if audiodev else []
