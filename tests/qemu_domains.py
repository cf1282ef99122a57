"""Small IR domains and argv helpers shared by the QEMU backend tests."""
from __future__ import annotations


from virtc.backends.qemu import DEFAULT_VERSION, QemuContext, compile_domain, get_dialect
from virtc.compiler.diagnostics import Diagnostics
from virtc.compiler.devices.chardev import CLASSES, CharDevice, CharKind
from virtc.compiler.devices.disk import (Disk, DiskBus, DiskDevice, DiskDriver, DiskSource,
                                         DiskTarget, DiskType, Readonly)
from virtc.compiler.devices.interface import (Interface, InterfaceIp, InterfaceModel,
                                              InterfaceScript, InterfaceSource,
                                              InterfaceTarget, MacAddress)
from virtc.compiler.devices.graphics import Graphics, GraphicsType
from virtc.compiler.ir import (NOWHERE, Boot, BootDev, Devices, Domain, DomainType, NetType, Os,
                               OsType)
from virtc.compiler.networks import network_table
from virtc.compiler.node import fields, replace



def domain(**kw) -> Domain:
    devices = kw.pop("devices", Devices())
    base = dict(type=DomainType.QEMU, name="t", memory_kib=131072, devices=devices)
    base.update(kw)
    return Domain(**base)


def devs(**kw) -> Devices:
    """Devices; `disks=` (and the other families by name) go into `families`."""
    families = tuple(node for name in ("disks", "interfaces", "graphics", "inputs",
                                       "serials", "parallels", "consoles", "families")
                     for node in kw.pop(name, ()))
    return Devices(families=families, **kw)


def ir_disk(path, dev, bus, *, type=DiskType.FILE, device=DiskDevice.DISK, readonly=False,
            driver_name=None, driver_type=None, span=NOWHERE) -> Disk:
    """A <disk> as lowering builds it: <source file|dev> by type, <target>, <driver> and
    <readonly/> as sub-nodes (without spans of their own)."""
    source = None
    if path is not None:
        source = DiskSource(**{"file" if type is DiskType.FILE else "dev": path})
    driver = None
    if driver_name is not None or driver_type is not None:
        driver = DiskDriver(driver_name, driver_type)
    return Disk(type, device, driver=driver, source=source, target=DiskTarget(dev, bus),
                readonly=Readonly() if readonly else None, span=span)


def ir_interface(type: NetType, *, bridge=None, network=None, address=None, port=None,
                 mac=None, ip=None, script=None, target_dev=None, model=None,
                 span=NOWHERE) -> Interface:
    """An <interface> as lowering builds it, each value in its sub-node (without spans of
    their own)."""
    source = None
    if (bridge, network, address, port) != (None, None, None, None):
        source = InterfaceSource(bridge, network, address, port)
    return Interface(type, source=source,
                     mac=MacAddress(mac) if mac is not None else None,
                     ips=(InterfaceIp(ip),) if ip is not None else (),
                     script=InterfaceScript(script) if script is not None else None,
                     target=InterfaceTarget(target_dev) if target_dev is not None else None,
                     model=InterfaceModel(model) if model is not None else None, span=span)


def as_kind(dev: CharDevice, kind: CharKind) -> CharDevice:
    """The same character device as another element (a <serial> as a <parallel>)."""
    return CLASSES[kind](**{f: getattr(dev, f) for f in fields(dev) if f != "tty"})


def with_char_path(dev: CharDevice, path: str) -> CharDevice:
    """`dev` with its source path replaced (a path-type device with one <source>)."""
    return replace(dev, sources=tuple(replace(s, path=path)
                                                  for s in dev.sources))


def with_path(disk: Disk, path: str) -> Disk:
    """`disk` backed by `path` instead."""
    return replace(disk, source=replace(disk.source, file=path, dev=None)
                               if disk.type is DiskType.FILE else
                               replace(disk.source, dev=path))


def map_disks(devices: Devices, change, cls=Disk) -> Devices:
    """`devices` with each disk (or node of `cls`) replaced by change(node), in place among
    the families."""
    return replace(devices, families=tuple(
        change(node) if isinstance(node, cls) else node for node in devices.families))


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
        devices=devs(
            emulator="/home/user/usr/kvm-devel/bin/qemu-system-x86_64",
            disks=(ir_disk("/home/user/fedora/diskboot.img", "hda", DiskBus.IDE),),
            interfaces=(ir_interface(NetType.USER, mac="24:42:53:21:52:45"),),
            graphics=(Graphics(GraphicsType.VNC, port=-1, autoport=True),)))


def spec_qemu() -> Domain:
    return Domain(
        DomainType.QEMU, "QEmu-fedora-i686", 219200, 2,
        uuid="c7a5fdbd-cdaf-9455-926a-d65c16db1809", current_memory_kib=219200,
        os=Os(OsType.HVM, arch="i686", machine="pc", boot=(Boot(BootDev.CDROM),)),
        devices=devs(
            emulator="/usr/bin/qemu",
            disks=(ir_disk("/home/user/boot.iso", "hdc", DiskBus.IDE,
                           device=DiskDevice.CDROM, readonly=True),
                   ir_disk("/home/user/fedora.img", "hda", DiskBus.IDE)),
            interfaces=(ir_interface(NetType.NETWORK, network="default"),),
            graphics=(Graphics(GraphicsType.VNC, port=-1, autoport=True),)))


SEVEN = {
    NetType.USER: ir_interface(NetType.USER, mac="52:54:00:00:00:01"),
    NetType.NETWORK: ir_interface(NetType.NETWORK, network="default"),
    NetType.BRIDGE: ir_interface(NetType.BRIDGE, bridge="br0"),
    NetType.ETHERNET: ir_interface(NetType.ETHERNET, target_dev="vnet7",
                                script="/etc/qemu-ifup-mynet"),
    NetType.MCAST: ir_interface(NetType.MCAST, address="230.0.0.1", port=5558),
    NetType.SERVER: ir_interface(NetType.SERVER, address="192.168.0.1", port=5558),
    NetType.CLIENT: ir_interface(NetType.CLIENT, address="192.168.0.1", port=5558),
}


def disk(dev, bus, path="/img/a.img", **kw) -> Disk:
    return ir_disk(path, dev, bus, **kw)


def compile_xml(text: str, file: str = "test.xml"):
    """Domain XML → argv through the whole pipeline (7.2 dialect), asserting it compiles."""
    from virtc.pipeline import compile_domain as compile_any, load_bytes

    loaded = load_bytes(text.encode(), file)
    assert loaded.ok, [d.message for d in loaded.diagnostics]
    diags = Diagnostics()
    argv = compile_any(loaded.node, "qemu", diags, qemu_version="7.2")
    assert argv is not None, [d.message for d in diags]
    return argv
