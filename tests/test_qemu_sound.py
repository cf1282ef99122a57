"""<audio> backends and <sound> cards for QEMU: libvirt 9.0's argv (beside each corpus
document, and its tests/qemuxml2argvdata), the implicit <audio> libvirt adds, the dialects
before -audiodev, and the real QEMU 7.2."""
import json
import shlex

import pytest

import qemu_harness as harness
import virtc
from conftest import ROOT
from qemuopts import parse_opts
from virtc.backends.qemu.context import QemuContext
from virtc.backends.qemu.devices import audio as qemu_audio, sound as qemu_sound
from virtc.backends.qemu.dialects import get_dialect
from virtc.backends.qemu.opts import render
from virtc.compiler.devices.audio import Audio
from virtc.compiler.devices.sound import Sound
from virtc.compiler.diagnostics import Diagnostics
from virtc.compiler.networks import network_table
from virtc.pipeline import load_bytes

CORPUS = ROOT / "tests" / "corpus"
NAMES = sorted(p.stem for p in (CORPUS / "dumpxml").glob("*.xml")
               if (CORPUS / "native" / f"{p.stem}.argv").exists())
SOUND_DRIVERS = ("AC97", "ES1370", "sb16", "intel-hda", "ich9-intel-hda", "usb-audio",
                 "hda-duplex", "hda-micro", "hda-output")


def domain_with(devices: str, machine: str = "pc") -> bytes:
    """A document written for today's libvirt (it has a <video>): post-parse gives it
    libvirt's aliases, addresses and implicit <audio>."""
    return (f"<domain type='kvm'><name>t</name><memory unit='MiB'>128</memory>"
            f"<os><type arch='x86_64' machine='{machine}'>hvm</type></os><devices>"
            f"<video><model type='vga'/></video>{devices}</devices></domain>").encode()


def _props(flag: str, value: str) -> dict:
    """One option's properties as texts; JSON's nested "in"/"out" objects read as QEMU's
    key=value form spells them (in.voices=…)."""
    if value.startswith("{"):
        return dict(_flat(json.loads(value)))
    return dict(parse_opts(value, "driver" if flag == "-device" else None))


def _flat(obj: dict, prefix: str = ""):
    for k, v in obj.items():
        if isinstance(v, dict):
            yield from _flat(v, f"{prefix}{k}.")
        else:
            yield prefix + k, ("on" if v else "off") if isinstance(v, bool) else str(v)


def audio_facts(words):
    """-audiodev backends, the sound -devices, and -vnc's audiodev, each as a dict of
    texts, in order (libvirt's JSON and virtc's key=value read the same)."""
    out = []
    for flag, value in zip(words, words[1:]):
        if flag == "-audiodev":
            out.append(("audiodev", _props(flag, value)))
        elif flag == "-device":
            props = _props(flag, value)
            if props["driver"] in SOUND_DRIVERS:
                out.append(("device", props))
    return out


def audio_argv(source: bytes, version: str = "7.2"):
    """What the audio and sound builders give for a document (a corpus document holds
    families other helpers compile, so the whole argv may not exist yet)."""
    loaded = load_bytes(source, "t.xml")
    assert loaded.ok, [str(d) for d in loaded.diagnostics]
    domain = loaded.node
    diags = Diagnostics()
    ctx = QemuContext(diags, get_dialect(version), network_table())
    options = qemu_audio.build_all(domain.devices.of(Audio), domain, ctx)
    for sound in domain.devices.of(Sound):
        options += qemu_sound.build(sound, domain, ctx)
    assert [str(d) for d in diags] == []
    return render(options, ctx.dialect, diags)


@pytest.mark.parametrize("form", ["dumpxml", "print-xml"])
@pytest.mark.parametrize("name", NAMES)
def test_corpus_audio_and_sound_are_libvirts(name, form):
    """Each document's backends and cards as libvirt's argv has them: from the stored form,
    and from the printed one, which has no <audio> (post-parse adds libvirt's: spice for a
    SPICE display, none otherwise) and no addresses."""
    theirs = audio_facts(shlex.split((CORPUS / "native" / f"{name}.argv").read_text()))
    ours = audio_facts(audio_argv((CORPUS / form / f"{name}.xml").read_bytes()))
    assert ours == theirs


