"""<hostdev> on Xen (compiler/devices/hostdev.py): the pci list (xm and xl) and xl's usbdev
list, and reading them back.

Follows libvirt's xenFormatPCI / xenParsePCI (src/libxl/xen_common.c) and xenFormatXLUSB /
xenParseXLUSB (src/libxl/xen_xl.c):

- a PCI device is "DDDD:BB:SS.F" in hex, with ",permissive=1" for
  <source writeFiltering='no'> and ",permissive=0" for 'yes'; reading back, the domain may
  be left out, and any other option (msitranslate, seize, power_mgmt, rdm_policy, …) has no
  domain XML equivalent: a warning on its line (XEN428), as is a guest slot "@VSLOT";
- a USB device is "hostbus=B,hostaddr=D": xl reads both with strtoul(…, 0), libvirt writes
  and reads them in hex without a prefix (%x), so libvirt's "hostaddr=17" is device 23 to
  libvirt and 17 to xl. virtc writes numbers below 10 as they are (the same in every base)
  and larger ones as 0x… hex, which both read alike; reading back, a number is what xl
  reads (decimal, 0x… hex, 0… octal), and one xl can't read whole ("1a") is an error
  (XEN427). A device named only by vendor and product, or one for xm, which has no usbdev
  key: XEN440.

A USB device's <address type='usb' bus='B' port='P'> is xl's "controller=N,port=P": N is
the place of the USB controller with index B in the usbctrl list (xl numbers them in
order, from 0), P a port of it (1 to its ports=); reading back, controller=N is that
controller's index. A bus with no such controller, a hub port ("1.2") or a port beyond the
controller's is XEN503. libvirt's converter and driver drop the address (libxl then takes
the first free port), so a libvirt-written config has neither field.

libvirt writes every imported device managed='no': xl doesn't detach a device from its host
driver (`xl pci-assignable-add` does). A managed='yes' is host-side and only noted (XEN441);
a <driver name='kvm'|'vfio'> has no Xen meaning: XEN440. xm.py and xl.py place the keys in
their key order (build_pci, build_usbdev), so this module has no generic `build`.
"""
from __future__ import annotations

import re
from typing import Dict, List, Optional

from ....compiler.devices.hostdev import (HostdevDriverName, PciHostAddress, PciHostdev,
                                          PciSource, UsbHostAddress, UsbHostdev, UsbSource)
from ....compiler.diagnostics import Span
from ....compiler.devices.info import Address, DeviceInfo
from ....compiler.ir import Written
from ....compiler.rules.codes import XEN427, XEN428, XEN440, XEN441, XEN503
from ..common import Builder, Config
from ..import_values import ConfigReader, entry_fields
from ..parse_xl import strtol

# Which <driver name> Xen's pciback honours (libvirt's libxl driver sets xen).
DRIVER_ON_XEN: Dict[HostdevDriverName, bool] = {
    HostdevDriverName.XEN: True,
    HostdevDriverName.KVM: False,
    HostdevDriverName.VFIO: False,
}
ENUM_TABLES = ((HostdevDriverName, DRIVER_ON_XEN),)


def _common(b: Builder, dev) -> bool:
    """Report what no Xen key carries; False when the guest would differ."""
    ok = True
    driver = dev.driver.name if dev.driver is not None else None
    if driver is not None and not DRIVER_ON_XEN[driver]:
        b.report(XEN440, f"<driver name='{driver.value}'> is valid libvirt XML, but Xen passes "
                 "devices through with its own pciback driver", dev.driver.span,
                 hint="use <driver name='xen'/> or leave <driver> out")
        ok = False
    if dev.managed:
        b.report(XEN441, f"<hostdev type='{dev.type.value}' managed='yes'>: {b.target} does "
                 "not detach the device from its host driver; do it before starting the "
                 "guest", dev.span, hint="run `xl pci-assignable-add` (PCI) on the host, or "
                 "write managed='no'")
    return ok


