"""The Xen backend: IR → xm config. Every output is read back with Python's `ast`."""
from __future__ import annotations

import ast
import enum
import os
import shutil
import subprocess
import sys
import tempfile
from typing import Any, Dict, List, Optional, Tuple

import pytest
from hypothesis import given, settings, strategies as st

from virtc.compiler.node import Choice
from virtc.compiler.memory import MaxMemory
from virtc.backends.xen import XenContext, compile_domain, tables
from virtc.backends.xen.dialects import get_dialect
from virtc.backends.xen.literal import py_literal
from virtc.backends.xen.render import environment
from virtc.compiler.guest_os import Bootmenu, Loader, LoaderType
from virtc.compiler import rules
from virtc.compiler.diagnostics import Diagnostics, Severity, Span
from virtc.compiler.ir import (
    Boot, BootDev, Clock, ClockOffset,
    Domain, DomainType, Features,
    LifecycleAction, NetType, Network, Os,
    OsType, Uncompiled,
)
from virtc.backends.xen.devices import disk as xen_disk
from virtc.backends.xen.devices import chardev as xen_chardev
from virtc.backends.xen.devices import graphics as xen_graphics
from virtc.backends.xen.devices import hostdev as xen_hostdev
from virtc.backends.xen.devices import sound as xen_sound
from virtc.backends.xen.devices import input as xen_input
from virtc.compiler.devices.input import Input, InputBus, InputType
from virtc.compiler.devices.graphics import Graphics, GraphicsType
from virtc.compiler.devices.chardev import (CharDevice, CharKind, CharMode, CharProtocol,
                                           CharType)
from virtc.compiler.devices.chardev import make as chardev
from virtc.compiler.devices.disk import (Disk, DiskAuth, DiskBus, DiskDevice, DiskSource,
                                         DiskType)
from virtc.compiler.networks import network_table
from qemu_domains import as_kind, devs, ir_disk, ir_interface
from virtc.compiler.devices.interface import (Inbound, Interface, InterfaceBandwidth,
                                              InterfaceVlan, VlanTag)
from virtc.compiler.node import fields, is_node, replace

HVMLOADER = "/usr/lib/xen/boot/hvmloader"
QEMU_DM = "/usr/lib/xen/bin/qemu-dm"


# ---------------------------------------------------------------- helpers

def read_xm(text: str) -> Dict[str, Any]:
    """Each statement must be `NAME = literal`; returns the values in file order."""
    module = ast.parse(text)
    values: Dict[str, Any] = {}
    for stmt in module.body:
        assert isinstance(stmt, ast.Assign), ast.dump(stmt)
        assert len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
        name = stmt.targets[0].id
        assert name not in values, f"{name} assigned twice"
        values[name] = ast.literal_eval(stmt.value)
    return values


def compile_xm(domain: Domain, networks=None, dialect=None
               ) -> Tuple[Optional[Dict[str, Any]], Diagnostics]:
    diags = Diagnostics()
    ctx = XenContext(diags, networks or network_table())
    if dialect is not None:
        ctx = XenContext(diags, ctx.networks, get_dialect(*dialect))
    text = compile_domain(domain, ctx)
    return (read_xm(text) if text is not None else None), diags


def codes(diags: Diagnostics) -> List[str]:
    return [d.code for d in diags]


def hvm(**devices) -> Domain:
    return Domain(DomainType.XEN, "g", 262144, os=Os(OsType.HVM, loader=Loader(path=HVMLOADER)),
                  devices=devs(emulator=QEMU_DM, **devices))


def pv(**devices) -> Domain:
    return Domain(DomainType.XEN, "g", 262144, os=Os(OsType.LINUX, kernel="/boot/vmlinuz"),
                  devices=devs(**devices))


def disk(source, dev="hda", target_bus=DiskBus.IDE, **kw) -> Disk:
    return ir_disk(source, dev, target_bus, **kw)


def bridge(**kw) -> Interface:
    kw.setdefault("mac", "00:16:3e:00:00:01")
    return ir_interface(NetType.BRIDGE, bridge="xenbr0", **kw)


AT = Span("dom.xml", 12, 5)
from virtc.compiler.devices.controller import Controller, ControllerType  # noqa: E402
from virtc.compiler.devices.hostdev import UsbHostAddress, UsbHostdev, UsbSource  # noqa: E402
from virtc.compiler.devices.info import Address, DeviceInfo  # noqa: E402
from virtc.compiler.ir import Written  # noqa: E402
from virtc.compiler.platform.cpu import Cpu, CpuMode, CpuModel, Vcpu, VcpuPlacement  # noqa: E402