def test_the_corpus_has_the_cards_and_backends():
    facts = [f for name in NAMES
             for f in audio_facts(shlex.split((CORPUS / "native" / f"{name}.argv").read_text()))]
    drivers = {p["driver"] for _, p in facts}
    assert {"none", "spice", "AC97", "intel-hda", "ich9-intel-hda", "hda-duplex",
            "hda-output"} <= drivers


def test_no_corpus_document_reports_sound_or_audio_as_not_compiled():
    for name in NAMES:
        result = virtc.compile(str(CORPUS / "dumpxml" / f"{name}.xml"), qemu_version="7.2")
        assert not [d for d in result.diagnostics
                    if "<sound" in d.message or "<audio" in d.message], name


def test_vnc_plays_through_the_first_backend_as_libvirts_does():
    from virtc.backends.qemu.devices import graphics as qemu_graphics

    words = shlex.split((CORPUS / "native" / "pc-debian10-sata-e1000.argv").read_text())
    theirs = words[words.index("-vnc") + 1]
    loaded = load_bytes((CORPUS / "dumpxml" / "pc-debian10-sata-e1000.xml").read_bytes(), "t")
    diags = Diagnostics()
    ctx = QemuContext(diags, get_dialect("7.2"), network_table())
    ours = render(qemu_graphics.build_all(loaded.node.devices.graphics, loaded.node, ctx),
                  ctx.dialect, diags)
    assert ours[ours.index("-vnc") + 1] == theirs == "127.0.0.1:10,audiodev=audio1"


# libvirt's tests/qemuxml2argvdata/audio-*-full.xml and their x86_64-latest.args: each
# type's attributes and the -audiodev libvirt writes for them.
STREAMS = ("<input mixingEngine='yes' fixedSettings='yes' voices='1' bufferLength='100'{i}>"
           "<settings frequency='44100' channels='2' format='s16'/></input>"
           "<output mixingEngine='yes' fixedSettings='yes' voices='2' bufferLength='200'{o}>"
           "<settings frequency='22050' channels='4' format='f32'/></output>")
COMMON = ("in.mixing-engine=on,in.fixed-settings=on,in.voices=1,in.buffer-length=100,"
          "in.frequency=44100,in.channels=2,in.format=s16,out.mixing-engine=on,"
          "out.fixed-settings=on,out.voices=2,out.buffer-length=200,out.frequency=22050,"
          "out.channels=4,out.format=f32")
LIBVIRT_FULL = [
    ("oss", " tryMMap='yes' exclusive='yes' dspPolicy='3'",
     " dev='/dev/dsp0' bufferCount='50' tryPoll='yes'",
     " dev='/dev/dsp1' bufferCount='30' tryPoll='no'",
     "id=audio1,driver=oss," + COMMON + ",in.dev=/dev/dsp0,in.buffer-count=50,in.try-poll=on,"
     "out.dev=/dev/dsp1,out.buffer-count=30,out.try-poll=off,try-mmap=on,exclusive=on,"
     "dsp-policy=3"),
    ("pulseaudio", " serverName='acme.example.org'",
     " name='fish' streamName='food' latency='100'", " name='fish' streamName='food' latency='200'",
     "id=audio1,driver=pa," + COMMON + ",in.name=fish,in.stream-name=food,in.latency=100,"
     "out.name=fish,out.stream-name=food,out.latency=200,server=acme.example.org"),
    ("jack", "", " serverName='fish' clientName='food' connectPorts='yum'",
     " serverName='fish' clientName='food' connectPorts='yum'",
     "id=audio1,driver=jack," + COMMON + ",in.server-name=fish,in.client-name=food,"
     "in.connect-ports=yum,out.server-name=fish,out.client-name=food,out.connect-ports=yum"),
    ("sdl", "", " bufferCount='40'", " bufferCount='50'",
     "id=audio1,driver=sdl," + COMMON + ",in.buffer-count=40,out.buffer-count=50"),
    ("file", " path='audio.wav'", "", "",
     "id=audio1,driver=wav," + COMMON + ",path=audio.wav"),
    ("alsa", "", " dev='/dev/dsp0'", " dev='/dev/dsp1'",
     "id=audio1,driver=alsa," + COMMON + ",in.dev=/dev/dsp0,out.dev=/dev/dsp1"),
]


