"""Small IR domains and argv helpers shared by the QEMU backend tests."""
from __future__ import annotations

from virtc.backends.qemu import DEFAULT_VERSION, QemuContext, compile_domain, get_dialect
from virtc.compiler.diagnostics import Diagnostics
from virtc.compiler.ir import (Boot, BootDev, Devices, Disk, DiskBus, DiskDevice, DiskType,
                               Domain, DomainType, Graphics, GraphicsType, Interface, NetType,
                               Os, OsType)
from virtc.compiler.networks import network_table



def domain(**kw) -> Domain:
    devices = kw.pop("devices", Devices())
    base = dict(type=DomainType.QEMU, name="t", memory_kib=131072, devices=devices)
    base.update(kw)
    return Domain(**base)


def devs(**kw) -> Devices:
    return Devices(**kw)


def compile_(dom: Domain, version: str = DEFAULT_VERSION, networks=None):
    diags = Diagnostics()
    ctx = QemuContext(diags, get_dialect(version), network_table(networks or ()))
    return compile_domain(dom, ctx), diags


def codes(diags) -> list:
    return [d.code for d in diags]


def pairs(argv, flag):
    """Every value given to `flag`, in order."""
    return [argv[i + 1] for i, w in enumerate(argv[:-1]) if w == flag]


def spec_kvm() -> Domain:
    return Domain(
        DomainType.KVM, "demo2", 131072, 1, uuid="4dea24b3-1d52-d8f3-2516-782e98a23fa0",
        os=Os(OsType.HVM),
        devices=Devices(
            emulator="/home/user/usr/kvm-devel/bin/qemu-system-x86_64",
            disks=(Disk(DiskType.FILE, DiskDevice.DISK, "/home/user/fedora/diskboot.img",
                        "hda", DiskBus.IDE),),
            interfaces=(Interface(NetType.USER, mac="24:42:53:21:52:45"),),
            graphics=(Graphics(GraphicsType.VNC, port=-1, autoport=True),)))


def spec_qemu() -> Domain:
    return Domain(
        DomainType.QEMU, "QEmu-fedora-i686", 219200, 2,
        uuid="c7a5fdbd-cdaf-9455-926a-d65c16db1809", current_memory_kib=219200,
        os=Os(OsType.HVM, arch="i686", machine="pc", boot=(Boot(BootDev.CDROM),)),
        devices=Devices(
            emulator="/usr/bin/qemu",
            disks=(Disk(DiskType.FILE, DiskDevice.CDROM, "/home/user/boot.iso", "hdc",
                        DiskBus.IDE, readonly=True),
                   Disk(DiskType.FILE, DiskDevice.DISK, "/home/user/fedora.img", "hda",
                        DiskBus.IDE)),
            interfaces=(Interface(NetType.NETWORK, network="default"),),
            graphics=(Graphics(GraphicsType.VNC, port=-1, autoport=True),)))


SEVEN = {
    NetType.USER: Interface(NetType.USER, mac="52:54:00:00:00:01"),
    NetType.NETWORK: Interface(NetType.NETWORK, network="default"),
    NetType.BRIDGE: Interface(NetType.BRIDGE, bridge="br0"),
    NetType.ETHERNET: Interface(NetType.ETHERNET, target_dev="vnet7",
                                script="/etc/qemu-ifup-mynet"),
    NetType.MCAST: Interface(NetType.MCAST, address="230.0.0.1", port=5558),
    NetType.SERVER: Interface(NetType.SERVER, address="192.168.0.1", port=5558),
    NetType.CLIENT: Interface(NetType.CLIENT, address="192.168.0.1", port=5558),
}


def disk(dev, bus, path="/img/a.img", **kw):
    return Disk(kw.pop("type", DiskType.FILE), kw.pop("device", DiskDevice.DISK), path, dev,
                bus, **kw)


def compile_xml(text: str, file: str = "test.xml"):
    """Domain XML → argv through the whole pipeline (7.2 dialect), asserting it compiles."""
    from virtc.pipeline import compile_domain as compile_any, load_bytes

    loaded = load_bytes(text.encode(), file)
    assert loaded.ok, [d.message for d in loaded.diagnostics]
    diags = Diagnostics()
    argv = compile_any(loaded.node, "qemu", diags, qemu_version="7.2")
    assert argv is not None, [d.message for d in diags]
    return argv