def pci_entry(dev: PciHostdev) -> str:
    host = dev.host
    assert host is not None
    entry = f"{host.domain:04x}:{host.bus:02x}:{host.slot:02x}.{host.function:x}"
    filtering = dev.source.write_filtering if dev.source is not None else None
    if filtering is not None:
        entry += f",permissive={0 if filtering else 1}"
    return entry


def build_pci(b: Builder, config: Config) -> None:
    entries: List[str] = []
    for dev in b.domain.devices.of(PciHostdev):
        if not _common(b, dev):
            continue
        if dev.host is None:
            b.report(XEN440, "<hostdev type='pci'> names no host <address> in its <source>",
                     dev.span, hint="add <source><address domain='0x0000' bus='0x01' "
                     "slot='0x00' function='0x0'/></source>")
            continue
        if dev.rom is not None:     # read for QEMU (vfio-pci rombar/romfile); no Xen key
            b.report(XEN440, "<rom> of a PCI <hostdev> is valid libvirt XML, but Xen's pci "
                     "list has no ROM setting", dev.rom.span, hint="remove <rom>")
        entries.append(pci_entry(dev))
    if entries:
        config.set("pci", entries)


def xl_number(n: int) -> str:
    """`n` as xl's strtoul(…, 0) and libvirt's hex reading both take it."""
    return str(n) if n < 10 else f"0x{n:x}"


def info_carried(node, target: str) -> tuple:
    """The DeviceInfo parts xl's usbdev entry carries: a USB device's USB address."""
    address = node.info.address
    if (isinstance(node, UsbHostdev) and target == "xen-xl" and address is not None
            and address.type == "usb"):
        return ("address",)
    return ()


def _usb_place(b: Builder, dev: UsbHostdev) -> Optional[str]:
    """",controller=N,port=P" for the device's <address type='usb'>, "" without one; None
    after XEN503 when the usbctrl list has no such place."""
    address = dev.info.address
    if address is None or address.type != "usb" or "address" not in info_carried(dev, b.target):
        return ""
    from ....compiler.cardinality import c_number
    from .controller import usbctrl_places

    span = dev.info.span_of("address")
    bus_text, port_text = address.get("bus"), address.get("port")
    bus = c_number(bus_text) if bus_text is not None else None
    places = usbctrl_places(b)
    if bus is None or bus not in places:
        b.report(XEN503, f"<address type='usb' bus='{bus_text}'> names no Xen PV USB "
                 "controller: xl's usbdev controller= counts the guest's usbctrl entries",
                 span, hint=f"add <controller type='usb' index='{bus_text}' model='qusb2'/>, "
                 "or leave the <address> out (xl takes the first free port)")
        return None
    devid, ports = places[bus]
    entry = f",controller={devid}"
    if port_text is None:
        return entry
    port = c_number(port_text)
    if port is None or not 1 <= port <= ports:
        b.report(XEN503, f"<address type='usb' port='{port_text}'>: xl's usbdev port= is one "
                 f"of the controller's {ports} ports (1 to {ports}), with no hub in between",
                 span, hint="write a port of the controller, or leave port= out")
        return None
    return entry + f",port={port}"


def build_usbdev(b: Builder, config: Config) -> None:
    entries: List[str] = []
    for dev in b.domain.devices.of(UsbHostdev):
        if b.target != "xen-xl":
            b.report(XEN440, "<hostdev type='usb'> is valid libvirt XML, but xm has no "
                     "usbdev key; the guest would lack it", dev.span,
                     hint="compile for --target xen-xl")
            continue
        if not _common(b, dev):
            continue
        address = dev.source.address if dev.source is not None else None
        if address is None or address.bus is None or address.device is None:
            b.report(XEN440, "<hostdev type='usb'> without <address bus device>: xl's usbdev "
                     "names a host device by bus and address only, not by vendor and "
                     "product", dev.span, hint="add <address bus='1' device='3'/> to "
                     "<source> (`lsusb` shows both)")
            continue
        place = _usb_place(b, dev)
        if place is None:
            continue
        entries.append(f"hostbus={xl_number(address.bus)},hostaddr={xl_number(address.device)}"
                       + place)
    if entries:
        config.set("usbdev", entries)


# ------------------------------------------------------------------ import

