"""<hostdev> on Xen (compiler/devices/hostdev.py): the pci list (xm and xl) and xl's usbdev
list, and reading them back.

Follows libvirt's xenFormatPCI / xenParsePCI (src/libxl/xen_common.c) and xenFormatXLUSB /
xenParseXLUSB (src/libxl/xen_xl.c):

- a PCI device is "DDDD:BB:SS.F" in hex, with ",permissive=1" for
  <source writeFiltering='no'> and ",permissive=0" for 'yes'; reading back, the domain may
  be left out, and any other option (msitranslate, seize, power_mgmt, rdm_policy, …) has no
  domain XML equivalent: a warning on its line (XEN428), as is a guest slot "@VSLOT";
- a USB device is "hostbus=B,hostaddr=D" in hex (libvirt reads both back in hex); a device
  named only by vendor and product, or one for xm, which has no usbdev key: XEN440.

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
from ....compiler.rules.codes import XEN427, XEN428, XEN440, XEN441
from ..common import Builder, Config
from ..import_values import ConfigReader, entry_fields

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
        entries.append(f"hostbus={address.bus:x},hostaddr={address.device:x}")
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
            if key in ("hostbus", "hostaddr") and value is not None:
                fields[key] = value.strip()
            elif key == "type" and value == "hostdev":
                continue
            else:
                r.report(XEN428, f"usbdev field {key!r} has no domain XML equivalent; "
                         "ignored", span)
        try:
            bus, device = int(fields["hostbus"], 16), int(fields["hostaddr"], 16)
        except (KeyError, ValueError):
            r.report(XEN427, f"usbdev entry {entry!r} needs hostbus and hostaddr numbers",
                     span, hint='write "hostbus=1,hostaddr=3"')
            continue
        out.append(UsbHostdev(managed=False, source=UsbSource(
            address=UsbHostAddress(bus=bus, device=device, span=span), span=span), span=span))
    return out


def hostdevs(r: ConfigReader, xl: bool) -> List:
    return [*pci(r), *usbdevs(r, xl)]
