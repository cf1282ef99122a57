"""<audio>: a host audio backend that sound cards (and a VNC display) play through, named
by its id.

    <audio id='1' type='spice'/>
    <audio id='2' type='pulseaudio' serverName='acme.example.org'>
      <input mixingEngine='yes' fixedSettings='yes' voices='1' bufferLength='100' name='mic'>
        <settings frequency='44100' channels='2' format='s16'/>
      </input>
      <output streamName='guest' latency='200'/>
    </audio>
    <sound model='ich9'><audio id='2'/></sound>

Schema: schemas/domain/sound.xsd (with <sound>). Builder: backends/qemu/devices/audio.py
(-audiodev, placed by backends/qemu/argv.py after the inputs, as libvirt places it). The
implicit <audio> libvirt's QEMU driver adds is compiler/postparse/qemu.py's (rule 7). Xen
has no audio backend setting: XEN440.

Read: every attribute libvirt 9.0 knows, per type (which attributes a type takes is
libvirt's semantic rule, not the schema's; the backend writes what the type reads), and
<input>/<output> with their <settings>. QEMU410 and QEMU411 (what an argv can't carry:
the environment QEMU reads its backend from before 4.0, SDL's driver) are declared here
for backends/qemu/devices/audio.py. Rules here: SEM307 (two <audio> with one id); SEM306 (a
<sound> naming no <audio>) is declared here and checked by the sound family.
"""
from __future__ import annotations

from typing import ClassVar, Optional

from ..diagnostics import Diagnostics, Span
from ..ir import NOWHERE, Domain
from ..rules import codes as _codes
from ..rules.codes import Code
from .info import EMPTY, DeviceInfo
from .xmlmap import Attr, Child, Conv, number, yes_no
from ..node import Choice, Node


class AudioType(Choice):
    NONE = "none"
    ALSA = "alsa"
    COREAUDIO = "coreaudio"
    JACK = "jack"
    OSS = "oss"
    PULSEAUDIO = "pulseaudio"
    SDL = "sdl"
    SPICE = "spice"
    FILE = "file"
    DBUS = "dbus"


class SdlDriver(Choice):
    ESD = "esd"
    ALSA = "alsa"
    ARTS = "arts"
    PULSEAUDIO = "pulseaudio"


class AudioFormat(Choice):
    S8 = "s8"
    U8 = "u8"
    S16 = "s16"
    U16 = "u16"
    S32 = "s32"
    U32 = "u32"
    F32 = "f32"


def _audio_id(text: str) -> int:
    """libvirt's uint8 id: decimal (an optional '+', leading zeros) or 0x hex."""
    text = text.strip().lstrip("+")
    return int(text, 16) if text.lower().startswith("0x") else int(text, 10)


audio_id = Conv(_audio_id, str)


class AudioSettings(Node):
    """<settings frequency channels format>: used when fixedSettings='yes'."""

    TAG: ClassVar[str] = "settings"
    XML: ClassVar[tuple] = (
        Attr("frequency", "frequency", number),
        Attr("channels", "channels", number),
        Attr("format", "format", AudioFormat),
    )
    frequency: Optional[int] = None
    channels: Optional[int] = None
    format: Optional[AudioFormat] = None
    span: Span = NOWHERE


_STREAM_XML = (
    Attr("mixingEngine", "mixing_engine", yes_no),
    Attr("fixedSettings", "fixed_settings", yes_no),
    Attr("voices", "voices", number),
    Attr("bufferLength", "buffer_length", number),
    Attr("dev", "dev"),                                   # alsa, oss
    Attr("bufferCount", "buffer_count", number),          # coreaudio, oss, sdl
    Attr("tryPoll", "try_poll", yes_no),                  # oss
    Attr("serverName", "server_name"),                    # jack
    Attr("clientName", "client_name"),                    # jack
    Attr("connectPorts", "connect_ports"),                # jack
    Attr("exactName", "exact_name", yes_no),              # jack
    Attr("name", "name"),                                 # pulseaudio
    Attr("streamName", "stream_name"),                    # pulseaudio
    Attr("latency", "latency", number),                   # pulseaudio
    Child("settings", AudioSettings),
)


class _Stream(Node):
    mixing_engine: Optional[bool] = None
    fixed_settings: Optional[bool] = None
    voices: Optional[int] = None
    buffer_length: Optional[int] = None
    dev: Optional[str] = None
    buffer_count: Optional[int] = None
    try_poll: Optional[bool] = None
    server_name: Optional[str] = None
    client_name: Optional[str] = None
    connect_ports: Optional[str] = None
    exact_name: Optional[bool] = None
    name: Optional[str] = None
    stream_name: Optional[str] = None
    latency: Optional[int] = None
    settings: Optional[AudioSettings] = None
    span: Span = NOWHERE


