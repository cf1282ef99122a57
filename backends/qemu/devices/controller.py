"""<controller> → -device (compiler/devices/controller.py), as libvirt's argv has them.

    <controller type='pci' index='1' model='pcie-root-port'>          (chassis, port and
      <target chassis='1' port='0x10'/> <address … slot='0x02'/>        address from
    </controller>                                                       post-parse)
    -device pcie-root-port,port=16,chassis=1,id=pci.1,bus=pcie.0,multifunction=on,addr=0x2

Ids are libvirt's aliases: pci.N for PCI controllers, usb (index 0) or usbN, scsiN, sataN,
virtio-serialN; a USB2 companion has no id and names its EHCI master (masterbus=usb.0,
firstport=its <master startport>). Built-in controllers have no option: the PCI root,
pc's first IDE controller (the PIIX3's), q35's first SATA controller (the ICH9's), a USB
controller of model none. pc's USB controller that post-parse adds (piix3-uhci) is a
-device of its own, as libvirt writes it: QEMU's -usb would name its bus usb-bus.0, not usb.0.
"""
from __future__ import annotations

from typing import List, Optional, Tuple

from ....compiler.devices.controller import Controller, ControllerModel, ControllerType, \
    PciModelName
from ....compiler.ir import Domain
from ....compiler.rules.codes import QEMU320
from ..context import QemuContext
from ..dialects import Cap
from ..opts import Option, Opts
from . import is_q35, not_compiled, placement, virtio_driver_props

PCI_DRIVER = {
    PciModelName.PCIE_ROOT_PORT: "pcie-root-port",
    PciModelName.IOH3420: "ioh3420",
    PciModelName.PCI_BRIDGE: "pci-bridge",
    PciModelName.I82801B11_BRIDGE: "i82801b11-bridge",
    PciModelName.PCIE_PCI_BRIDGE: "pcie-pci-bridge",
    PciModelName.X3130_UPSTREAM: "x3130-upstream",
    PciModelName.XIO3130_DOWNSTREAM: "xio3130-downstream",
}
# <model name> when post-parse gave none (a machine its rules don't cover): libvirt's
# default QEMU device for each model.
DEFAULT_NAME = {
    ControllerModel.PCIE_ROOT_PORT: PciModelName.PCIE_ROOT_PORT,
    ControllerModel.PCI_BRIDGE: PciModelName.PCI_BRIDGE,
    ControllerModel.DMI_TO_PCI_BRIDGE: PciModelName.I82801B11_BRIDGE,
    ControllerModel.PCIE_TO_PCI_BRIDGE: PciModelName.PCIE_PCI_BRIDGE,
    ControllerModel.PCIE_SWITCH_UPSTREAM_PORT: PciModelName.X3130_UPSTREAM,
    ControllerModel.PCIE_SWITCH_DOWNSTREAM_PORT: PciModelName.XIO3130_DOWNSTREAM,
}
USB_DRIVER = {
    ControllerModel.PIIX3_UHCI: "piix3-usb-uhci",
    ControllerModel.PIIX4_UHCI: "piix4-usb-uhci",
    ControllerModel.EHCI: "usb-ehci",
    ControllerModel.ICH9_EHCI1: "ich9-usb-ehci1",
    ControllerModel.ICH9_UHCI1: "ich9-usb-uhci1",
    ControllerModel.ICH9_UHCI2: "ich9-usb-uhci2",
    ControllerModel.ICH9_UHCI3: "ich9-usb-uhci3",
    ControllerModel.VT82C686B_UHCI: "vt82c686b-usb-uhci",
    ControllerModel.PCI_OHCI: "pci-ohci",
    ControllerModel.NEC_XHCI: "nec-usb-xhci",
    ControllerModel.QEMU_XHCI: "qemu-xhci",
}
SCSI_DRIVER = {
    ControllerModel.LSILOGIC: "lsi",
    ControllerModel.VIRTIO_SCSI: "virtio-scsi-pci",
    ControllerModel.VIRTIO_TRANSITIONAL: "virtio-scsi-pci-transitional",
    ControllerModel.VIRTIO_NON_TRANSITIONAL: "virtio-scsi-pci-non-transitional",
    ControllerModel.LSISAS1068: "mptsas1068",
    ControllerModel.LSISAS1078: "megasas",
    ControllerModel.DC390: "dc390",
    ControllerModel.AM53C974: "am53c974",
}
SERIAL_DRIVER = {
    None: "virtio-serial-pci",
    ControllerModel.VIRTIO: "virtio-serial-pci",
    ControllerModel.VIRTIO_TRANSITIONAL: "virtio-serial-pci-transitional",
    ControllerModel.VIRTIO_NON_TRANSITIONAL: "virtio-serial-pci-non-transitional",
}


def alias(node: Controller) -> str:
    """libvirt's alias of a controller (qemuAssignDeviceControllerAlias)."""
    if node.info.alias:
        return node.info.alias
    if node.type is ControllerType.PCI:
        return f"pci.{node.index}"
    if node.type is ControllerType.USB and node.index == 0:
        return "usb"
    return f"{node.type.value}{node.index}"


def builtin(node: Controller, domain: Domain, ctx: Optional[QemuContext] = None) -> bool:
    """True for a controller the machine itself has (no option builds it). pc's USB
    controller that post-parse added is QEMU's -usb only in a dialect without -device."""
    t, m = node.type, node.model
    if t is ControllerType.PCI and m in (ControllerModel.PCI_ROOT, ControllerModel.PCIE_ROOT):
        return True
    if t is ControllerType.USB and m is ControllerModel.NONE:
        return True
    if t is ControllerType.IDE and node.index == 0 and not is_q35(domain):
        return True
    if t is ControllerType.SATA and node.index == 0 and is_q35(domain):
        return True
    if t is ControllerType.FDC:
        return True                      # the ISA floppy controller of pc and q35
    return (node.implicit and t is ControllerType.USB and m is ControllerModel.PIIX3_UHCI
            and not is_q35(domain) and ctx is not None and not ctx.has(Cap.DEVICE))


