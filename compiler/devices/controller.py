"""<controller>: a bus that other devices plug into: PCI roots, ports and bridges, USB host
controllers, IDE/SATA/SCSI/FDC adapters, virtio-serial, CCID, xenbus.

    <controller type='pci' index='1' model='pcie-root-port'>
      <model name='pcie-root-port'/>
      <target chassis='1' port='0x10'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'
               multifunction='on'/>
    </controller>
    <controller type='usb' index='0' model='qemu-xhci' ports='15'/>
    <controller type='virtio-serial' index='0' ports='16' vectors='4'/>
    <controller type='usb' model='qusb2' ports='8'/>        (Xen's PV USB)
    <controller type='xenbus' maxGrantFrames='64'/>

Schema: schemas/domain/controller.xsd. Builder: backends/qemu/devices/controller.py.

Post-parse gives every controller its index the way libvirt's parser does (below); the
QEMU-specific defaults (implicit controllers, models, PCI addresses, a root port's chassis
and port) are compiler/postparse/qemu.py's, since they depend on the machine.
"""
from __future__ import annotations

from typing import ClassVar, Optional

from ..diagnostics import Span
from ..ir import NOWHERE
from .info import EMPTY, DeviceInfo
from .xmlmap import Attr, Child, Info, number, on_off
from ..node import Choice, Node, replace


class ControllerType(Choice):
    IDE = "ide"
    FDC = "fdc"
    SCSI = "scsi"
    SATA = "sata"
    USB = "usb"
    CCID = "ccid"
    VIRTIO_SERIAL = "virtio-serial"
    XENBUS = "xenbus"
    PCI = "pci"
    ISA = "isa"


class ControllerModel(Choice):
    """Every model= libvirt knows, whatever the type (the schema pairs them)."""

    # scsi
    AUTO = "auto"
    BUSLOGIC = "buslogic"
    LSILOGIC = "lsilogic"
    LSISAS1068 = "lsisas1068"
    VMPVSCSI = "vmpvscsi"
    IBMVSCSI = "ibmvscsi"
    VIRTIO_SCSI = "virtio-scsi"
    LSISAS1078 = "lsisas1078"
    NCR53C90 = "ncr53c90"
    DC390 = "dc390"
    AM53C974 = "am53c974"
    # scsi and virtio-serial
    VIRTIO = "virtio"
    VIRTIO_TRANSITIONAL = "virtio-transitional"
    VIRTIO_NON_TRANSITIONAL = "virtio-non-transitional"
    # usb
    PIIX3_UHCI = "piix3-uhci"
    PIIX4_UHCI = "piix4-uhci"
    EHCI = "ehci"
    ICH9_EHCI1 = "ich9-ehci1"
    ICH9_UHCI1 = "ich9-uhci1"
    ICH9_UHCI2 = "ich9-uhci2"
    ICH9_UHCI3 = "ich9-uhci3"
    VT82C686B_UHCI = "vt82c686b-uhci"
    PCI_OHCI = "pci-ohci"
    NEC_XHCI = "nec-xhci"
    QUSB1 = "qusb1"
    QUSB2 = "qusb2"
    QEMU_XHCI = "qemu-xhci"
    NONE = "none"
    # ide
    PIIX3 = "piix3"
    PIIX4 = "piix4"
    ICH6 = "ich6"
    # pci
    PCI_ROOT = "pci-root"
    PCIE_ROOT = "pcie-root"
    PCI_BRIDGE = "pci-bridge"
    DMI_TO_PCI_BRIDGE = "dmi-to-pci-bridge"
    PCIE_TO_PCI_BRIDGE = "pcie-to-pci-bridge"
    PCIE_ROOT_PORT = "pcie-root-port"
    PCIE_SWITCH_UPSTREAM_PORT = "pcie-switch-upstream-port"
    PCIE_SWITCH_DOWNSTREAM_PORT = "pcie-switch-downstream-port"
    PCI_EXPANDER_BUS = "pci-expander-bus"
    PCIE_EXPANDER_BUS = "pcie-expander-bus"


# The USB2 set: an EHCI controller and its UHCI companions share one index (and one slot).
USB2_MODELS = frozenset({ControllerModel.ICH9_EHCI1, ControllerModel.ICH9_UHCI1,
                         ControllerModel.ICH9_UHCI2, ControllerModel.ICH9_UHCI3})


class PciModelName(Choice):
    """<model name>: the QEMU device that implements a PCI controller model."""

    SPAPR_PCI_HOST_BRIDGE = "spapr-pci-host-bridge"
    PCI_BRIDGE = "pci-bridge"
    I82801B11_BRIDGE = "i82801b11-bridge"
    PCIE_PCI_BRIDGE = "pcie-pci-bridge"
    IOH3420 = "ioh3420"
    PCIE_ROOT_PORT = "pcie-root-port"
    X3130_UPSTREAM = "x3130-upstream"
    XIO3130_DOWNSTREAM = "xio3130-downstream"
    PXB = "pxb"
    PXB_PCIE = "pxb-pcie"


class ControllerModelName(Node):
    TAG: ClassVar[str] = "model"
    XML: ClassVar[tuple] = (Attr("name", "name", PciModelName),)
    name: PciModelName = PciModelName.PCI_BRIDGE
    span: Span = NOWHERE