# ---------------------------------------------------------------- the page's examples

def spec_hvm() -> Domain:
    return Domain(
        DomainType.XEN, "fv0", 524288, id=3, uuid="4dea22b3-1d52-d8f3-2516-782e98ab3fa0",
        os=Os(OsType.HVM, loader=Loader(path=HVMLOADER), boot=(Boot(BootDev.HD),)),
        features=Features(pae=True, acpi=True, apic=True),
        on_poweroff=LifecycleAction.DESTROY, on_reboot=LifecycleAction.RESTART,
        on_crash=LifecycleAction.RESTART,
        devices=devs(
            emulator=QEMU_DM,
            interfaces=(ir_interface(NetType.BRIDGE, mac="00:16:3e:5d:c7:9e", bridge="xenbr0",
                                  script="vif-bridge"),),
            disks=(disk("/root/fv0", "hda"),
                   disk("/root/fc5-x86_64-boot.iso", "hdc", device=DiskDevice.CDROM,
                        readonly=True),
                   disk("/root/fd.img", "fda", device=DiskDevice.FLOPPY,
                        target_bus=DiskBus.FDC)),
            graphics=(Graphics(GraphicsType.VNC, port=5904),)))


def test_spec_hvm_example():
    xm, diags = compile_xm(spec_hvm())
    assert xm == {
        "name": "fv0", "uuid": "4dea22b3-1d52-d8f3-2516-782e98ab3fa0",
        "maxmem": 512, "memory": 512, "vcpus": 1,
        "builder": "hvm", "kernel": HVMLOADER, "boot": "c", "fda": "/root/fd.img",
        "pae": 1, "acpi": 1, "apic": 1, "localtime": 0,
        "on_poweroff": "destroy", "on_reboot": "restart", "on_crash": "restart",
        "device_model": QEMU_DM, "sdl": 0, "vnc": 1, "vncunused": 0, "vncdisplay": 4,
        "disk": ["file:/root/fv0,hda,w", "file:/root/fc5-x86_64-boot.iso,hdc:cdrom,r"],
        "vif": ["mac=00:16:3e:5d:c7:9e,bridge=xenbr0,script=vif-bridge,type=ioemu"],
        "parallel": "none", "serial": "none",
    }
    assert codes(diags) == ["XEN405"]   # id='3' is a run-time value


def test_spec_pv_example():
    domain = Domain(
        DomainType.XEN, "fc4", 131072, id=18,
        os=Os(OsType.LINUX, kernel="/boot/vmlinuz-2.6.15-1.43_FC5guest",
              initrd="/boot/initrd-2.6.15-1.43_FC5guest.img", root="/dev/sda1",
              cmdline=" ro selinux=0 3"),
        devices=devs(
            disks=(disk("/u/fc4.img", "sda1", target_bus=DiskBus.XEN),),
            interfaces=(ir_interface(NetType.BRIDGE, mac="aa:00:00:00:00:11", bridge="xenbr0",
                                  script="/etc/xen/scripts/vif-bridge"),),
            consoles=(chardev(CharKind.CONSOLE, CharType.PTY, path="/dev/pts/5", span=AT),)))
    xm, diags = compile_xm(domain)
    assert xm == {
        "name": "fc4", "maxmem": 128, "memory": 128, "vcpus": 1,
        "kernel": "/boot/vmlinuz-2.6.15-1.43_FC5guest",
        "ramdisk": "/boot/initrd-2.6.15-1.43_FC5guest.img",
        "root": "/dev/sda1", "extra": " ro selinux=0 3", "localtime": 0,
        "on_poweroff": "destroy", "on_reboot": "restart", "on_crash": "restart",
        "disk": ["file:/u/fc4.img,sda1,w"],
        "vif": ["mac=aa:00:00:00:00:11,bridge=xenbr0,script=/etc/xen/scripts/vif-bridge"],
    }
    tty = [d for d in diags if d.code == "XEN404"]
    assert len(tty) == 1 and tty[0].severity is Severity.INFO and tty[0].span == AT
    assert "run time" in tty[0].message and "/dev/pts/5" in tty[0].message
    assert not diags.has_errors


# ---------------------------------------------------------------- general keys