@pytest.mark.parametrize("kind, attrs, inp, out, theirs", LIBVIRT_FULL,
                         ids=[c[0] for c in LIBVIRT_FULL])
def test_every_backend_setting_is_spelled_as_libvirts_tests(kind, attrs, inp, out, theirs):
    doc = domain_with(f"<audio id='1' type='{kind}'{attrs}>"
                      + STREAMS.format(i=inp, o=out) + "</audio>")
    assert audio_facts(audio_argv(doc)) == [("audiodev", dict(parse_opts(theirs)))]


def test_every_card_and_codec_is_libvirts():
    """libvirt's tests/qemuxml2argvdata/sound-device.xml and its x86_64-latest.args (the
    PC speaker aside: libvirt's file was made for a QEMU that still had -soundhw)."""
    doc = domain_with(
        "<sound model='es1370'/><sound model='sb16'/><sound model='ac97'/><sound model='ich6'/>"
        "<sound model='ich6'><codec type='micro'/><codec type='duplex'/><codec type='output'/>"
        "</sound><sound model='ich9'/><sound model='ich9'><codec type='micro'/>"
        "<codec type='duplex'/><codec type='output'/></sound><sound model='usb'/>"
        "<controller type='usb' model='piix3-uhci'/><audio id='1' type='none'/>")
    facts = [p for kind, p in audio_facts(audio_argv(doc)) if kind == "device"]
    for p in facts:
        p.pop("bus" if p["driver"] in ("ES1370", "AC97", "intel-hda", "ich9-intel-hda")
              else "", None)
        p.pop("addr", None)                 # pci.py's slots: tested with the corpus
    a = {"audiodev": "audio1"}
    codec = lambda drv, n, cad: {"driver": drv, "id": f"sound{n}-codec{cad}",   # noqa: E731
                                 "bus": f"sound{n}.0", "cad": str(cad), **a}
    assert facts == [
        {"driver": "ES1370", "id": "sound0", **a}, {"driver": "sb16", "id": "sound1", **a},
        {"driver": "AC97", "id": "sound2", **a},
        {"driver": "intel-hda", "id": "sound3"}, codec("hda-duplex", 3, 0),
        {"driver": "intel-hda", "id": "sound4"}, codec("hda-micro", 4, 0),
        codec("hda-duplex", 4, 1), codec("hda-output", 4, 2),
        {"driver": "ich9-intel-hda", "id": "sound5"}, codec("hda-duplex", 5, 0),
        {"driver": "ich9-intel-hda", "id": "sound6"}, codec("hda-micro", 6, 0),
        codec("hda-duplex", 6, 1), codec("hda-output", 6, 2),
        {"driver": "usb-audio", "id": "sound7", **a, "bus": "usb.0", "port": "1"},
    ]


@pytest.mark.parametrize("graphics, kind", [
    ("<graphics type='spice'/>", "spice"), ("<graphics type='vnc'/>", "none"),
    ("<graphics type='sdl'/>", "none"), ("", "none"),
])
def test_libvirt_adds_one_backend_after_the_display(graphics, kind):
    """qemuDomainDefAddDefaultAudioBackend, as the corpus shows it: one <audio id='1'>, with
    or without a sound card; SPICE plays through spice, anything else through none."""
    loaded = load_bytes(domain_with(graphics), "t.xml")
    audios = loaded.node.devices.of(Audio)
    assert [(a.id, a.type.value, a.implicit) for a in audios] == [(1, kind, True)]


