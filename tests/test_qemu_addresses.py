"""Post-parse for QEMU gives libvirt's addresses (compiler/postparse/qemu.py, pci.py).

The corpus holds each document twice: as virt-install printed it (print-xml, no addresses)
and as libvirt 9.0 stored it after `virsh define` (dumpxml, with the addresses, implicit
controllers and root port numbers libvirt assigned). Compiling the print-xml form must give
every device the address the dumpxml form has. Devices that libvirt adds and virtc doesn't
(a console's serial port, PS/2 inputs) are not compared; a document
with a PCI device virtc doesn't lower yet (filesystems, watchdogs, shared memory, …) or a
disk it doesn't lower (which may imply a controller) is left out, since libvirt's order
puts that device before others; so is a virtio channel after one virtc doesn't lower
(spicevmc), which takes a virtio-serial port before it.
"""
from __future__ import annotations

import pathlib

import pytest
from lxml import etree

from virtc.compiler.devices import tags
from virtc.pipeline import load_bytes

CORPUS = pathlib.Path(__file__).parent / "corpus"
NAMES = sorted(p.name for p in (CORPUS / "print-xml").glob("*.xml"))


def _ir(path: pathlib.Path):
    loaded = load_bytes(path.read_bytes(), str(path))
    assert loaded.node is not None, [str(d) for d in loaded.diagnostics]
    return loaded.node


def addresses(domain) -> dict:
    """(family, which) -> (address type, attributes) for every lowered device; controllers
    by type and index, the rest by their order in the family."""
    out, counts = {}, {}
    for node in domain.devices.families:
        if node.TAG == "controller":
            key = ("controller", node.type.value, node.index)
        else:
            key = (node.TAG, counts.setdefault(node.TAG, 0))
            counts[node.TAG] += 1
        a = node.info.address
        out[key] = None if a is None else (a.type, dict(a.attrs))
    return out


def unlowered_pci_devices(name: str) -> list:
    """Tags of devices in libvirt's dumpxml that sit on PCI and that virtc doesn't lower
    (leaving q35's ich9 sound card at its fixed 00:1b.0, which moves nothing), and of USB
    devices that take USB ports before the ones virtc numbers."""
    root = etree.parse(str(CORPUS / "dumpxml" / name)).getroot()
    known = tags()
    out = []
    for dev in root.find("devices"):
        address = dev.find("address")
        if dev.tag in ("smartcard", "hub"):
            out.append(dev.tag)         # USB devices that libvirt addresses before inputs
            continue
        if dev.tag in known or address is None or address.get("type") != "pci":
            continue
        if dev.tag == "sound" and address.get("slot") == "0x1b":
            continue
        out.append(dev.tag)
    return out


def unlowered_disks(name: str) -> bool:
    """A disk virtc doesn't lower (a sata one, say) may imply a controller libvirt adds."""
    path = CORPUS / "print-xml" / name
    return any(u.path == "devices/disk" for u in _ir(path).uncompiled)


def channels_after_unlowered_ones(name: str, domain) -> set:
    """Keys of the lowered channels that an unlowered virtio channel precedes: libvirt
    numbers virtio-serial ports in document order, counting that one too."""
    root = etree.parse(str(CORPUS / "print-xml" / name)).getroot()
    lowered = {n.span.line for n in domain.devices.families if n.TAG == "channel"}
    skip, unlowered_before, k = set(), False, 0
    for el in root.iter("channel"):
        if el.sourceline in lowered:
            if unlowered_before:
                skip.add(("channel", k))
            k += 1
        else:
            unlowered_before = True
    return skip


def usb_after_unlowered_ones(domain) -> set:
    """Keys of the USB redirections when an input virtc doesn't lower yet may sit on USB:
    libvirt gives that input its port first, so theirs come later."""
    if not any(u.path == "devices/input" for u in domain.uncompiled):
        return set()
    return {("redirdev", k)
            for k in range(sum(n.TAG == "redirdev" for n in domain.devices.families))}


COMPARABLE = [n for n in NAMES if not unlowered_pci_devices(n) and not unlowered_disks(n)]


def test_most_of_the_corpus_is_compared():
    assert len(COMPARABLE) >= 40, sorted(set(NAMES) - set(COMPARABLE))


@pytest.mark.parametrize("name", COMPARABLE)
def test_print_xml_gets_the_addresses_libvirt_gave(name):
    printed = _ir(CORPUS / "print-xml" / name)
    ours = addresses(printed)
    libvirts = addresses(_ir(CORPUS / "dumpxml" / name))
    compared = ((set(ours) & set(libvirts)) - channels_after_unlowered_ones(name, printed)
                - usb_after_unlowered_ones(printed))
    assert any(k[0] == "controller" for k in compared)
    differ = {k: (ours[k], libvirts[k]) for k in compared if ours[k] != libvirts[k]}
    assert not differ
    # every controller libvirt has, virtc has too (the implicit ones included), and the
    # balloon libvirt adds to a guest without one
    assert {k for k in libvirts if k[0] == "controller"} <= set(ours)
    assert (("memballoon", 0) in ours) == (("memballoon", 0) in libvirts)


@pytest.mark.parametrize("name", ["q35-debian11-defaults.xml", "multi-nic.xml",
                                  "video-ramfb.xml"])
def test_root_ports_get_libvirts_chassis_and_port(name):
    from virtc.compiler.devices.controller import Controller

    def ports(domain):
        return {c.index: (c.target.chassis, c.target.port, c.model_name.name.value)
                for c in domain.devices.of(Controller)
                if c.model is not None and c.model.value == "pcie-root-port"}

    ours = ports(_ir(CORPUS / "print-xml" / name))
    assert ours == ports(_ir(CORPUS / "dumpxml" / name)) and ours