def test_memory_rounds_up_to_mib_and_uses_current_memory():
    domain = replace(pv(), memory_kib=1025, current_memory_kib=513, vcpus=4)
    xm, _ = compile_xm(domain)
    assert (xm["maxmem"], xm["memory"], xm["vcpus"]) == (2, 1, 4)


@pytest.mark.parametrize("action", list(LifecycleAction))
def test_lifecycle_actions_use_libvirt_strings(action):
    domain = replace(pv(), on_poweroff=action, on_reboot=action, on_crash=action)
    xm, _ = compile_xm(domain)
    assert xm["on_poweroff"] == xm["on_reboot"] == xm["on_crash"] == action.value


@pytest.mark.parametrize("offset, flag", [(ClockOffset.UTC, 0), (ClockOffset.LOCALTIME, 1)])
def test_localtime_follows_clock_offset(offset, flag):
    xm, _ = compile_xm(replace(hvm(), clock=Clock(offset)))
    assert xm["localtime"] == flag


def test_boot_letters_keep_document_order():
    order = (BootDev.NETWORK, BootDev.CDROM, BootDev.FD, BootDev.HD)
    domain = replace(hvm(), os=Os(OsType.HVM, loader=Loader(path=HVMLOADER),
                                                 boot=tuple(Boot(d) for d in order)))
    xm, _ = compile_xm(domain)
    assert xm["boot"] == "ndac"


def test_hvm_features_off_are_written_as_zero():
    xm, _ = compile_xm(hvm())
    assert (xm["pae"], xm["acpi"], xm["apic"]) == (0, 0, 0)


def test_pv_bootloader_and_args():
    domain = replace(pv(), bootloader="/usr/bin/pygrub", bootloader_args="-q",
                                 os=Os(OsType.XEN))
    xm, diags = compile_xm(domain)
    assert (xm["bootloader"], xm["bootargs"]) == ("/usr/bin/pygrub", "-q")
    assert "builder" not in xm and not diags.has_errors


def test_non_xen_domain_type_is_an_error():
    xm, diags = compile_xm(replace(hvm(), type=DomainType.KVM, span=AT))
    assert xm is None
    [d] = diags
    assert (d.code, d.severity, d.span) == ("XEN401", Severity.ERROR, AT)
    assert "kvm" in d.message and "xen-xm" in d.message


# ---------------------------------------------------------------- disks

@pytest.mark.parametrize("kw, entry", [
    (dict(type=DiskType.BLOCK), "phy:/dev/vg/g,hda,w"),
    (dict(driver_name="tap", driver_type="raw"), "tap:aio:/dev/vg/g,hda,w"),
    (dict(driver_name="tap"), "tap:aio:/dev/vg/g,hda,w"),
    (dict(driver_name="tap2", driver_type="qcow2"), "tap2:qcow2:/dev/vg/g,hda,w"),
    (dict(driver_name="file"), "file:/dev/vg/g,hda,w"),
    (dict(driver_name="phy", type=DiskType.BLOCK), "phy:/dev/vg/g,hda,w"),
    (dict(readonly=True), "file:/dev/vg/g,hda,r"),
    (dict(device=DiskDevice.CDROM, readonly=True), "file:/dev/vg/g,hda:cdrom,r"),
])
def test_disk_entries(kw, entry):
    xm, diags = compile_xm(hvm(disks=(disk("/dev/vg/g", **kw),)))
    assert xm["disk"] == [entry] and not len(diags)


def test_empty_cdrom_is_written_like_libvirt():
    xm, _ = compile_xm(hvm(disks=(disk(None, "hdc", device=DiskDevice.CDROM, readonly=True),)))
    assert xm["disk"] == [",hdc:cdrom,r"]


def test_floppies_become_fda_and_fdb_on_hvm():
    floppies = tuple(disk(f"/f{n}.img", dev, device=DiskDevice.FLOPPY, target_bus=DiskBus.FDC)
                     for n, dev in enumerate(("fdb", "fda")))
    xm, diags = compile_xm(hvm(disks=floppies))
    assert (xm["fda"], xm["fdb"]) == ("/f1.img", "/f0.img") and "disk" not in xm
    assert not len(diags)


def test_readonly_floppy_warns():
    f = disk("/f.img", "fda", device=DiskDevice.FLOPPY, target_bus=DiskBus.FDC, readonly=True)
    xm, diags = compile_xm(hvm(disks=(f,)))
    assert xm["fda"] == "/f.img" and codes(diags) == ["XEN412"]


# ---------------------------------------------------------------- interfaces

