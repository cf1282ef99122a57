"""DeviceInfo: what every device carries besides its own settings (libvirt's
virDomainDeviceInfo): its alias, its address on a bus, its boot order and its ACPI index.

    <alias name='ua-disk0'/>
    <address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/>
    <boot order='1'/>
    <acpi index='3'/>

An address keeps every attribute as written, whatever its type (pci, drive, usb,
virtio-serial, ccid, isa, …), and answers typed questions: `pci()` gives the four numbers of
a PCI address. Each backend decides which addresses it can honour; an address it can't is a
compile finding, never silently dropped.
"""
from __future__ import annotations

from typing import ClassVar, NamedTuple, Optional, Tuple

from ..diagnostics import Span
from ..ir import NOWHERE, Written, span_of
from ..reader import Reader
from ..node import Node, NotCompared


class PciAddress(NamedTuple):
    domain: int
    bus: int
    slot: int
    function: int
    multifunction: bool = False

    def __str__(self) -> str:
        return f"{self.domain:04x}:{self.bus:02x}:{self.slot:02x}.{self.function:x}"


class Address(Node):
    """An <address> of any type, its attributes in document order."""

    type: str
    attrs: Tuple[Tuple[str, str], ...] = ()
    span: Span = NOWHERE

    def get(self, name: str) -> Optional[str]:
        return next((v for k, v in self.attrs if k == name), None)

    def pci(self) -> Optional[PciAddress]:
        """The PCI address (missing numbers are 0, as libvirt reads them), or None."""
        if self.type != "pci":
            return None

        from ..cardinality import c_number     # libvirt's reading of 0x…, 0… and decimal

        def num(name: str) -> int:
            text = self.get(name)
            return (c_number(text) or 0) if text is not None else 0

        return PciAddress(num("domain"), num("bus"), num("slot"), num("function"),
                          self.get("multifunction") == "on")


class DeviceInfo(Node):
    """Alias, address, boot order (and its s390 loadparm) and ACPI index of one device;
    each None when not given."""

    alias: Optional[str] = None
    address: Optional[Address] = None
    boot_order: Optional[int] = None
    acpi_index: Optional[int] = None
    loadparm: Optional[str] = None      # <boot loadparm>: the s390 boot selector
    # The boot index a backend gives the device: <boot order> as written, or what post-parse
    # derives from <os><boot dev> (libvirt's effectiveBootIndex; never written back).
    effective_boot: Optional[int] = None
    span: Span = NOWHERE            # the <address> (else the device) for diagnostics
    # Where each part was written, so that a backend that can't honour a part points at
    # its own line (span_of).
    at: Tuple[Written, ...] = NotCompared(())
    TAGS: ClassVar[Tuple[str, ...]] = ("alias", "address", "boot", "acpi")

    def span_of(self, tag: str) -> Span:
        """The span of part `tag` (alias, address, boot, acpi), else the info's own."""
        return span_of(self, tag)

    def parts(self) -> Tuple[Tuple[str, Span], ...]:
        """(tag, span) of each part the device has, in TAGS order, for a backend to report
        what it can't honour. An alias or an address counts only when the document wrote
        it: one that post-parse gave (balloon0; the slot libvirt would pick) is virtc's own
        default, nothing to honour."""
        written = {w.tag for w in self.at}
        boot = self.boot_order if self.boot_order is not None else self.loadparm
        values = (self.alias if "alias" in written else None,
                  self.address if "address" in written else None, boot, self.acpi_index)
        return tuple((tag, self.span_of(tag)) for tag, value in zip(self.TAGS, values)
                     if value is not None)


EMPTY = DeviceInfo()


def lower_info(r: Reader, el) -> DeviceInfo:
    alias = r.child(el, "alias")
    address = r.child(el, "address")
    boot = r.child(el, "boot")
    acpi = r.child(el, "acpi")
    addr = None
    if address is not None:
        attrs = tuple((name, r.attr(address, name)) for name in address.attrib if name != "type")
        addr = Address(r.token(address, "type"), attrs, r.span(address))
    order = r.attr(boot, "order") if boot is not None else None
    loadparm = r.attr(boot, "loadparm") if boot is not None else None
    index = r.attr(acpi, "index") if acpi is not None else None
    if alias is None and addr is None and order is None and index is None and loadparm is None:
        return EMPTY
    return DeviceInfo(
        at=tuple(Written(tag, r.span(found)) for tag, found in
                 (("alias", alias), ("address", address), ("boot", boot), ("acpi", acpi))
                 if found is not None),
        alias=r.attr(alias, "name") if alias is not None else None,
        address=addr,
        boot_order=int(order) if order is not None else None,
        acpi_index=int(index) if index is not None else None,
        loadparm=loadparm,
        span=addr.span if addr is not None else r.span(el),
    )


def write_info(info: DeviceInfo, el) -> None:
    from lxml import etree

    if info.alias is not None:
        etree.SubElement(el, "alias", name=info.alias)
    if info.address is not None:
        address = etree.SubElement(el, "address", type=info.address.type)
        for name, value in info.address.attrs:
            address.set(name, value)
    if info.boot_order is not None or info.loadparm is not None:
        boot = etree.SubElement(el, "boot")
        if info.boot_order is not None:
            boot.set("order", str(info.boot_order))
        if info.loadparm is not None:
            boot.set("loadparm", info.loadparm)
    if info.acpi_index is not None:
        etree.SubElement(el, "acpi", index=str(info.acpi_index))
