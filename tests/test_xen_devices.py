"""Xen graphics (listen, SDL display, SPICE), sound, PCI and USB passthrough and channels:
what xm and xl can't express is reported on its line, and what an imported config carries
that the domain XML can't is a warning on the config's line (libvirt's xen_common.c and
xen_xl.c are the reference; the golden cases are tests/xen_cases/{gfx,sound,pci,usb,
channel,serial}-*)."""
from __future__ import annotations

import ast
from typing import List, Optional, Tuple

import pytest

from virtc.backends.xen import import_config
from virtc.compiler.diagnostics import Diagnostics
from virtc.pipeline import compile_domain, load_bytes

HVM = """<domain type='xen'><name>g</name><memory>524288</memory>
<os><type>hvm</type><loader>/usr/lib/xen/boot/hvmloader</loader></os>
<devices>
{}
</devices></domain>"""
PV = """<domain type='xen'><name>g</name><memory>524288</memory>
<bootloader>/usr/bin/pygrub</bootloader><os><type>linux</type></os>
<devices>
{}
</devices></domain>"""


def compile_xml(doc: str, target: str) -> Tuple[Optional[dict], List[Tuple[str, int, str]]]:
    loaded = load_bytes(doc.encode(), "g.xml")
    assert loaded.ok, [d.message for d in loaded.diagnostics]
    diags = Diagnostics(list(loaded.diagnostics))
    text = compile_domain(loaded.node, target, diags)
    found = [(d.code, d.span.line, d.message) for d in diags if d.code.startswith("XEN")]
    if text is None or diags.has_errors:
        return None, found
    values = {}
    for stmt in ast.parse(text).body:
        values[stmt.targets[0].id] = ast.literal_eval(stmt.value)
    return values, found


def import_cfg(text: str, fmt: str):
    diags = Diagnostics()
    domain = import_config(text, "in.cfg", fmt, diags)
    return domain, [(d.code, d.span.line, d.message) for d in diags]


# ---------------------------------------------------------------- compile: reported

@pytest.mark.parametrize("doc, target, line, words", [
    (HVM.format("<graphics type='spice' port='5901'/>"), "xen-xm", 4, "xen-xm has no setting"),
    (PV.format("<graphics type='spice' port='5901'/>"), "xen-xl", 4, "paravirtualized"),
    (HVM.format("<graphics type='spice' autoport='yes'/>"), "xen-xl", 4, "fixed port"),
    (HVM.format("<graphics type='vnc'>\n<listen type='network' network='default'/>"
                "</graphics>"), "xen-xl", 5, "network='default'"),
    (PV.format("<sound model='es1370'/>"), "xen-xl", 4, "no emulated sound card"),
    (HVM.format("<sound model='ich6'>\n<codec type='duplex'/></sound>"), "xen-xm", 5, "codec"),
    (HVM.format("<sound model='ich9'/>"), "xen-xl", 4, "unsupported audio model"),
    (HVM.format("<hostdev mode='subsystem' type='usb'><source><vendor id='0x0781'/>"
                "<product id='0x5567'/></source></hostdev>"), "xen-xl", 4, "vendor"),
    (HVM.format("<hostdev mode='subsystem' type='usb'><source><address bus='1' device='2'/>"
                "</source></hostdev>"), "xen-xm", 4, "usbdev"),
    (HVM.format("<hostdev mode='subsystem' type='pci'>\n<driver name='vfio'/><source>"
                "<address domain='0' bus='1' slot='0' function='0'/></source></hostdev>"),
     "xen-xl", 5, "pciback"),
    (PV.format("<channel type='unix'><source mode='bind' path='/s'/>"
               "<target type='virtio' name='a.b'/></channel>"), "xen-xl", 4, "virtio"),
    (PV.format("<channel type='unix'><source path='/s'/>"
               "<target type='xen' name='a.b'/></channel>"), "xen-xl", 4, "listens on"),
    (PV.format("<channel type='pty'><target type='xen' name='a.b'/></channel>"),
     "xen-xm", 4, "no channel key"),
])
def test_what_the_target_cannot_express_is_an_error_on_its_line(doc, target, line, words):
    values, found = compile_xml(doc, target)
    assert values is None
    errors = [f for f in found if f[0] == "XEN440"]
    assert errors and errors[0][1] == line and words in errors[0][2], found


def test_managed_pci_device_is_a_host_side_note():
    values, found = compile_xml(HVM.format(
        "<hostdev mode='subsystem' type='pci' managed='yes'><source>"
        "<address domain='0x0000' bus='0x03' slot='0x00' function='0x1'/></source>"
        "</hostdev>"), "xen-xl")
    assert values is not None and values["pci"] == ["0000:03:00.1"]
    assert [f[0] for f in found] == ["XEN441"]


def test_write_filtering_yes_is_permissive_0():
    values, _ = compile_xml(HVM.format(
        "<hostdev mode='subsystem' type='pci'><source writeFiltering='yes'>"
        "<address domain='0x0000' bus='0x03' slot='0x00' function='0x1'/></source>"
        "</hostdev>"), "xen-xm")
    assert values["pci"] == ["0000:03:00.1,permissive=0"]