def test_network_interface_resolves_to_its_bridge():
    nets = network_table([Network("lab", bridge="br-lab")])
    xm, _ = compile_xm(pv(interfaces=(
        ir_interface(NetType.NETWORK, mac="00:16:3e:00:00:02", network="lab"),
        ir_interface(NetType.NETWORK, network="default"))), nets)
    assert xm["vif"] == ["mac=00:16:3e:00:00:02,bridge=br-lab,script=vif-bridge",
                         "bridge=virbr0,script=vif-bridge"]


def test_vif_fields_pv():
    net = bridge(ip="10.0.0.5", model="e1000", target_dev="net0")
    xm, _ = compile_xm(pv(interfaces=(net,)))
    assert xm["vif"] == ["mac=00:16:3e:00:00:01,bridge=xenbr0,ip=10.0.0.5,script=vif-bridge,"
                         "model=e1000,vifname=net0"]


@pytest.mark.parametrize("model, tail", [
    (None, "type=ioemu"), ("e1000", "model=e1000,type=ioemu"), ("netfront", "type=netfront")])
def test_vif_model_on_hvm(model, tail):
    xm, _ = compile_xm(hvm(interfaces=(bridge(model=model),)))
    assert xm["vif"] == [f"mac=00:16:3e:00:00:01,bridge=xenbr0,script=vif-bridge,{tail}"]


def test_ethernet_interface_is_a_routed_vif():
    net = ir_interface(NetType.ETHERNET, mac="00:16:3e:00:00:03", script="vif-route", ip="10.1.1.1")
    xm, _ = compile_xm(pv(interfaces=(net,)))
    assert xm["vif"] == ["mac=00:16:3e:00:00:03,ip=10.1.1.1,script=vif-route"]


@pytest.mark.parametrize("net_type", [t for t, kind in tables.VIF_KINDS.items() if kind is None])
def test_interface_types_xen_cannot_carry(net_type):
    net = ir_interface(net_type, address="230.0.0.1", port=5558, span=AT)
    xm, diags = compile_xm(pv(interfaces=(net,)))
    assert xm is None
    [d] = diags
    assert (d.code, d.severity, d.span) == ("XEN402", Severity.ERROR, AT)
    assert f"'{net_type.value}'" in d.message and "xen-xm" in d.message


def test_unknown_network_is_an_error():
    net = ir_interface(NetType.NETWORK, network="nowhere", span=AT)
    xm, diags = compile_xm(pv(interfaces=(net,)))
    assert xm is None and codes(diags) == ["XEN403"] and "nowhere" in diags.items[0].message


# ---------------------------------------------------------------- graphics and input

@pytest.mark.parametrize("g", [Graphics(GraphicsType.VNC, port=-1, autoport=True),
                               Graphics(GraphicsType.VNC)])
def test_vnc_autoport(g):
    xm, _ = compile_xm(hvm(graphics=(g,)))
    assert (xm["vnc"], xm["vncunused"]) == (1, 1) and "vncdisplay" not in xm


def test_vnc_details_on_hvm():
    g = Graphics(GraphicsType.VNC, port=5910, listen="127.0.0.1", passwd="p\"w", keymap="de")
    xm, _ = compile_xm(hvm(graphics=(g,)))
    assert {k: xm[k] for k in ("vncdisplay", "vnclisten", "vncpasswd", "keymap")} == {
        "vncdisplay": 10, "vnclisten": "127.0.0.1", "vncpasswd": "p\"w", "keymap": "de"}


def test_sdl_on_hvm():
    xm, _ = compile_xm(hvm(graphics=(Graphics(GraphicsType.SDL),)))
    assert (xm["sdl"], xm["vnc"]) == (1, 0)


def test_pv_graphics_use_one_vfb_entry():
    g = Graphics(GraphicsType.VNC, port=5925, listen="127.0.0.1", passwd="123poi")
    xm, _ = compile_xm(pv(graphics=(g,)))
    assert xm["vfb"] == ["type=vnc,vncunused=0,vncdisplay=25,vnclisten=127.0.0.1,"
                         "vncpasswd=123poi"]
    xm, _ = compile_xm(pv(graphics=(Graphics(GraphicsType.SDL),)))
    assert xm["vfb"] == ["type=sdl"]