_BDF = re.compile(r"^(?:([0-9a-fA-F]{1,4}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})"
                  r"\.([0-7])(@[0-9a-fA-F]+)?$")


def pci(r: ConfigReader) -> List[PciHostdev]:
    out = []
    for _, entry, span in r.strings("pci"):
        bdf, *options = entry.split(",")
        m = _BDF.match(bdf.strip())
        if m is None:
            r.report(XEN427, f"pci entry {entry!r}: {bdf!r} is not a PCI address "
                     "[DDDD:]BB:SS.F", span, hint='write one device per entry, e.g. '
                     '"0000:01:00.0"')
            continue
        domain, bus, slot, function, vslot = m.groups()
        if vslot:
            r.report(XEN428, f"pci entry {entry!r}: the guest slot {vslot!r} has no domain "
                     "XML equivalent here; ignored", span)
        filtering: Optional[bool] = None
        for key, value in entry_fields(",".join(options)):
            if key == "permissive" and value is not None and value.strip().isdigit():
                filtering = int(value) == 0     # permissive=1: writes are not filtered
            else:
                r.report(XEN428, f"pci option {key!r} has no domain XML equivalent; ignored",
                         span)
        address = PciHostAddress(int(domain or "0", 16), int(bus, 16), int(slot, 16),
                                 int(function, 16), span=span)
        out.append(PciHostdev(managed=False, source=PciSource(filtering, address, span=span),
                              span=span))
    return out


def usbdevs(r: ConfigReader, xl: bool) -> List[UsbHostdev]:
    out = []
    for _, entry, span in (r.strings("usbdev") if xl else ()):
        fields = {}
        for key, value in entry_fields(entry):
            if key in ("hostbus", "hostaddr", "controller", "port") and value is not None:
                fields[key] = value.strip()
            elif key == "type" and value == "hostdev":
                continue
            else:
                r.report(XEN428, f"usbdev field {key!r} has no domain XML equivalent; "
                         "ignored", span)
        # xl reads both with strtoul(…, 0); libvirt writes them in hex without 0x, which xl
        # misreads from 10 on ("a" is 0 to xl): such an entry doesn't say one device.
        bus, device = (strtol(fields.get(k, "")) for k in ("hostbus", "hostaddr"))
        if bus is None or device is None or bus < 0 or device < 0:
            r.report(XEN427, f"usbdev entry {entry!r} needs hostbus and hostaddr numbers as "
                     "xl reads them (decimal, or 0x… hex)", span,
                     hint='write "hostbus=1,hostaddr=0x1a" (libvirt\'s hex "1a" is 1 to xl)')
            continue
        info = _usb_info(r, entry, fields, span)
        if info is None:
            continue
        out.append(UsbHostdev(managed=False, source=UsbSource(
            address=UsbHostAddress(bus=bus, device=device, span=span), span=span), info=info,
            span=span))
    return out


def _usb_info(r: ConfigReader, entry: str, fields: Dict[str, str], span: Span
              ) -> Optional[DeviceInfo]:
    """controller= and port= as the device's <address type='usb' bus port>: the usbctrl
    entries import as controllers with index 0, 1, … in order, which is xl's numbering."""
    if "controller" not in fields and "port" not in fields:
        return DeviceInfo()
    ctrl, port = (strtol(fields[k]) if k in fields else None for k in ("controller", "port"))
    if ctrl is None or ctrl < 0 or ("port" in fields and (port is None or port < 1)):
        r.report(XEN427, f"usbdev entry {entry!r}: controller= and port= are numbers, and "
                 "port= needs controller= (xl: \"USB controller must be specified if you "
                 "specify port\")", span, hint='write "hostbus=1,hostaddr=3,controller=0,port=1"')
        return None
    attrs = (("bus", str(ctrl)),) + ((("port", str(port)),) if port is not None else ())
    address = Address("usb", attrs, span)
    return DeviceInfo(address=address, span=span, at=(Written("address", span),))


def hostdevs(r: ConfigReader, xl: bool) -> List:
    return [*pci(r), *usbdevs(r, xl)]
