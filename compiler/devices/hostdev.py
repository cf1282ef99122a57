"""<hostdev>: a host PCI or USB device passed through to the guest.

    <hostdev mode='subsystem' type='pci' managed='no'>
      <driver name='xen'/>
      <source writeFiltering='no'>
        <address domain='0x0000' bus='0x02' slot='0x00' function='0x0'/>
      </source>
    </hostdev>
    <hostdev mode='subsystem' type='usb'>
      <source>
        <vendor id='0x0781'/>
        <product id='0x5567'/>
        <address bus='1' device='3'/>
      </source>
    </hostdev>

Schema: schemas/domain/hostdev.xsd. Builders: backends/xen/devices/hostdev.py (xm/xl's pci
list, xl's usbdev list, and reading them back), backends/qemu/devices/hostdev.py (vfio-pci).

Read: mode='subsystem' with type='pci' or 'usb' (any other mode or type leaves the whole
element unread, so it is reported), managed=, <driver name>, <source writeFiltering> and
its host <address> (PCI: domain, bus, slot, function; USB: bus, device) or USB <vendor>
and <product> ids. Numbers are read as libvirt reads them (0x… hex, else decimal) and
written back as libvirt writes them (PCI numbers in hex, USB bus and device in decimal,
ids as 0x%04x), and a PCI device's <rom bar file enabled>. Anything else (<readonly>,
<shareable>, …) stays unread and is reported.
"""
from __future__ import annotations

from typing import ClassVar, Optional

from ..diagnostics import Severity, Span
from ..ir import NOWHERE
from ..rules.codes import Code
from .info import EMPTY, DeviceInfo, PciAddress
from .xmlmap import Attr, Child, Conv, Info, on_off, yes_no
from ..node import Choice, Node


class HostdevMode(Choice):
    SUBSYSTEM = "subsystem"


class HostdevType(Choice):
    PCI = "pci"
    USB = "usb"


class HostdevDriverName(Choice):
    KVM = "kvm"
    VFIO = "vfio"
    XEN = "xen"


def _read_number(text: str) -> int:
    from ..cardinality import c_number     # libvirt's strtoul, base 0

    value = c_number(text)
    if value is None:
        raise ValueError(text)
    return value


def _hex(width: int) -> Conv:
    return Conv(_read_number, lambda value: f"0x{value:0{width}x}")


decimal = Conv(_read_number, str)
pci_domain, pci_byte, pci_function = _hex(4), _hex(2), _hex(1)
usb_id = _hex(4)


class HostAddress(Node):
    """The host <address> under <source>: PCI domain/bus/slot/function, or USB bus/device."""

    TAG: ClassVar[str] = "address"
    XML: ClassVar[tuple] = (
        Attr("domain", "domain", pci_domain),
        Attr("bus", "bus", decimal),
        Attr("slot", "slot", pci_byte),
        Attr("function", "function", pci_function),
        Attr("device", "device", decimal),
    )
    domain: Optional[int] = None
    bus: Optional[int] = None
    slot: Optional[int] = None
    function: Optional[int] = None
    device: Optional[int] = None        # USB
    span: Span = NOWHERE


class PciHostAddress(HostAddress, Node):
    """A PCI host address: the bus is written in hex, as libvirt writes it."""

    XML: ClassVar[tuple] = (
        Attr("domain", "domain", pci_domain),
        Attr("bus", "bus", pci_byte),
        Attr("slot", "slot", pci_byte),
        Attr("function", "function", pci_function),
    )

    def pci(self) -> PciAddress:
        return PciAddress(self.domain or 0, self.bus or 0, self.slot or 0, self.function or 0)


class UsbHostAddress(HostAddress, Node):
    XML: ClassVar[tuple] = (
        Attr("bus", "bus", decimal),
        Attr("device", "device", decimal),
    )


class UsbId(Node):
    """<vendor id> or <product id>."""

    XML: ClassVar[tuple] = (Attr("id", "id", usb_id),)
    id: Optional[int] = None
    span: Span = NOWHERE


class Vendor(UsbId, Node):
    TAG: ClassVar[str] = "vendor"


class Product(UsbId, Node):
    TAG: ClassVar[str] = "product"