def test_spice_server_mouse_needs_no_agent():
    values, _ = compile_xml(HVM.format(
        "<graphics type='spice' port='5901' tlsPort='5902'><mouse mode='server'/>"
        "<clipboard copypaste='no'/></graphics>"), "xen-xl")
    assert values["spiceagent_mouse"] == 0 and values["spice_clipboard_sharing"] == 0
    assert "spicevdagent" not in values and values["spicedisable_ticketing"] == 1


def test_listen_attribute_and_element_are_one_address():
    for graphics in ("<graphics type='vnc' listen='10.0.0.1'/>",
                     "<graphics type='vnc'><listen type='address' address='10.0.0.1'/>"
                     "</graphics>"):
        values, _ = compile_xml(HVM.format(graphics), "xen-xm")
        assert values["vnclisten"] == "10.0.0.1"


# ---------------------------------------------------------------- import: warned

def test_pci_options_without_xml_equivalent_are_warnings_on_their_line():
    domain, found = import_cfg('name = "g"\nbuilder = "hvm"\n'
                               'pci = [ "01:00.0,msitranslate=1,seize=1", "0000:02:00.1@8" ]\n',
                               "xen-xl")
    assert domain is not None
    hosts = [str(d.host) for d in domain.devices.families if d.TAG == "hostdev"]
    assert hosts == ["0000:01:00.0", "0000:02:00.1"]
    warned = [(code, line) for code, line, _ in found if code == "XEN428"]
    assert warned == [("XEN428", 3)] * 3


def test_bad_pci_entry_is_an_error():
    domain, found = import_cfg('name = "g"\npci = [ "01:00" ]\n', "xen-xm")
    assert domain is None and ("XEN427", 2) in [(c, ln) for c, ln, _ in found]


def test_soundhw_all_is_sb16_and_es1370():
    domain, _ = import_cfg('name = "g"\nbuilder = "hvm"\nsoundhw = "all"\n', "xen-xm")
    assert [s.model.value for s in domain.devices.families if s.TAG == "sound"] == \
        ["sb16", "es1370"]


def test_soundhw_name_libvirt_does_not_know_is_a_warning():
    domain, found = import_cfg('name = "g"\nbuilder = "hvm"\nsoundhw = "hda,ac97"\n',
                               "xen-xm")
    assert [s.model.value for s in domain.devices.families if s.TAG == "sound"] == ["ac97"]
    assert ("XEN428", 3) in [(c, ln) for c, ln, _ in found]


def test_soundhw_of_a_pv_guest_is_left_out_with_a_warning():
    domain, found = import_cfg('name = "g"\nsoundhw = "sb16"\n', "xen-xm")
    assert not [s for s in domain.devices.families if s.TAG == "sound"]
    assert ("XEN426", 2) in [(c, ln) for c, ln, _ in found]


def test_spicevdagent_alone_is_a_warning():
    domain, found = import_cfg('name = "g"\ntype = "hvm"\nspice = 1\nspiceport = 5901\n'
                               'spicevdagent = 1\n', "xen-xl")
    [g] = domain.devices.graphics
    assert g.type.value == "spice" and g.port == 5901 and g.mouse is None
    assert ("XEN426", 5) in [(c, ln) for c, ln, _ in found]


def test_usbdev_numbers_are_read_as_xl_reads_them():
    """xl reads hostbus/hostaddr with strtoul(…, 0); libvirt's hex without 0x ("1f") is
    not what it means to xl, so it is an error, not a guess."""
    domain, found = import_cfg('name = "g"\nusbdev = [ "hostbus=0xa,hostaddr=31" ]\n', "xen-xl")
    [dev] = [d for d in domain.devices.families if d.TAG == "hostdev"]
    assert (dev.source.address.bus, dev.source.address.device) == (10, 31) and not found
    domain, found = import_cfg('name = "g"\nusbdev = [ "hostbus=1,hostaddr=1f" ]\n', "xen-xl")
    assert domain is None and ("XEN427", 2) in [(c, ln) for c, ln, _ in found]


def test_usbdev_numbers_from_10_on_are_written_in_0x_hex():
    """0x… is what both xl (strtoul base 0) and libvirt (hex) read as the same number."""
    values, found = compile_xml(PV.format(
        "<hostdev mode='subsystem' type='usb' managed='no'><source>"
        "<address bus='3' device='23'/></source></hostdev>"), "xen-xl")
    assert values["usbdev"] == ["hostbus=3,hostaddr=0x17"], found


def test_channel_of_unknown_connection_is_an_error():
    domain, found = import_cfg('name = "g"\nchannel = [ "connection=tcp,name=x" ]\n', "xen-xl")
    assert domain is None and ("XEN427", 2) in [(c, ln) for c, ln, _ in found]


# ---------------------------------------------------------------- QEMU: the same families

