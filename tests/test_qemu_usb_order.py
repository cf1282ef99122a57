"""USB ports in libvirt's order, and usb-serial ports (issue 12: serial isa/pci/usb).

tests/libvirt_usb_order holds one document with a device of each USB kind and no addresses,
and what libvirt 9.0 made of it (SOURCE has the commands): its dumpxml numbers the ports
disk, CCID reader, input, usb-serial, USB sound, redirdev. virtc's post-parse must give the
same ports, its argv must carry them as libvirt's does, and real QEMU must start it with
each device on its port.
"""
from __future__ import annotations

import pathlib
import shlex

from lxml import etree

import virtc
from qemu_harness import needs_qemu, run_paused
from qemuopts import options
from virtc.pipeline import load_bytes

HERE = pathlib.Path(__file__).parent / "libvirt_usb_order"
KINDS = ("disk", "controller", "input", "serial", "sound", "redirdev")


def _ports(root) -> dict:
    out = {}
    for el in root.find("devices"):
        address = el.find("address")
        if el.tag in KINDS and address is not None and address.get("type") == "usb":
            out[el.tag] = (address.get("bus"), address.get("port"))
    return out


def test_post_parse_gives_libvirts_usb_ports():
    loaded = load_bytes((HERE / "domain.xml").read_bytes(), "domain.xml")
    ours = {}
    for node in loaded.node.devices.families:
        a = node.info.address if hasattr(node, "info") else None
        if node.TAG in KINDS and a is not None and a.type == "usb":
            ours[node.TAG] = (a.get("bus"), a.get("port"))
    libvirts = _ports(etree.parse(str(HERE / "dumpxml.xml")).getroot())
    assert libvirts == {"disk": ("0", "1"), "controller": ("0", "2"), "input": ("0", "3"),
                        "serial": ("0", "4"), "sound": ("0", "5"), "redirdev": ("0", "6")}
    assert ours == libvirts


def _usb_devices(argv) -> dict:
    return {o["driver"]: (o.get("bus"), str(o.get("port")), o.get("chardev"))
            for o in options(argv, "-device") if "port" in o and o.get("bus", "").startswith("usb")}


@needs_qemu
def test_usb_serial_and_the_others_are_where_libvirt_puts_them_in_real_qemu(tmp_path):
    image = tmp_path / "disk.raw"
    image.write_bytes(b"\0" * 1024 * 1024)
    text = (HERE / "domain.xml").read_text().replace("/var/tmp/corpus/disk.raw", str(image))
    result = virtc.compile(text.encode(), qemu_version="7.2")
    assert result.ok, [str(d) for d in result.errors]
    libvirt = shlex.split((HERE / "native.argv").read_text())
    theirs = _usb_devices(libvirt[libvirt.index("/usr/bin/qemu-system-x86_64"):])
    ours = _usb_devices(result.argv)
    assert ours["usb-serial"] == theirs["usb-serial"] == ("usb.0", "4", "charserial0")
    assert {d: v[:2] for d, v in ours.items()} == {d: v[:2] for d, v in theirs.items()}
    qemu = run_paused(result.argv, listeners=(("127.0.0.1", 2001), ("127.0.0.1", 4000)))
    assert qemu.started, qemu.stderr
    assert "dev: usb-serial, id \"serial0\"" in qemu.qtree


def test_each_family_that_takes_usb_ports_declares_its_place():
    """The order lives in the families (compiler/devices/__init__.py): a family with devices
    that take a USB port declares both its rank and which devices take one, no two families
    share a rank, and the ranks put libvirt's kinds in the order its dumpxml numbers them."""
    from virtc.compiler.devices import all_families

    ranks = {}
    for module in all_families():
        has_rank, has_test = hasattr(module, "USB_ORDER"), hasattr(module, "wants_usb_port")
        assert has_rank == has_test, module.__name__
        if has_rank:
            ranks[module.__name__.rsplit(".", 1)[1]] = module.USB_ORDER
    assert len(set(ranks.values())) == len(ranks), ranks
    libvirts = _ports(etree.parse(str(HERE / "dumpxml.xml")).getroot())
    by_port = sorted(libvirts, key=lambda tag: int(libvirts[tag][1]))
    family = {"serial": "chardev"}
    assert sorted((family.get(t, t) for t in by_port), key=ranks.__getitem__) == \
        [family.get(t, t) for t in by_port]