class ControllerTarget(Node):
    """<target chassisNr chassis port busNr index hotplug> of a PCI controller; the
    numbers are libvirt's uint8 (decimal or 0x…)."""

    TAG: ClassVar[str] = "target"
    XML: ClassVar[tuple] = (
        Attr("chassisNr", "chassis_nr", number),
        Attr("chassis", "chassis", number),
        Attr("port", "port", number),
        Attr("busNr", "bus_nr", number),
        Attr("index", "index", number),
        Attr("hotplug", "hotplug", on_off),
    )
    chassis_nr: Optional[int] = None
    chassis: Optional[int] = None
    port: Optional[int] = None
    bus_nr: Optional[int] = None
    index: Optional[int] = None
    hotplug: Optional[bool] = None
    span: Span = NOWHERE


class ControllerMaster(Node):
    """<master startport>: a USB companion controller's first port on its EHCI master."""

    TAG: ClassVar[str] = "master"
    XML: ClassVar[tuple] = (Attr("startport", "startport"),)
    startport: str = "0"
    span: Span = NOWHERE


class ControllerDriver(Node):
    """<driver>: queues and tuning of SCSI/virtio-serial controllers, virtio options."""

    TAG: ClassVar[str] = "driver"
    XML: ClassVar[tuple] = (
        Attr("queues", "queues", int),
        Attr("cmd_per_lun", "cmd_per_lun", int),
        Attr("max_sectors", "max_sectors", int),
        Attr("ioeventfd", "ioeventfd", on_off),
        Attr("iothread", "iothread", int),
        Attr("iommu", "iommu", on_off),
        Attr("ats", "ats", on_off),
        Attr("packed", "packed", on_off),
        Attr("page_per_vq", "page_per_vq", on_off),
    )
    queues: Optional[int] = None
    cmd_per_lun: Optional[int] = None
    max_sectors: Optional[int] = None
    ioeventfd: Optional[bool] = None
    iothread: Optional[int] = None
    iommu: Optional[bool] = None
    ats: Optional[bool] = None
    packed: Optional[bool] = None
    page_per_vq: Optional[bool] = None
    span: Span = NOWHERE


class Controller(Node):
    """One <controller>. `index` is None until post-parse numbers it; `model` None means
    the hypervisor's default for the type (post-parse names it where libvirt does)."""

    TAG: ClassVar[str] = "controller"
    XML: ClassVar[tuple] = (
        Attr("type", "type", ControllerType),
        Attr("index", "index", int),
        Attr("model", "model", ControllerModel),
        Attr("ports", "ports", int),
        Attr("vectors", "vectors", int),
        Attr("maxGrantFrames", "max_grant_frames", int),
        Attr("maxEventChannels", "max_event_channels", int),
        Child("model_name", ControllerModelName),
        Child("target", ControllerTarget),
        Child("master", ControllerMaster),
        Child("driver", ControllerDriver),
        Info(),
    )
    type: ControllerType = ControllerType.PCI
    index: Optional[int] = None
    model: Optional[ControllerModel] = None
    ports: Optional[int] = None
    vectors: Optional[int] = None
    max_grant_frames: Optional[int] = None
    max_event_channels: Optional[int] = None
    model_name: Optional[ControllerModelName] = None
    target: Optional[ControllerTarget] = None
    master: Optional[ControllerMaster] = None
    driver: Optional[ControllerDriver] = None
    info: DeviceInfo = EMPTY
    span: Span = NOWHERE
    # True for a controller that post-parse added (libvirt's implicit controllers): it
    # was not written, so nothing points at a line of the document.
    implicit: bool = False

    @property
    def is_usb2(self) -> bool:
        return self.type is ControllerType.USB and self.model in USB2_MODELS


NODE = Controller

# This family's place in libvirt's order of USB ports (compiler/postparse/qemu.py, 5).
USB_ORDER = 30


def wants_usb_port(node: Controller) -> bool:
    """A CCID controller (a smartcard's usb-ccid reader) takes a USB port."""
    return node.type is ControllerType.CCID


def postparse(node: Controller, index: int, domain) -> Controller:
    """The index, when not written: the lowest one no controller of the same type uses,
    with the controllers before this one numbered first; a USB2 companion (ich9-uhci*)
    written right after another USB2 controller shares its index, so that an EHCI
    controller and its companions form one set (libvirt's virDomainAssignControllerIndexes).
    """
    if node.index is not None:
        return node
    return replace(node, index=assigned_indexes(domain.devices.of(Controller))[index])


def assigned_indexes(controllers) -> list:
    """The index of each controller in `controllers` (document order), as libvirt numbers
    the ones without index=."""
    used = {}
    for c in controllers:
        if c.index is not None:
            used.setdefault(c.type, set()).add(c.index)
    out = []
    previous = None
    for c in controllers:
        if c.index is not None:
            out.append(c.index)
        elif c.is_usb2 and previous is not None and previous.is_usb2:
            out.append(out[-1])
        else:
            taken = used.setdefault(c.type, set())
            found = next(i for i in range(len(controllers) + len(taken) + 1) if i not in taken)
            taken.add(found)
            out.append(found)
        previous = c
    return out