def test_a_written_backend_is_kept_and_none_added():
    loaded = load_bytes(domain_with("<audio id='3' type='alsa'/><graphics type='spice'/>"),
                        "t.xml")
    assert [(a.id, a.type.value) for a in loaded.node.devices.of(Audio)] == [(3, "alsa")]


def test_seed_era_documents_get_no_backend():
    doc = (b"<domain type='kvm'><name>t</name><memory>131072</memory><os><type>hvm</type>"
           b"</os><devices><graphics type='vnc'/></devices></domain>")
    result = virtc.compile(doc, qemu_version="7.2")
    assert result.ok and "-audiodev" not in result.argv


@pytest.mark.parametrize("devices, code", [
    ("<sound model='ac97'><audio id='2'/></sound><audio id='1' type='none'/>", "SEM306"),
    ("<audio id='1' type='none'/><audio id='1' type='spice'/>", "SEM307"),
])
def test_references_and_ids_are_checked(devices, code):
    assert [str(d.code) for d in virtc.validate(domain_with(devices))] == [code]


@pytest.mark.parametrize("devices, version, code", [
    ("<sound model='ich7'/>", "7.2", "QEMU320"),
    ("<audio id='1' type='alsa'/>", "3.1", "QEMU410"),
    ("<audio id='1' type='sdl' driver='pulseaudio'/>", "7.2", "QEMU411"),
    ("<sound model='ich9'/>", "0.9", "QEMU301"),
])
def test_what_qemu_cannot_take_is_a_compile_finding(devices, version, code):
    result = virtc.compile(domain_with(devices), qemu_version=version)
    assert code in [str(d.code) for d in result.diagnostics]


AUDIO_DOC = (b"<domain type='qemu'><name>t</name><memory unit='MiB'>128</memory>"
             b"<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>"
             b"<controller type='pci' index='0' model='pci-root'/>"
             b"<sound model='ac97'/><sound model='es1370'/><sound model='pcspk'/>"
             b"<audio id='1' type='alsa'><output dev='default'/></audio></devices></domain>")


@pytest.mark.parametrize("version", ["0.9", "0.12", "2.12", "3.1", "4.2", "6.0", "7.2", "10.0"])
def test_audio_per_dialect(version, snapshot):
    """issue 12 must-show 4: -audiodev (4.2 on, the first row after QEMU 4.0 brought it;
    the PC speaker's pcspk-audiodev from 5.1, so 6.0 on) against the old forms: QEMU410
    for the backend, which only QEMU_AUDIO_DRV in QEMU's environment could choose, and
    -soundhw (gone in 7.1) for cards before -device and for the PC speaker."""
    result = virtc.compile(AUDIO_DOC, qemu_version=version)
    assert snapshot == {"argv": result.argv,
                        "diagnostics": [str(d) for d in result.diagnostics]}


@harness.needs_qemu
def test_the_installed_dialects_audio_starts():
    """The 7.2 row of the snapshot above, in the real QEMU: the cards and the PC speaker
    play through the alsa backend (which starts without a sound card on the host)."""
    result = virtc.compile(AUDIO_DOC, qemu_version="7.2")
    wanted = [("/machine/peripheral/sound0", "audiodev"),
              ("/machine/peripheral/sound1", "audiodev"), ("/machine", "pcspk-audiodev")]
    run = harness.run_guests([harness.Guest(result.argv, qom=wanted)])[0]
    assert run.started, run.stderr
    assert set(run.qom.values()) == {"audio1"}


