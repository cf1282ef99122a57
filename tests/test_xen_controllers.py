"""Xen controllers and the device model, both ways: xl's usbctrl list and xenbus limits
(backends/xen/devices/controller.py), device_model_version (backends/xen/guest_os.py).

What xm can't say is XEN500 on the controller's line, what no Xen guest has XEN501; what
every Xen guest has anyway (libvirt's dumpxml writes it) compiles without a key. The golden
cases are tests/xen_cases/controller-* and os-device-model-upstream; xl output is read back
with xl's grammar (backends/xen/parse_xl.py), xm output with `ast`.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import pytest

from virtc.backends.xen import import_config
from virtc.compiler.diagnostics import Diagnostics
from virtc.pipeline import compile_domain, load_bytes
from xen_case_files import read_config

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
Found = List[Tuple[str, int, str]]


def compile_xml(doc: str, target: str) -> Tuple[Optional[Dict[str, Any]], Found]:
    loaded = load_bytes(doc.encode(), "g.xml")
    assert loaded.ok, [d.message for d in loaded.diagnostics]
    diags = Diagnostics(list(loaded.diagnostics))
    text = compile_domain(loaded.node, target, diags)
    found = [(d.code, d.span.line, d.message) for d in diags if d.code.startswith("XEN")]
    if text is None or diags.has_errors:
        return None, found
    return read_config(text, target), found


def import_cfg(text: str, fmt: str = "xen-xl"):
    diags = Diagnostics()
    domain = import_config(text, "in.cfg", fmt, diags)
    return domain, [(d.code, d.span.line, d.message) for d in diags]


def controllers(domain) -> List[Tuple[str, Optional[str], Optional[int]]]:
    return [(c.type.value, c.model.value if c.model else None, c.ports)
            for c in domain.devices.families if c.TAG == "controller"]


# ---------------------------------------------------------------- compile

@pytest.mark.parametrize("guest, controller, words", [
    (PV, "<controller type='usb' model='qusb2' ports='8'/>", "no usbctrl key"),
    (HVM, "<controller type='usb' model='qusb1'/>", "no usbctrl key"),
    (PV, "<controller type='xenbus' maxGrantFrames='64'/>", "max_grant_frames"),
    (PV, "<controller type='xenbus' maxEventChannels='2047'/>", "max_event_channels"),
])
def test_xl_only_controllers_on_xm_are_xen500_on_their_line(guest, controller, words):
    values, found = compile_xml(guest.format(controller), "xen-xm")
    assert values is None
    assert [f for f in found if f[0] == "XEN500" and f[1] == 4 and words in f[2]], found
    # xl carries them.
    values, found = compile_xml(guest.format(controller), "xen-xl")
    assert values is not None and not found, found


@pytest.mark.parametrize("guest, controller, words", [
    (HVM, "<controller type='usb' model='qemu-xhci'/>", "unsupported usb model"),
    (PV, "<controller type='usb' model='piix3-uhci'/>", "unsupported usb model"),
    (PV, "<controller type='usb' model='qusb2' ports='32'/>", "1 to 31 ports"),
    (PV, "<controller type='scsi' model='virtio-scsi'/>", "no such controller"),
    (HVM, "<controller type='sata'/>", "no such controller"),
    (PV, "<controller type='virtio-serial'/>", "no such controller"),
    (PV, "<controller type='ide' index='0'/>", "paravirtualized"),
    (HVM, "<controller type='ide' index='1'/>", "one IDE controller"),
    (HVM, "<controller type='ide' index='0' model='piix4'/>", "without a model"),
    (HVM, "<controller type='pci' index='1' model='pci-bridge'/>", "one PCI bus"),
    (PV, "<controller type='xenbus' index='0'/>\n<controller type='xenbus' index='1'/>",
     "one xenbus"),
])
def test_controllers_no_xen_guest_has_are_xen501(guest, controller, words):
    for target in ("xen-xm", "xen-xl"):
        values, found = compile_xml(guest.format(controller), target)
        assert values is None
        assert [f for f in found if f[0] == "XEN501" and words in f[2]], (target, found)
        assert not [f for f in found if f[0] == "XEN440"], found


def test_what_every_xen_guest_has_needs_no_key():
    """libvirt's dumpxml of a Xen HVM guest has <controller type='ide' index='0'/> and a
    xenbus controller: they compile silently, for xm and for xl."""
    hvm = HVM.format("<controller type='ide' index='0'/>\n<controller type='xenbus' index='0'/>"
                     "\n<controller type='fdc' index='0'/>\n"
                     "<controller type='pci' index='0' model='pci-root'/>")
    pv = PV.format("<controller type='xenbus' index='0' maxGrantFrames='0'/>")
    for doc in (hvm, pv):
        for target in ("xen-xm", "xen-xl"):
            values, found = compile_xml(doc, target)
            assert values is not None and not found, (target, found)
            assert not {"usbctrl", "max_grant_frames", "max_event_channels"} & set(values)


def test_usbctrl_as_libvirt_and_xl_read_it():
    doc = PV.format("<controller type='usb' index='0' model='qusb1' ports='4'/>\n"
                    "<controller type='usb' index='1' ports='15'/>\n"
                    "<controller type='usb' index='2' model='none'/>")
    values, found = compile_xml(doc, "xen-xl")
    assert not found, found
    # No model is libvirt's driver's PV USB 2.0; ports in decimal, as xl's atoi reads them
    # (libvirt's %x would write "f", which xl reads as 0, its default of 8); model='none'
    # asks for no controller.
    assert values["usbctrl"] == ["type=qusb,version=1,ports=4", "type=qusb,version=2,ports=15"]


def test_usbctrl_and_usbdev_together():
    doc = PV.format("<controller type='usb' model='qusb2' ports='2'/>\n"
                    "<hostdev mode='subsystem' type='usb' managed='no'><source>"
                    "<address bus='1' device='3'/></source></hostdev>")
    values, found = compile_xml(doc, "xen-xl")
    assert not found, found
    assert values["usbctrl"] == ["type=qusb,version=2,ports=2"]
    assert values["usbdev"] == ["hostbus=1,hostaddr=3"]


def test_both_limits_in_one_controller():
    values, _ = compile_xml(PV.format("<controller type='xenbus' maxGrantFrames='64' "
                                      "maxEventChannels='2047'/>"), "xen-xl")
    assert (values["max_grant_frames"], values["max_event_channels"]) == (64, 2047)


# ---------------------------------------------------------------- import

def test_usbctrl_entries_import_as_libvirt_reads_them():
    domain, found = import_cfg('name = "g"\nusbctrl = [ "type=qusb,version=1,ports=12", '
                               '"version=2", "ports=3" ]\n')
    assert not found, found
    assert controllers(domain) == [("usb", "qusb1", 12), ("usb", "qusb2", 8),
                                   ("usb", "qusb2", 3)]


@pytest.mark.parametrize("entry, code", [
    ("type=devicemodel,version=2,ports=4", "XEN428"),    # xl's emulated USB: no XML model
    ("type=pv", "XEN428"),                               # the kernel's usbback
    ("type=qusb,ports=4,backend=dom0", "XEN428"),        # a field with no equivalent
    ("type=qusb,ports=many", "XEN427"),
])
def test_usbctrl_entries_without_equivalent(entry, code):
    domain, found = import_cfg(f'name = "g"\nusbctrl = [ "{entry}" ]\n')
    assert (code, 2) in [(c, ln) for c, ln, _ in found], found
    if code == "XEN427":
        assert domain is None
    elif "backend" not in entry:
        assert controllers(domain) == []


def test_limits_import_to_one_xenbus_controller():
    domain, found = import_cfg('name = "g"\nmax_event_channels = 2047\n'
                               'max_grant_frames = 0x40\n')
    assert not found, found
    [xenbus] = [c for c in domain.devices.families if c.TAG == "controller"]
    assert (xenbus.type.value, xenbus.max_grant_frames, xenbus.max_event_channels) == (
        "xenbus", 64, 2047)
    domain, found = import_cfg('name = "g"\nmax_grant_frames = 0\n')
    assert not found and controllers(domain) == []
    # xm has no such keys: left over.
    domain, found = import_cfg('name = "g"\nmax_grant_frames = 64\n', "xen-xm")
    assert ("XEN426", 2) in [(c, ln) for c, ln, _ in found]


# ---------------------------------------------------------------- device_model_version

@pytest.mark.parametrize("emulator, version", [
    ("/usr/lib/xen/bin/qemu-dm", "qemu-xen-traditional"),
    ("/usr/lib/xen/bin/qemu-system-i386", "qemu-xen"),
    ("/usr/bin/qemu-system-x86_64", "qemu-xen"),
])
def test_device_model_version_follows_the_emulator(emulator, version):
    doc = HVM.format(f"<emulator>{emulator}</emulator>")
    values, _ = compile_xml(doc, "xen-xl")
    assert (values["device_model_version"], values["device_model_override"]) == (
        version, emulator)
    values, _ = compile_xml(doc, "xen-xm")     # xend has qemu-dm only: no version key
    assert values["device_model"] == emulator and "device_model_version" not in values
    values, _ = compile_xml(HVM.format(""), "xen-xl")
    assert "device_model_version" not in values and "device_model_override" not in values


def test_device_model_version_reads_back():
    head = 'name = "g"\ntype = "hvm"\n'
    domain, found = import_cfg(head + 'device_model_version = "qemu-xen-traditional"\n')
    assert not found and domain.devices.emulator == "/usr/lib/xen/bin/qemu-dm"
    domain, found = import_cfg(head + 'device_model_version = "qemu-xen"\n')
    assert not found and domain.devices.emulator is None       # libxl's default
    domain, found = import_cfg(head + 'device_model_version = "qemu-xen"\n'
                               'device_model_override = "/opt/qemu/bin/qemu-system-i386"\n')
    assert not found and domain.devices.emulator == "/opt/qemu/bin/qemu-system-i386"
    domain, found = import_cfg(head + 'device_model_version = "qemu-xen-traditional"\n'
                               'device_model_override = "/usr/bin/qemu-system-i386"\n')
    assert [(c, ln) for c, ln, _ in found] == [("XEN502", 3)], found
    assert domain.devices.emulator == "/usr/bin/qemu-system-i386"
    domain, found = import_cfg(head + 'device_model_version = "qemu-upstream"\n')
    assert domain is None and ("XEN427", 3) in [(c, ln) for c, ln, _ in found]


# ---------------------------------------------------------------- usbdev controller= and port=

USBDEV = ("<hostdev mode='subsystem' type='usb' managed='no'><source><address bus='1' "
          "device='3'/></source>\n<address type='usb' {}/></hostdev>")


def test_a_usb_address_is_usbdevs_controller_and_port():
    """controller= is the place in the usbctrl list (xl numbers them from 0 in order),
    whatever index= the document gave the controller."""
    doc = PV.format("<controller type='usb' index='3' model='qusb2' ports='4'/>\n"
                    "<controller type='usb' index='1' model='qusb1' ports='2'/>\n"
                    + USBDEV.format("bus='1' port='2'"))
    values, found = compile_xml(doc, "xen-xl")
    assert not found, found
    assert values["usbdev"] == ["hostbus=1,hostaddr=3,controller=1,port=2"]
    domain, found = import_cfg('name = "g"\nusbctrl = [ "type=qusb,version=2,ports=4" ]\n'
                               'usbdev = [ "hostbus=1,hostaddr=3,controller=0,port=2" ]\n')
    assert not found, found
    [dev] = [d for d in domain.devices.families if d.TAG == "hostdev"]
    assert (dev.info.address.type, dev.info.address.attrs) == ("usb", (("bus", "0"),
                                                                       ("port", "2")))


@pytest.mark.parametrize("address, words", [
    ("bus='0' port='1.2'", "no hub"),           # a port behind a hub
    ("bus='0' port='5'", "1 to 4"),             # beyond the controller's ports
    ("bus='2' port='1'", "names no Xen PV USB controller"),
])
def test_usb_addresses_xl_cannot_place_are_xen503(address, words):
    doc = PV.format("<controller type='usb' index='0' model='qusb2' ports='4'/>\n"
                    + USBDEV.format(address))
    values, found = compile_xml(doc, "xen-xl")
    assert values is None
    assert [f for f in found if f[0] == "XEN503" and f[1] == 6 and words in f[2]], found


def test_usbdev_port_needs_its_controller():
    domain, found = import_cfg('name = "g"\nusbdev = [ "hostbus=1,hostaddr=3,port=2" ]\n')
    assert domain is None and ("XEN427", 2) in [(c, ln) for c, ln, _ in found]