class PciSource(Node):
    TAG: ClassVar[str] = "source"
    XML: ClassVar[tuple] = (
        Attr("writeFiltering", "write_filtering", yes_no),
        Child("address", PciHostAddress),
    )
    write_filtering: Optional[bool] = None   # no = Xen's permissive=1
    address: Optional[PciHostAddress] = None
    span: Span = NOWHERE


class UsbSource(Node):
    TAG: ClassVar[str] = "source"
    XML: ClassVar[tuple] = (
        Child("vendor", Vendor),
        Child("product", Product),
        Child("address", UsbHostAddress),
    )
    vendor: Optional[Vendor] = None
    product: Optional[Product] = None
    address: Optional[UsbHostAddress] = None
    span: Span = NOWHERE


class HostdevRom(Node):
    """<rom bar file enabled>: the device's option ROM as the guest sees it."""

    TAG: ClassVar[str] = "rom"
    XML: ClassVar[tuple] = (Attr("bar", "bar", on_off), Attr("file", "file"),
                            Attr("enabled", "enabled", yes_no))
    bar: Optional[bool] = None           # the ROM visible in the device's BAR
    file: Optional[str] = None           # a ROM image instead of the device's own
    enabled: Optional[bool] = None       # no: no ROM at all
    span: Span = NOWHERE


class HostdevDriver(Node):
    TAG: ClassVar[str] = "driver"
    XML: ClassVar[tuple] = (Attr("name", "name", HostdevDriverName),)
    name: Optional[HostdevDriverName] = None
    span: Span = NOWHERE


_HEAD = (
    Attr("mode", "mode", HostdevMode),
    Attr("type", "type", HostdevType),
    Attr("managed", "managed", yes_no),
    Child("driver", HostdevDriver),
)


class Hostdev(Node):
    """One <hostdev mode='subsystem'>: PciHostdev or UsbHostdev."""

    TAG: ClassVar[str] = "hostdev"
    XML: ClassVar[tuple] = ()
    mode: HostdevMode = HostdevMode.SUBSYSTEM
    type: HostdevType = HostdevType.PCI
    managed: Optional[bool] = None
    driver: Optional[HostdevDriver] = None
    info: DeviceInfo = EMPTY
    span: Span = NOWHERE


class PciHostdev(Hostdev, Node):
    XML: ClassVar[tuple] = (*_HEAD, Child("source", PciSource), Child("rom", HostdevRom), Info())
    source: Optional[PciSource] = None
    rom: Optional[HostdevRom] = None

    @property
    def host(self) -> Optional[PciAddress]:
        address = self.source.address if self.source is not None else None
        return address.pci() if address is not None else None


class UsbHostdev(Hostdev, Node):
    XML: ClassVar[tuple] = (*_HEAD, Child("source", UsbSource), Info())
    type: HostdevType = HostdevType.USB
    source: Optional[UsbSource] = None


NODE = Hostdev

QEMU386 = Code("QEMU386", Severity.WARNING)    # reported by backends/qemu/devices/hostdev.py


def rules():
    from ..rules import Rule

    return (
        Rule(QEMU386, "hostdev-managed-vfio",
             "A <hostdev type='pci' managed='yes'> compiled for plain QEMU.",
             "managed='yes' asks libvirt to unbind the device from its host driver and bind "
             "it to vfio-pci before the guest starts, and to give it back afterwards; plain "
             "QEMU does neither, and fails to open /dev/vfio/GROUP when the device is still "
             "bound to its host driver.",
             "<hostdev mode='subsystem' type='pci' managed='yes'>…</hostdev>",
             "bind the device yourself (driverctl set-override 0000:06:12.5 vfio-pci, or "
             "write the address to /sys/bus/pci/drivers/vfio-pci/bind) and write managed='no'"),
    )
CLASSES = {HostdevType.PCI: PciHostdev, HostdevType.USB: UsbHostdev}


def lower(r, el, index: int) -> Hostdev:
    from .xmlmap import lower as lower_node

    mode = r.enum(el, "mode", HostdevMode, HostdevMode.SUBSYSTEM)
    htype = r.enum(el, "type", HostdevType)
    if htype is None:
        from ..reader import NotLowered

        raise NotLowered(el, "type", None)
    return lower_node(CLASSES[htype], r, el, mode=mode, type=htype)