@pytest.mark.parametrize("kind", [InputType.MOUSE, InputType.TABLET])
def test_usb_input_on_hvm(kind):
    inputs = (Input(InputType.MOUSE, InputBus.PS2), Input(kind, InputBus.USB))
    xm, diags = compile_xm(hvm(inputs=inputs))
    assert (xm["usb"], xm["usbdevice"]) == (1, kind.value) and not len(diags)


@pytest.mark.parametrize("kind, bus", [(InputType.KEYBOARD, InputBus.USB),
                                       (InputType.MOUSE, InputBus.VIRTIO),
                                       (InputType.PASSTHROUGH, InputBus.VIRTIO),
                                       (InputType.EVDEV, None)])
def test_inputs_xm_has_no_key_for_are_reported(kind, bus):
    """xm/xl's usbdevice names a USB mouse or tablet; a keyboard, a virtio device or a host
    evdev device is XEN415, not silently left out."""
    xm, diags = compile_xm(hvm(inputs=(Input(kind, bus),)))
    assert "usbdevice" not in xm and [str(d.code) for d in diags] == ["XEN415"]


# ---------------------------------------------------------------- serial and parallel

def chr_(kind=CharKind.SERIAL, type=CharType.PTY, **kw) -> CharDevice:
    return chardev(kind, type, **kw)


@pytest.mark.parametrize("dev, text", [
    (chr_(), "pty"), (chr_(type=CharType.NULL), "null"), (chr_(type=CharType.STDIO), "stdio"),
    (chr_(type=CharType.VC), "vc"),
    (chr_(type=CharType.FILE, path="/var/log/s"), "file:/var/log/s"),
    (chr_(type=CharType.PIPE, path="/tmp/p"), "pipe:/tmp/p"),
    (chr_(type=CharType.DEV, path="/dev/ttyS0"), "/dev/ttyS0"),
    (chr_(type=CharType.TCP, host="127.0.0.1", service="7777"), "tcp:127.0.0.1:7777"),
    (chr_(type=CharType.TCP, host="127.0.0.1", service="9999", mode=CharMode.BIND,
          protocol=CharProtocol.TELNET), "telnet:127.0.0.1:9999,server,nowait"),
    (chr_(type=CharType.UDP, host="127.0.0.1", service="9999", bind_host="0.0.0.0",
          bind_service="9998"), "udp:127.0.0.1:9999@0.0.0.0:9998"),
    (chr_(type=CharType.UNIX, path="/tmp/s.sock", mode=CharMode.BIND),
     "unix:/tmp/s.sock,server,nowait"),
    (chr_(type=CharType.UNIX, path="/tmp/s.sock"), "unix:/tmp/s.sock"),
])
def test_char_device_strings(dev, text):
    xm, _ = compile_xm(hvm(serials=(dev,), parallels=(as_kind(dev, CharKind.PARALLEL),)))
    assert (xm["serial"], xm["parallel"]) == (text, text)


def test_serial_ports_become_a_padded_list():
    serials = (chr_(type=CharType.DEV, path="/dev/ttyS1", target_port=1),
               chr_(type=CharType.DEV, path="/dev/ttyS3", target_port=3))
    xm, _ = compile_xm(hvm(serials=serials))
    assert xm["serial"] == ["none", "/dev/ttyS1", "none", "/dev/ttyS3"]


# ---------------------------------------------------------------- every rule has a fixture

def _span(obj):
    """`obj` at AT, and its sub-nodes too, as lowering gives each element its line."""
    subs = {f: _span(value) for f in fields(obj)
            for value in [getattr(obj, f)]
            if is_node(value) and hasattr(value, "span")}
    return replace(obj, span=AT, **subs)