@harness.needs_qemu
def test_real_qemu_builds_every_card_on_its_backend():
    """QEMU 7.2 starts every card, codec and the PC speaker with the backend virtc named:
    QOM shows each device's type and audiodev."""
    result = virtc.compile(domain_with(
        "<sound model='es1370'/><sound model='sb16'/><sound model='ac97'/>"
        "<sound model='ich6'><codec type='micro'/><codec type='output'/></sound>"
        "<sound model='ich9'/><sound model='usb'/><sound model='pcspk'/>"
        "<controller type='usb' model='qemu-xhci'/><audio id='1' type='none'/>"),
        qemu_version="7.2")
    assert result.ok, [str(d) for d in result.diagnostics]
    paths = ["sound0", "sound1", "sound2", "sound3", "sound3-codec0", "sound3-codec1",
             "sound4", "sound4-codec0", "sound5"]
    wanted = [(f"/machine/peripheral/{p}", "type") for p in paths]
    wanted += [(f"/machine/peripheral/{p}", "audiodev") for p in paths
               if p not in ("sound3", "sound4")]
    wanted += [("/machine", "pcspk-audiodev")]        # the PC speaker's, through the machine
    run = harness.run_guests([harness.Guest(result.argv, qom=wanted)])[0]
    assert run.started, run.stderr
    types = {k.split()[0].rsplit("/", 1)[1]: v for k, v in run.qom.items() if k.endswith("type")}
    assert types == {"sound0": "ES1370", "sound1": "sb16", "sound2": "AC97",
                     "sound3": "intel-hda", "sound3-codec0": "hda-micro",
                     "sound3-codec1": "hda-output", "sound4": "ich9-intel-hda",
                     "sound4-codec0": "hda-duplex", "sound5": "usb-audio"}
    assert {k: v for k, v in run.qom.items() if k.endswith("audiodev")} == {
        f"{path} {prop}": "audio1" for path, prop in wanted if prop.endswith("audiodev")}


@harness.needs_qemu
@pytest.mark.parametrize("kind, extra", [
    ("none", ""), ("alsa", ""), ("sdl", ""), ("jack", ""), ("dbus", ""),
    ("file", " path='{tmp}/out.wav'"), ("spice", ""),
])
def test_real_qemu_starts_each_backend_here(kind, extra, tmp_path):
    """Each backend this Debian QEMU 7.2 has (`-audiodev help`) that needs no running
    server starts, paused, under a card. spice needs a SPICE display, which the SPICE
    graphics work builds; until then the test gives QEMU one itself. (pa and oss need a
    PulseAudio server or /dev/dsp, which the test machine lacks; coreaudio is macOS's.)"""
    result = virtc.compile(domain_with(f"<sound model='ac97'/><audio id='1' type='{kind}'"
                                       + extra.format(tmp=tmp_path) + "/>"), qemu_version="7.2")
    assert result.ok, [str(d) for d in result.diagnostics]
    argv = list(result.argv)
    if kind == "spice" and "-spice" not in argv:
        argv += ["-spice", "port=0,disable-ticketing=on"]
    run = harness.run_guests([harness.Guest(argv, qom=[("/machine/peripheral/sound0",
                                                         "audiodev")])])[0]
    assert run.started, run.stderr
    assert run.qom == {"/machine/peripheral/sound0 audiodev": "audio1"}


def _audiodev_words(words):
    return [v for f, v in zip(words, words[1:]) if f == "-audiodev"]


# channels doesn't compile (QEMU407: real QEMU refuses its two ports of one name), as
# docs/libvirt-differences.md lists it
@pytest.mark.parametrize("name", [n for n in NAMES if n != "channels"])
def test_corpus_audiodev_is_libvirts_json_word_for_word(name):
    """A document written for today's libvirt gets libvirt 9.0's spelling: one JSON object
    per backend, the very words of libvirt's argv."""
    theirs = _audiodev_words(shlex.split((CORPUS / "native" / f"{name}.argv").read_text()))
    result = virtc.compile(CORPUS / "dumpxml" / f"{name}.xml", qemu_version="7.2")
    assert result.ok, [str(d) for d in result.errors]
    assert _audiodev_words(result.argv) == theirs