def test_qemu_builds_the_families_xen_reports():
    """SPICE (backends/qemu/devices/graphics_spice.py), the ich9 card (sound.py) and the PCI
    hostdev (hostdev.py, vfio-pci) all have a QEMU builder now: nothing is QEMU320."""
    doc = """<domain type='kvm'><name>q</name><memory>524288</memory><os><type>hvm</type></os>
<devices>
<graphics type='spice' port='5901'/>
<sound model='ich9'/>
<hostdev mode='subsystem' type='pci'><source><address domain='0' bus='1' slot='0' function='0'/></source></hostdev>
</devices></domain>"""
    loaded = load_bytes(doc.encode(), "q.xml")
    diags = Diagnostics(list(loaded.diagnostics))
    argv = compile_domain(loaded.node, "qemu", diags, qemu_version="7.2")
    assert [d.code for d in diags if d.code == "QEMU320"] == []
    assert argv is not None and "-spice" in argv
    assert any(w.startswith("ich9-intel-hda") for w in argv)
    assert any(w.startswith("vfio-pci") for w in argv)


# ---------------------------------------------------------------- round trip, generated

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

from test_xen_import import assert_fixed_point  # noqa: E402
from virtc.compiler import ir  # noqa: E402
from virtc.compiler.devices import channel as chn, graphics as gr, hostdev as hd  # noqa: E402
from virtc.compiler.devices import sound as snd  # noqa: E402
from virtc.compiler.devices.chardev import CharMode, CharType  # noqa: E402
from virtc.compiler.guest_os import Loader  # noqa: E402

NAMES = st.text(st.sampled_from("abcxyz019._-"), min_size=1, max_size=12)
ADDRESSES = st.sampled_from(["127.0.0.1", "0.0.0.0", "::1"])


@st.composite
def displays(draw, hvm: bool, xl: bool):
    kinds = ["vnc", "sdl"] + (["spice"] if hvm and xl else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "sdl":
        return gr.Graphics(gr.GraphicsType.SDL, display=draw(st.none() | st.just(":0.0")),
                           xauth=draw(st.none() | st.just("/root/.Xauthority")))
    listen = draw(st.none() | ADDRESSES)
    listens = (gr.Listen(gr.ListenType.ADDRESS, listen),) if listen else ()
    if kind == "vnc":
        port = draw(st.sampled_from([-1, 5901, 5999]))
        return gr.Graphics(gr.GraphicsType.VNC, port=port, autoport=port == -1,
                           listen=listen, listens=listens)
    mouse = draw(st.none() | st.sampled_from(list(gr.MouseMode)))
    clip = draw(st.none() | st.booleans())
    return gr.Graphics(gr.GraphicsType.SPICE, port=draw(st.integers(5900, 5999)),
                       tls_port=draw(st.none() | st.integers(6000, 6099)), autoport=False,
                       listen=listen, listens=listens,
                       passwd=draw(st.none() | st.just("pw")),
                       mouse=gr.Mouse(mouse) if mouse else None,
                       clipboard=gr.Clipboard(clip) if clip is not None else None)


@st.composite
def pci_devices(draw):
    address = hd.PciHostAddress(draw(st.integers(0, 0xffff)), draw(st.integers(0, 0xff)),
                                draw(st.integers(0, 0x1f)), draw(st.integers(0, 7)))
    return hd.PciHostdev(managed=False, source=hd.PciSource(
        draw(st.none() | st.booleans()), address))


@st.composite
def device_domains(draw, xl: bool) -> ir.Domain:
    hvm = draw(st.booleans())
    families = [draw(displays(hvm, xl))] if draw(st.booleans()) else []
    if hvm:
        models = [m for m in snd.SoundModel if m.value in ("sb16", "es1370", "ac97", "ich6")]
        families += [snd.Sound(m) for m in draw(st.lists(st.sampled_from(models),
                                                         max_size=3))]
    families += draw(st.lists(pci_devices(), max_size=2))
    if xl:
        families += [hd.UsbHostdev(managed=False, source=hd.UsbSource(
            address=hd.UsbHostAddress(bus=b, device=d)))
            for b, d in draw(st.lists(st.tuples(st.integers(1, 255), st.integers(1, 255)),
                                      max_size=2))]
        for name in draw(st.lists(NAMES, max_size=2)):
            if draw(st.booleans()):
                families.append(chn.make(CharType.PTY, chn.ChannelTargetType.XEN, name))
            else:
                families.append(chn.make(CharType.UNIX, chn.ChannelTargetType.XEN, name,
                                         path="/run/" + name, mode=CharMode.BIND))
    os = (ir.Os(ir.OsType.HVM, loader=Loader(path="/usr/lib/xen/boot/hvmloader"),
                boot=(ir.Boot(ir.BootDev.HD),))
          if hvm else ir.Os(ir.OsType.LINUX, kernel="/boot/vmlinuz"))
    return ir.Domain(ir.DomainType.XEN, "g", 524288, vcpus=1, os=os,
                     features=ir.Features(), clock=ir.Clock(ir.ClockOffset.UTC),
                     devices=ir.Devices(families=tuple(families)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(domain=device_domains(xl=False))
def test_generated_devices_reach_a_fixed_point_in_xm(domain):
    assert_fixed_point(domain, "xen-xm")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(domain=device_domains(xl=True))
def test_generated_devices_reach_a_fixed_point_in_xl(domain):
    assert_fixed_point(domain, "xen-xl")