RULE_FIXTURES: Dict[str, Domain] = {
    "XEN401": _span(replace(hvm(), type=DomainType.QEMU)),
    "XEN402": pv(interfaces=(_span(ir_interface(NetType.USER)),)),
    "XEN403": pv(interfaces=(_span(ir_interface(NetType.NETWORK, network="lab")),)),
    "XEN404": pv(consoles=(_span(chr_(CharKind.CONSOLE, path="/dev/pts/1")),)),
    "XEN405": _span(replace(pv(), id=7)),
    "XEN406": pv(disks=(_span(disk("/img/a,b.img")),)),
    "XEN407": pv(disks=(_span(disk(None)),)),
    "XEN408": pv(disks=(_span(disk("/a.qcow2", driver_name="qemu", driver_type="qcow2")),)),
    "XEN409": pv(disks=(_span(disk("/a.img", driver_name="file", driver_type="qcow2")),)),
    "XEN410": pv(disks=(_span(disk("/a.img", "vda", target_bus=DiskBus.VIRTIO)),)),
    "XEN411": pv(disks=(_span(disk("/f.img", "fda", device=DiskDevice.FLOPPY)),)),
    "XEN412": hvm(disks=(_span(disk("/f.img", "fda", device=DiskDevice.FLOPPY,
                                    readonly=True)),)),
    "XEN413": hvm(graphics=(Graphics(GraphicsType.VNC), _span(Graphics(GraphicsType.SDL)))),
    "XEN414": hvm(graphics=(_span(Graphics(GraphicsType.VNC, port=5000)),)),
    "XEN415": pv(inputs=(_span(Input(InputType.TABLET, InputBus.USB)),)),
    "XEN416": pv(serials=(_span(chr_()),)),
    "XEN418": replace(pv(), features=Features(pae=True, span=AT)),
    "XEN419": replace(hvm(), os=Os(OsType.HVM, span=AT)),
    "XEN420": pv(interfaces=(_span(ir_interface(NetType.NETWORK, network="default",
                                             script="vif-nat")),)),
    "XEN421": pv(interfaces=(_span(bridge(target_dev="vif3.0")),)),
    "XEN422": _span(replace(pv(), name="bad\ud800")),
    "XEN423": replace(pv(), os=Os(OsType.LINUX, span=AT)),
    # <os> settings (compiler/guest_os.py; tests/test_platform_os.py has the rest).
    "XEN450": replace(pv(), os=Os(OsType.XENPVH, kernel="/boot/vmlinuz", span=AT)),
    "XEN451": replace(hvm(), os=Os(OsType.HVM, span=AT, loader=Loader(
        readonly=True, type=LoaderType.PFLASH, path="/usr/lib/xen/boot/ovmf.bin", span=AT))),
    "XEN452": replace(hvm(), os=replace(hvm().os, bootmenu=Bootmenu(enable=True, span=AT))),
    "XEN430": _span(replace(pv(), name="soh\x01")),
    "XEN433": hvm(disks=(_span(disk(None, "hdc", device=DiskDevice.CDROM, readonly=True)),)),
    # What lowering left unread (valid libvirt XML no Xen key carries): a guest-visible
    # feature is an error, host-side tuning a warning.
    "XEN440": replace(hvm(), uncompiled=(Uncompiled("features/hyperv", AT),)),
    "XEN441": replace(pv(), uncompiled=(Uncompiled("memtune", AT, host_side=True),)),
    "XEN460": pv(disks=(_span(replace(disk(None, "xvda"), type=DiskType.NETWORK,
                                      source=DiskSource(protocol="rbd", name="pool/img"))),)),
    "XEN461": pv(interfaces=(_span(replace(bridge(), vlan=InterfaceVlan(
        tags=(VlanTag(42),)))),)),
    "XEN463": pv(disks=(_span(replace(disk(None, "xvda"), type=DiskType.NETWORK, source=DiskSource(
        protocol="rbd", name="pool/img", auth=DiskAuth(username="admin")))),)),
    "XEN462": pv(interfaces=(_span(replace(bridge(), bandwidth=InterfaceBandwidth(
        inbound=Inbound(average=1000)))),)),
    # compiler/memory.py's: no memory hotplug area in xm or xl.
    "XEN480": replace(pv(), max_memory=MaxMemory(size_kib=1048576, slots=2, span=AT)),
    "XEN470": replace(hvm(), uncompiled=(Uncompiled("devices/tpm", AT),)),
    # <cpu> and <vcpu> (backends/xen/platform/cpu.py)
    "XEN495": replace(pv(), cpu=Cpu(mode=CpuMode.CUSTOM, model=CpuModel("Skylake-Client"),
                                    span=AT)),
    "XEN496": replace(pv(), vcpu=Vcpu(placement=VcpuPlacement.AUTO, span=AT)),
    # <controller> (backends/xen/devices/controller.py): xl's keys on xm; no Xen controller.
    "XEN500": pv(families=(Controller(ControllerType.XENBUS, max_grant_frames=64, span=AT),)),
    "XEN501": hvm(families=(Controller(ControllerType.SCSI, span=AT),)),
    # a USB address xl's usbdev can't carry: no PV USB controller with index 5
    "XEN503": pv(families=(UsbHostdev(source=UsbSource(address=UsbHostAddress(bus=1, device=3)),
                                      info=DeviceInfo(address=Address("usb", (("bus", "5"),)),
                                                      span=AT, at=(Written("address", AT),)),
                                      span=AT),)),
}
# Fixtures that need another target or Xen version than the default xm one.
RULE_DIALECTS = {"XEN430": ("xen-xl", None), "XEN433": ("xen-xm", "3.0.2"),
                 "XEN463": ("xen-xl", None), "XEN503": ("xen-xl", None)}