def usb_builds_own(domain: Domain, ctx: Optional[QemuContext] = None) -> bool:
    """True when the domain's USB controllers are -device options of their own (or it has
    <controller type='usb' model='none'/>): then neither the machine's default USB nor
    -usb may add another."""
    usb = [c for c in domain.devices.of(Controller) if c.type is ControllerType.USB]
    return bool(usb) and not any(builtin(c, domain, ctx) and c.model is not ControllerModel.NONE
                                 for c in usb)


def build_all(controllers, domain: Domain, ctx: QemuContext) -> List[Option]:
    """Every controller, before the devices that sit on them (argv.py calls this ahead of
    the disks, NICs and inputs: QEMU needs a bus before a -device names it), PCI
    controllers first in index order so that a bridge precedes what plugs into it, as in
    libvirt's argv."""
    pci = sorted((c for c in controllers if c.type is ControllerType.PCI),
                 key=lambda c: c.index or 0)
    others = [c for c in controllers if c.type is not ControllerType.PCI]
    out: List[Option] = []
    for node in pci + others:
        out.extend(build(node, domain, ctx))
    return out


def build(node: Controller, domain: Domain, ctx: QemuContext) -> List[Option]:
    if node.type is ControllerType.CCID:       # the smartcard family's reader
        from .smartcard import build_ccid

        return build_ccid(node, domain, ctx)
    if builtin(node, domain, ctx):
        not_compiled(node, ctx, honoured=("alias", "address"))
        return []
    driver, props = _device(node, ctx)
    if driver is None:
        return []
    if not ctx.has(Cap.DEVICE):
        ctx.unsupported(node.span, f"<controller type='{node.type.value}'>",
                        "remove the controller or choose a newer --qemu-version")
        return []
    not_compiled(node, ctx, honoured=("alias", "address"))
    where = placement(node.info, domain, ctx, f"<controller type='{node.type.value}'>")
    if where is None:
        return []
    return [Option("-device", Opts.of(driver, *props, *where), node.span)]


def _device(node: Controller, ctx: QemuContext) -> Tuple[Optional[str], list]:
    t, m = node.type, node.model
    if t is ControllerType.PCI:
        name = node.model_name.name if node.model_name is not None else DEFAULT_NAME.get(m)
        driver = PCI_DRIVER.get(name)
        if driver is None:
            return _unbuilt(node, ctx, f"model='{m.value if m else ''}'")
        target = node.target
        props: list = []
        if name in (PciModelName.PCIE_ROOT_PORT, PciModelName.IOH3420,
                    PciModelName.XIO3130_DOWNSTREAM) and target is not None:
            props += [("port", target.port), ("chassis", target.chassis)]
        if name is PciModelName.PCI_BRIDGE and target is not None:
            props += [("chassis_nr", target.chassis_nr)]
        if target is not None and target.hotplug is False:
            props += [("hotplug", False)]
        return driver, props + [("id", alias(node))]
    if t is ControllerType.USB:
        driver = USB_DRIVER.get(m)
        if driver is None:
            return _unbuilt(node, ctx, f"model='{m.value if m else ''}'")
        if node.is_usb2 and m is not ControllerModel.ICH9_EHCI1:
            start = node.master.startport if node.master is not None else "0"
            master = "usb" if node.index == 0 else f"usb{node.index}"
            return driver, [("masterbus", f"{master}.0"), ("firstport", int(start, 0))]
        props = []
        if m in (ControllerModel.QEMU_XHCI, ControllerModel.NEC_XHCI) and node.ports:
            props += [("p2", node.ports), ("p3", node.ports)]
        return driver, props + [("id", alias(node))]
    if t is ControllerType.SCSI:
        driver = SCSI_DRIVER.get(m)
        if driver is None:
            return _unbuilt(node, ctx, f"model='{m.value if m else ''}'")
        props = [("id", alias(node))]
        if node.driver is not None:
            d = node.driver
            props += [("num_queues", d.queues), ("cmd_per_lun", d.cmd_per_lun),
                      ("max_sectors", d.max_sectors), ("ioeventfd", d.ioeventfd),
                      ("iothread", f"iothread{d.iothread}" if d.iothread is not None else None)]
            props += virtio_driver_props(d)
        return driver, props
    if t is ControllerType.SATA:
        return "ahci", [("id", alias(node))]
    if t is ControllerType.VIRTIO_SERIAL:
        props = [("id", alias(node)), ("max_ports", node.ports), ("vectors", node.vectors)]
        if node.driver is not None:
            props += [("ioeventfd", node.driver.ioeventfd)]
            props += virtio_driver_props(node.driver)
        return SERIAL_DRIVER.get(m, "virtio-serial-pci"), props
    return _unbuilt(node, ctx, f"type='{t.value}'")


def _unbuilt(node: Controller, ctx: QemuContext, what: str):
    ctx.diags.add(QEMU320, f"<controller type='{node.type.value}'> with {what} is valid"
                  " libvirt XML, but virtc does not build it for QEMU yet", node.span,
                  hint="use a controller model virtc builds (see docs/qemu-mapping.md),"
                  " or start this guest with libvirt")
    return None, []