# `virsh domxml-to-native qemu-argv` of this document (libvirt 9.0.0, QEMU 7.2): each
# type's own settings at the top or in the "in"/"out" objects, in libvirt's order.
LIBVIRT_JSON_DOC = """<domain type='qemu'><name>t</name><memory unit='KiB'>219100</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os><devices>
    <audio id='1' type='oss' tryMMap='yes' exclusive='yes' dspPolicy='3' timerPeriod='50'>
      <input mixingEngine='yes' fixedSettings='yes' voices='1' bufferLength='100'
             dev='/dev/dsp0' bufferCount='50' tryPoll='yes'>
        <settings frequency='44100' channels='2' format='s16'/></input>
      <output mixingEngine='yes' fixedSettings='yes' voices='2' bufferLength='200'
              dev='/dev/dsp1' bufferCount='30' tryPoll='no'>
        <settings frequency='22050' channels='4' format='f32'/></output>
    </audio>
    <audio id='2' type='pulseaudio' serverName='/run/pa'>
      <input name='in' streamName='s' latency='10'/><output name='out'/>
    </audio>
    <audio id='3' type='jack'>
      <input serverName='js' clientName='c' connectPorts='p.*' exactName='yes'/>
    </audio>
    <audio id='4' type='file' path='/tmp/a.wav'/>
    <memballoon model='none'/>
  </devices></domain>"""
LIBVIRT_JSON = [
    '{"id":"audio1","driver":"oss","timer-period":50,"try-mmap":true,"exclusive":true,'
    '"dsp-policy":3,"in":{"mixing-engine":true,"fixed-settings":true,"voices":1,'
    '"buffer-length":100,"frequency":44100,"channels":2,"format":"s16","dev":"/dev/dsp0",'
    '"buffer-count":50,"try-poll":true},"out":{"mixing-engine":true,"fixed-settings":true,'
    '"voices":2,"buffer-length":200,"frequency":22050,"channels":4,"format":"f32",'
    '"dev":"/dev/dsp1","buffer-count":30,"try-poll":false}}',
    '{"id":"audio2","driver":"pa","server":"/run/pa","in":{"name":"in","stream-name":"s",'
    '"latency":10},"out":{"name":"out"}}',
    '{"id":"audio3","driver":"jack","in":{"server-name":"js","client-name":"c",'
    '"connect-ports":"p.*","exact-name":true}}',
    '{"id":"audio4","driver":"wav","path":"/tmp/a.wav"}',
]


@pytest.mark.parametrize("version, json_form", [("4.2+libvirt", True), ("7.2+libvirt", True),
                                                ("10.0+libvirt", True), ("7.2", False)])
def test_libvirt_spelling_is_json_audiodev(version, json_form):
    """libvirt has no capability for JSON -audiodev: it writes JSON wherever it writes
    -audiodev (QEMU_CAPS_AUDIODEV, QEMU 4.0+; its own test audio-default-vnc.x86_64-4.2.0
    .args shows JSON next to a key=value -object), and QEMU parses -audiodev with
    qobject_input_visitor_new_str, which takes JSON, since 4.0. A 2007-style document in
    a plain dialect keeps key=value (seed-era output)."""
    result = virtc.compile(LIBVIRT_JSON_DOC.encode(), qemu_version=version)
    assert result.ok, [str(d) for d in result.errors]
    words = _audiodev_words(result.argv)
    if json_form:
        assert words == LIBVIRT_JSON
    else:
        assert [dict(_props("-audiodev", w)) for w in words] == \
            [dict(_flat(json.loads(j))) for j in LIBVIRT_JSON]


@harness.needs_qemu
def test_real_qemu_takes_libvirts_json_audiodev():
    """The JSON backends start (those that need no server here: none, wav, and the oss and
    jack settings checked by QEMU's parser only at start of a stream)."""
    doc = domain_with("<audio id='1' type='none'><input voices='2'/></audio>"
                      "<audio id='2' type='file' path='/tmp/virtc-json-audio.wav'/>"
                      "<sound model='ich9'><audio id='2'/></sound>", machine="q35")
    result = virtc.compile(doc, qemu_version="7.2")
    assert result.ok, [str(d) for d in result.errors]
    assert [json.loads(w)["driver"] for w in _audiodev_words(result.argv)] == ["none", "wav"]
    run = harness.run_guests([harness.Guest(result.argv, qom=[
        ("/machine/peripheral/sound0-codec0", "audiodev")])])[0]
    assert run.started, run.stderr
    assert run.qom == {"/machine/peripheral/sound0-codec0 audiodev": "audio2"}