# The import rules have their fixtures (xm/xl config text) in test_xen_import.py.
IMPORT_CODES = {"XEN424", "XEN425", "XEN426", "XEN427", "XEN428", "XEN429", "XEN431", "XEN432",
                "XEN502"}


def test_every_xen_rule_has_a_fixture_and_docs():
    xen_rules = {code: r for code, r in rules.active().items() if code.startswith("XEN")}
    assert set(RULE_FIXTURES) | IMPORT_CODES == set(xen_rules)
    assert not set(RULE_FIXTURES) & IMPORT_CODES
    for rule in xen_rules.values():
        assert rule.family == "xen"
        assert all([rule.name, rule.summary, rule.why, rule.example, rule.fix]), rule.code


@pytest.mark.parametrize("code", sorted(RULE_FIXTURES))
def test_rule_fixture_triggers_its_code(code):
    xm, diags = compile_xm(RULE_FIXTURES[code], dialect=RULE_DIALECTS.get(code))
    found = [d for d in diags if d.code == code]
    assert found, codes(diags)
    assert found[0].span == AT
    rule = rules.get(code)
    assert found[0].severity is rule.severity
    # An error means no output; anything else still compiles.
    assert (xm is None) == (rule.severity is Severity.ERROR)


# ---------------------------------------------------------------- tables

# The central tables, and those of the families the dialect modules place themselves.
ENUM_TABLES = (tables.ENUM_TABLES + xen_disk.ENUM_TABLES + xen_chardev.ENUM_TABLES
               + xen_graphics.ENUM_TABLES + xen_input.ENUM_TABLES + xen_sound.ENUM_TABLES
               + xen_hostdev.ENUM_TABLES)


@pytest.mark.parametrize("enum_type, table", ENUM_TABLES,
                         ids=[e.__name__ for e, _ in ENUM_TABLES])
def test_enum_tables_cover_every_member(enum_type, table):
    assert set(table) == set(enum_type)


def test_every_ir_enum_the_backend_sees_has_a_table():
    import virtc.compiler.ir as ir
    import virtc.compiler.devices.chardev as chardev_family
    import virtc.compiler.devices.disk as disk_family
    import virtc.compiler.devices.graphics as graphics_family
    import virtc.compiler.devices.input as input_family
    import virtc.compiler.devices.sound as sound_family
    import virtc.compiler.devices.hostdev as hostdev_family
    import virtc.compiler.devices.channel as channel_family
    enums = {v for module in (ir, disk_family, chardev_family, graphics_family, input_family,
                              sound_family, hostdev_family, channel_family)
             for v in vars(module).values()
             if isinstance(v, type) and issubclass(v, (enum.Enum, Choice))
             and v.__module__ == module.__name__}
    # Dispatched without a table: a hostdev's type picks its node class (PCI or USB) and
    # its one mode is subsystem; an xl channel's target is type 'xen' or reported; an HDA
    # codec is always reported (soundhw names cards only).
    # SPICE's modes, channel names, compressions and streaming: xl has no key for them,
    # each is reported whatever its value.
    dispatched = {hostdev_family.HostdevType, hostdev_family.HostdevMode,
                  channel_family.ChannelTargetType, sound_family.CodecType,
                  graphics_family.SpiceMode, graphics_family.SpiceChannelName,
                  graphics_family.ImageCompression, graphics_family.WanCompression,
                  graphics_family.StreamingMode,
                  # a virtio input's model and an evdev device's grab toggle: xm/xl has no
                  # virtio or evdev input at all (XEN415 for the whole <input>)
                  input_family.InputModel, input_family.GrabToggle}
    assert enums - dispatched == {e for e, _ in ENUM_TABLES}


# ---------------------------------------------------------------- quoting

# Characters that break naive quoting are drawn often; the rest of Unicode stays in play.
RISKY = st.sampled_from('"\'\\\n\r\t\x00\x1b\x7f\x85\u2028é€😀#=, ')
CHARS = st.one_of(RISKY, st.characters(blacklist_categories=("Cs",)))
ANY_TEXT = st.text(CHARS, min_size=1)
NO_COMMA = st.text(CHARS.filter(lambda c: c != ","), min_size=1)