class AudioInput(_Stream):
    """<input>: the recording direction (QEMU's `in.` properties)."""

    TAG: ClassVar[str] = "input"
    XML: ClassVar[tuple] = _STREAM_XML


class AudioOutput(_Stream):
    """<output>: the playback direction (QEMU's `out.` properties)."""

    TAG: ClassVar[str] = "output"
    XML: ClassVar[tuple] = _STREAM_XML


class Audio(Node):
    """One <audio> backend. `implicit`: added by post-parse, as libvirt's QEMU driver adds
    one (compiler/postparse/qemu.py). An <audio> has no DeviceInfo in libvirt's schema; the
    empty one keeps it shaped like every other device for the shared code."""

    TAG: ClassVar[str] = "audio"
    XML: ClassVar[tuple] = (
        Attr("id", "id", audio_id),
        Attr("type", "type", AudioType),
        Attr("timerPeriod", "timer_period", number),
        Attr("tryMMap", "try_mmap", yes_no),                  # oss
        Attr("exclusive", "exclusive", yes_no),               # oss
        Attr("dspPolicy", "dsp_policy", int),                 # oss
        Attr("serverName", "server_name"),                    # pulseaudio
        Attr("driver", "sdl_driver", SdlDriver),              # sdl
        Attr("path", "path"),                                 # file
        Child("input", AudioInput),
        Child("output", AudioOutput),
    )
    id: int = 0
    type: AudioType = AudioType.NONE
    timer_period: Optional[int] = None
    try_mmap: Optional[bool] = None
    exclusive: Optional[bool] = None
    dsp_policy: Optional[int] = None
    server_name: Optional[str] = None
    sdl_driver: Optional[SdlDriver] = None
    path: Optional[str] = None
    input: Optional[AudioInput] = None
    output: Optional[AudioOutput] = None
    implicit: bool = False
    info: DeviceInfo = EMPTY
    span: Span = NOWHERE

    @property
    def alias(self) -> str:
        """QEMU's id for it: `audio<id>` (libvirt's qemuAssignDeviceAudioAlias)."""
        return f"audio{self.id}"


NODE = Audio

SEM306 = Code("SEM306", _codes.Severity.ERROR)
SEM307 = Code("SEM307", _codes.Severity.ERROR)
QEMU410 = Code("QEMU410", _codes.Severity.WARNING)
QEMU411 = Code("QEMU411", _codes.Severity.WARNING)


def rules():
    from ..rules import Rule

    return (
        Rule(SEM306, "audio-reference-unknown",
             "a <sound> (or <graphics>) names an <audio id> that no <audio> of the domain has",
             "libvirt refuses the domain (\"no audio device with id\"): the card would have no"
             " backend to play through.",
             "<sound model='ich9'><audio id='2'/></sound><audio id='1' type='none'/>",
             "name the id of one of the domain's <audio> elements, or add that <audio>"),
        Rule(SEM307, "audio-id-duplicated",
             "two <audio> elements have the same id",
             "libvirt refuses the domain: a sound card's <audio id> must name one backend.",
             "<audio id='1' type='none'/><audio id='1' type='spice'/>",
             "give each <audio> its own id (1, 2, …)"),
        Rule(QEMU410, "audio-backend-needs-environment",
             "an <audio> backend for a QEMU older than 4.0, which has no -audiodev",
             "Before -audiodev, QEMU chose its audio backend from QEMU_AUDIO_DRV and other"
             " variables in its environment, which a command line can't set: QEMU plays"
             " through its own default backend instead.",
             "<audio id='1' type='alsa'/> compiled with --qemu-version 3.1",
             "set QEMU_AUDIO_DRV in the environment that starts QEMU, or choose"
             " --qemu-version 4.2 or newer"),
        Rule(QEMU411, "audio-sdl-driver-needs-environment",
             "<audio type='sdl' driver=…> asks SDL for one of its own audio drivers",
             "libvirt passes the SDL driver to QEMU as SDL_AUDIODRIVER in its environment; a"
             " command line can't, so SDL picks its default driver.",
             "<audio id='1' type='sdl' driver='pulseaudio'/>",
             "set SDL_AUDIODRIVER in the environment that starts QEMU, or drop driver="),
    )


def find(domain: Domain, wanted: Optional[int]) -> Optional[Audio]:
    """The <audio> a device plays through: the one with id `wanted`, or the domain's first
    when the device names none (libvirt's virDomainDefFindAudioByID with id 0)."""
    audios = domain.devices.of(Audio)
    if wanted is None:
        return audios[0] if audios else None
    return next((a for a in audios if a.id == wanted), None)


def check_all(nodes, domain: Domain, diags: Diagnostics) -> None:
    seen = set()
    for audio in nodes:
        if audio.id in seen:
            diags.add(SEM307, f"<audio id='{audio.id}'> is the second <audio> with that id",
                      audio.span, hint="give each <audio> its own id")
        seen.add(audio.id)
