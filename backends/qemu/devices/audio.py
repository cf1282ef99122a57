"""<audio> (compiler/devices/audio.py) → -audiodev, as libvirt's qemuBuildAudioCommandLine
writes it for QEMU 4.0 and later (key=value; in libvirt's spelling, Cap.AUDIODEV_JSON,
one JSON object as libvirt 9.0 writes it: see _json):

    <audio id='1' type='spice'/>                  -audiodev id=audio1,driver=spice
    <audio id='2' type='alsa'><input dev='hw:0'/> -audiodev id=audio2,driver=alsa,in.dev=hw:0
    <audio id='3' type='file' path='a.wav'/>      -audiodev id=audio3,driver=wav,path=a.wav

Property order is libvirt's: id, driver, timer-period, the common per-direction settings
(in. then out.: mixing-engine, fixed-settings, voices, buffer-length, frequency, channels,
format), each type's own per-direction ones, then the type's own top-level ones. libvirt 9
writes the same properties as one JSON object; the key=value form is what it writes for
QEMU without JSON -audiodev and what QEMU 7.2 reads the same way.

Before -audiodev (the dialects without Cap.AUDIODEV) a backend was chosen by QEMU_AUDIO_DRV
and friends in QEMU's environment, which an argv can't carry: a written <audio> is QEMU410
there (QEMU plays through its own default), an implicit one is nothing at all.
argv.py places the backends after the inputs (build_all), where libvirt puts them.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from ....compiler.devices.audio import QEMU410, QEMU411, Audio, AudioType, SdlDriver, _Stream
from ....compiler.ir import Domain
from ..context import QemuContext
from ..dialects import Cap
from ..opts import Json, Option, Opts
from ....compiler.node import replace

# libvirt's qemuAudioDriver names (QEMU's audiodev drivers).
DRIVER: Dict[AudioType, str] = {
    AudioType.NONE: "none",
    AudioType.ALSA: "alsa",
    AudioType.COREAUDIO: "coreaudio",
    AudioType.JACK: "jack",
    AudioType.OSS: "oss",
    AudioType.PULSEAUDIO: "pa",
    AudioType.SDL: "sdl",
    AudioType.SPICE: "spice",
    AudioType.FILE: "wav",
    AudioType.DBUS: "dbus",
}
# Each type's own per-direction properties: (QEMU name, field of <input>/<output>).
STREAM_PROPS: Dict[AudioType, Tuple[Tuple[str, str], ...]] = {
    AudioType.NONE: (),
    AudioType.ALSA: (("dev", "dev"),),
    AudioType.COREAUDIO: (("buffer-count", "buffer_count"),),
    AudioType.JACK: (("server-name", "server_name"), ("client-name", "client_name"),
                     ("connect-ports", "connect_ports"), ("exact-name", "exact_name")),
    AudioType.OSS: (("dev", "dev"), ("buffer-count", "buffer_count"), ("try-poll", "try_poll")),
    AudioType.PULSEAUDIO: (("name", "name"), ("stream-name", "stream_name"),
                           ("latency", "latency")),
    AudioType.SDL: (("buffer-count", "buffer_count"),),
    AudioType.SPICE: (),
    AudioType.FILE: (),
    AudioType.DBUS: (),
}
# Each type's own top-level properties: (QEMU name, field of <audio>).
TOP_PROPS: Dict[AudioType, Tuple[Tuple[str, str], ...]] = {
    AudioType.NONE: (),
    AudioType.ALSA: (),
    AudioType.COREAUDIO: (),
    AudioType.JACK: (),
    AudioType.OSS: (("try-mmap", "try_mmap"), ("exclusive", "exclusive"),
                    ("dsp-policy", "dsp_policy")),
    AudioType.PULSEAUDIO: (("server", "server_name"),),
    AudioType.SDL: (),
    AudioType.SPICE: (),
    AudioType.FILE: (("path", "path"),),
    AudioType.DBUS: (),
}
# SDL picks its own output through SDL_AUDIODRIVER in QEMU's environment (libvirt sets it
# when it starts QEMU): an argv can't, so <audio driver> is QEMU411.
SDL_AUDIODRIVER: Dict[SdlDriver, str] = {d: d.value for d in SdlDriver}
ENUM_TABLES = ((AudioType, DRIVER), (AudioType, STREAM_PROPS), (AudioType, TOP_PROPS),
               (SdlDriver, SDL_AUDIODRIVER))


def build_all(audios, domain: Domain, ctx: QemuContext) -> List[Option]:
    out: List[Option] = []
    for audio in audios:
        if not ctx.has(Cap.AUDIODEV):
            if not audio.implicit:
                ctx.diags.add(QEMU410, f"<audio id='{audio.id}' type='{audio.type.value}'> has"
                              f" no QEMU {ctx.dialect.version} option: before -audiodev"
                              " (QEMU 4.0) the backend comes from QEMU_AUDIO_DRV in QEMU's"
                              " environment", audio.span,
                              hint="set QEMU_AUDIO_DRV where QEMU starts, or choose"
                              " --qemu-version 4.2 or newer")
            continue
        out.append(build_audiodev(audio, ctx))
    return out


def build_audiodev(audio: Audio, ctx: QemuContext) -> Option:
    if audio.sdl_driver is not None and audio.type is AudioType.SDL:
        ctx.diags.add(QEMU411, f"<audio type='sdl' driver='{audio.sdl_driver.value}'> is SDL's"
                      " SDL_AUDIODRIVER in QEMU's environment, which a command line can't"
                      " set; SDL picks its default driver", audio.span,
                      hint=f"start QEMU with SDL_AUDIODRIVER="
                      f"{SDL_AUDIODRIVER[audio.sdl_driver]}, or drop driver=")
    streams = (("in", audio.input), ("out", audio.output))
    if ctx.has(Cap.AUDIODEV_JSON):
        return Option("-audiodev", _json(audio, streams), audio.span)
    props: List[Tuple[str, object]] = [("id", audio.alias), ("driver", DRIVER[audio.type]),
                                       ("timer-period", audio.timer_period)]
    for prefix, stream in streams:
        props += _common(prefix, stream)
    for prefix, stream in streams:
        if stream is not None:
            props += [(f"{prefix}.{name}", getattr(stream, field))
                      for name, field in STREAM_PROPS[audio.type]]
    props += [(name, getattr(audio, field)) for name, field in TOP_PROPS[audio.type]]
    return Option("-audiodev", Opts.of(None, *props), audio.span)


def _json(audio: Audio, streams) -> Json:
    """libvirt 9.0's JSON -audiodev (qemuBuildAudioCommandLineArg): id, driver,
    timer-period and the type's own top-level properties, then an "in" and an "out" object
    with the common settings and the type's own; booleans and numbers in JSON's types."""
    props: List[Tuple[str, object]] = [("id", audio.alias), ("driver", DRIVER[audio.type]),
                                       ("timer-period", audio.timer_period)]
    props += [(name, getattr(audio, field)) for name, field in TOP_PROPS[audio.type]]
    for prefix, stream in streams:
        if stream is None:
            continue
        inner = [(k.split(".", 1)[1], v) for k, v in _common(prefix, stream)]
        inner += [(name, getattr(stream, field)) for name, field in STREAM_PROPS[audio.type]]
        direction = Json.of(*inner)
        props.append((prefix, direction if direction.props else None))
    return Json.of(*props)


def _common(prefix: str, stream: Optional[_Stream]) -> List[Tuple[str, object]]:
    """The settings every type takes, per direction; <settings> only with fixedSettings
    (libvirt's qemuBuildAudioCommonArg)."""
    if stream is None:
        return []
    props: List[Tuple[str, object]] = [
        (f"{prefix}.mixing-engine", stream.mixing_engine),
        (f"{prefix}.fixed-settings", stream.fixed_settings),
        (f"{prefix}.voices", stream.voices),
        (f"{prefix}.buffer-length", stream.buffer_length)]
    settings = stream.settings
    if stream.fixed_settings and settings is not None:
        props += [(f"{prefix}.frequency", settings.frequency),
                  (f"{prefix}.channels", settings.channels),
                  (f"{prefix}.format", settings.format.value if settings.format else None)]
    return props


def audiodev_of(domain: Domain, wanted: Optional[int], ctx: QemuContext) -> Optional[str]:
    """audiodev= for a device that plays through <audio id=wanted> (None: the domain's
    first), or None when the dialect has no -audiodev or the domain no <audio>."""
    from ....compiler.devices.audio import find

    if not ctx.has(Cap.AUDIODEV):
        return None
    audio = find(domain, wanted)
    return audio.alias if audio is not None else None


def with_audiodev(options: List[Option], domain: Domain, ctx: QemuContext) -> List[Option]:
    """-vnc …,audiodev=ID: the backend a VNC client's audio capture reads, the domain's
    first <audio>, as libvirt 9.0 writes it (its corpus argv: `-vnc 127.0.0.1:10,audiodev=
    audio1`). The graphics builder (graphics.py) passes its -vnc through here."""
    audiodev = audiodev_of(domain, None, ctx)
    if audiodev is None:
        return options
    return [replace(o, value=Opts(o.value.head, o.value.props + (("audiodev", audiodev),)))
            if o.flag == "-vnc" and isinstance(o.value, Opts) else o for o in options]