@settings(max_examples=300, deadline=None)
@given(name=ANY_TEXT, kernel=ANY_TEXT, cmdline=st.text(), root=ANY_TEXT, path=NO_COMMA,
       emulator=ANY_TEXT, passwd=ANY_TEXT)
def test_any_text_reads_back_exactly(name, kernel, cmdline, root, path, emulator, passwd):
    domain = Domain(DomainType.XEN, name, 65536,
                    os=Os(OsType.LINUX, kernel=kernel, initrd=kernel, cmdline=cmdline,
                          root=root),
                    devices=devs(emulator=emulator, disks=(disk(path, "xvda"),)))
    diags = Diagnostics()
    text = compile_domain(domain, XenContext(diags, network_table()))
    assert text is not None, codes(diags)
    xm = read_xm(text)
    assert list(xm) == ["name", "maxmem", "memory", "vcpus", "kernel", "ramdisk", "root",
                        "extra", "localtime", "on_poweroff", "on_reboot", "on_crash",
                        "device_model", "disk"]
    assert (xm["name"], xm["kernel"], xm["ramdisk"], xm["root"], xm["extra"]) == (
        name, kernel, kernel, root, cmdline)
    assert xm["device_model"] == emulator and xm["disk"] == [f"file:{path},xvda,w"]
    assert text.startswith("# -*- coding: utf-8 -*-\n") == (not text.isascii())
    # Python 2 rejects a NUL byte or a stray control character in source: only escapes.
    assert not any(ord(c) < 0x20 and c != "\n" or c == "\x7f" for c in text)


@settings(deadline=None)    # no time limit per example: a loaded machine is no failure
@given(st.text(CHARS))
def test_literal_filter_round_trips(value):
    assert ast.literal_eval(py_literal(value)) == value
    assert ast.literal_eval(py_literal([value, value])) == [value, value]


def test_literal_filter_refuses_other_types():
    for bad in (True, 1.5, None, [1], {"a": "b"}):
        with pytest.raises(TypeError):
            py_literal(bad)


def _python2() -> Optional[str]:
    """A working Python 2 (pyenv shims exist even when the version isn't selected)."""
    for candidate in (shutil.which("python2.7"), shutil.which("python2"),
                      os.path.expanduser("~/.pyenv/versions/2.7.18/bin/python")):
        if not candidate:
            continue
        probe = [candidate, "-c", "import sys; assert sys.version_info[0] == 2"]
        if subprocess.run(probe, capture_output=True).returncode == 0:
            return candidate
    return None


PY2 = _python2()


@pytest.mark.skipif(PY2 is None, reason="no Python 2 interpreter to run the config like xm")
def test_python2_reads_the_same_bytes():
    nasty = 'Ünïcödé "q" \\ \n\r\t\x00\x1f\x7f\x85\u2028 €😀 \'s'
    domain = Domain(DomainType.XEN, nasty, 65536, os=Os(OsType.LINUX, kernel="/k",
                                                       cmdline=nasty + "x"))
    text = compile_domain(domain, XenContext(Diagnostics(), network_table()))
    with tempfile.NamedTemporaryFile("wb", suffix=".cfg", delete=False) as f:
        f.write(text.encode("utf-8"))
    try:
        script = ("import sys; g = {}; execfile(sys.argv[1], g); "
                  "sys.stdout.write(g['name'].encode('hex') + ' ' + g['extra'].encode('hex'))")
        out = subprocess.run([PY2, "-c", script, f.name], capture_output=True, text=True,
                             check=True).stdout
    finally:
        os.unlink(f.name)
    assert out.split() == [nasty.encode().hex(), (nasty + "x").encode().hex()]


# ---------------------------------------------------------------- laziness

def test_importing_the_backend_does_not_import_jinja2():
    code = ("import sys, virtc.backends.xen as x\n"
            "from virtc.compiler.ir import Domain, DomainType\n"
            "from virtc.compiler.diagnostics import Diagnostics\n"
            "assert 'jinja2' not in sys.modules, 'import'\n"
            "x.compile_domain(Domain(DomainType.KVM, 'k', 1024), x.XenContext(Diagnostics(), {}))\n"
            "assert 'jinja2' not in sys.modules, 'error path'\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_environment_is_built_once():
    compile_xm(pv())
    assert environment() is environment()
