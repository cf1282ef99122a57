"""<controller> on Xen (compiler/devices/controller.py): xl's usbctrl list and the xenbus
limits, both ways.

Follows libvirt's xenFormatXLUSBController / xenParseXLUSBController and
xenFormatXLXenbusLimits / xenParseXLXenbusLimits (src/libxl/xen_xl.c), and its libxl
driver's libxlMakeUSBController (libxl_conf.c), which is what libvirt asks of libxl when it
starts the guest:

| XML | xm | xl |
|---|---|---|
| `<controller type='usb' model='qusb1' or 'qusb2' ports='N'>` | XEN500 | `usbctrl = [ "type=qusb,version=1 or 2,ports=N" ]` |
| `<controller type='usb'>` without a model | XEN500 | `"type=qusb,version=2,ports=N"` (libvirt's driver: PV USB 2.0) |
| `<controller type='xenbus' maxGrantFrames='N'>` | XEN500 | `max_grant_frames = N` |
| `<controller type='xenbus' maxEventChannels='N'>` | XEN500 | `max_event_channels = N` |

- ports= defaults to 8 (libvirt's driver and libxl); Xen's PV USB has 1 to 31 ports
  (USBIF_MAX_PORTNR). xl reads ports= and version= with atoi, so virtc writes them in
  decimal; libvirt's converter writes ports in hex (%x) and reads it back in hex, which
  agrees with xl only below 10.
- A model='none' USB controller asks for no USB: nothing is written.
- Reading back, an entry whose type= isn't qusb (xl's devicemodel or pv, the kernel's
  usbback) has no domain XML equivalent: a warning (XEN428), as libvirt skips it; one
  without type= is a qusb controller, version 2 unless it says 1, as libvirt reads it.
  The xenbus controller is added only when a limit is set (libvirt adds an empty one to
  every imported guest).

What a Xen guest has anyway needs no key and compiles silently: the xenbus controller
without limits, and on HVM guests qemu-dm's own IDE and floppy controllers (index 0, no
model) and the PCI root bus (libvirt writes `<controller type='ide' index='0'/>` into every
HVM guest's XML). Anything else is XEN501, on the controller's line: SCSI, SATA,
virtio-serial, CCID, ISA and PCI bridges or ports, a USB model other than Xen's PV USB
(libvirt's driver: "unsupported usb model"), a second xenbus, vectors=, <driver>,
<target>, <master> and <model name>. xm has none of xl's keys: XEN500.
xm.py and xl.py place the keys in their key order (build_xenbus, build_usbctrl), so this
module has no generic `build`.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from ....compiler.devices.controller import Controller, ControllerModel, ControllerType
from ....compiler.rules.codes import XEN427, XEN428, XEN500, XEN501
from ..common import Builder, Config
from ..import_values import ConfigReader, entry_fields

XL = "xen-xl"
# usbctrl version= of each Xen PV USB model; a USB controller without a model is libvirt's
# driver's QUSB2 (libxlMakeUSBController); 'none' writes nothing.
USBCTRL_VERSION: Dict[ControllerModel, int] = {
    ControllerModel.QUSB1: 1,
    ControllerModel.QUSB2: 2,
}
DEFAULT_USB_PORTS = 8           # libxl's and libvirt's default for a PV USB controller
MAX_USB_PORTS = 31              # USBIF_MAX_PORTNR: libxl refuses more
# Controllers a Xen HVM guest has without any key: qemu-dm's IDE and floppy controllers
# and its PCI root bus (index 0, no model).
HVM_BUILTIN = {ControllerType.IDE, ControllerType.FDC, ControllerType.PCI}


def _name(c: Controller) -> str:
    model = f" model='{c.model.value}'" if c.model is not None else ""
    return f"<controller type='{c.type.value}'{model}>"


def _no_key_on_xm(b: Builder, c: Controller, keys: str) -> None:
    b.report(XEN500, f"{_name(c)} is valid libvirt XML, but xm has no {keys} key (xend "
             "predates them); the guest would lack it", c.span,
             hint="compile for --target xen-xl, or remove the controller")


def _not_on_xen(b: Builder, c: Controller, why: str, hint: str) -> None:
    b.report(XEN501, f"{_name(c)} is valid libvirt XML, but {why}; the guest would lack it",
             c.span, hint=hint)


def _extras(b: Builder, c: Controller) -> bool:
    """XEN501 for each part of a compiled controller that no Xen key carries."""
    parts = [("vectors=", c.vectors is not None, c.span),
             ("<driver>", c.driver is not None, c.driver.span if c.driver else c.span),
             ("<target>", c.target is not None, c.target.span if c.target else c.span),
             ("<master>", c.master is not None, c.master.span if c.master else c.span),
             ("<model name>", c.model_name is not None,
              c.model_name.span if c.model_name else c.span)]
    ok = True
    for what, present, span in parts:
        if present:
            b.report(XEN501, f"{what} of {_name(c)} is valid libvirt XML, but no xm or xl key "
                     "carries it", span, hint=f"remove {what}")
            ok = False
    return ok


def _controllers(b: Builder, ctype: ControllerType) -> List[Controller]:
    return [c for c in b.domain.devices.of(Controller) if c.type is ctype and not c.implicit]


def build_xenbus(b: Builder, config: Config) -> None:
    """max_grant_frames and max_event_channels (xl), from the xenbus controller; also
    reports every controller type Xen has no key for (XEN501)."""
    check_others(b)
    seen = False
    for c in _controllers(b, ControllerType.XENBUS):
        if not _extras(b, c):
            continue
        if seen:
            _not_on_xen(b, c, "a Xen guest has one xenbus", "merge the xenbus controllers")
            continue
        seen = True
        # libvirt writes a limit only when it is above 0 (0 means Xen's default).
        frames = c.max_grant_frames or None
        channels = c.max_event_channels or None
        if frames is None and channels is None:
            continue
        if b.target != XL:
            keys = " or ".join(k for k, v in (("max_grant_frames", frames),
                                              ("max_event_channels", channels)) if v)
            _no_key_on_xm(b, c, keys)
            continue
        config.set("max_grant_frames", frames)
        config.set("max_event_channels", channels)


def _usbctrl_entry(b: Builder, c: Controller) -> Optional[str]:
    version = USBCTRL_VERSION.get(c.model, 2) if c.model is not None else 2
    if c.model is not None and c.model not in USBCTRL_VERSION:
        _not_on_xen(b, c, "Xen's USB controllers are its PV USB ones (libvirt: \"unsupported "
                    "usb model\")", "use model='qusb2' (or 'qusb1'), or leave model= out")
        return None
    ports = c.ports if c.ports is not None else DEFAULT_USB_PORTS
    if not 1 <= ports <= MAX_USB_PORTS:
        _not_on_xen(b, c, f"a Xen PV USB controller has 1 to {MAX_USB_PORTS} ports (libxl "
                    "refuses more)", f"write ports='{MAX_USB_PORTS}' or fewer")
        return None
    if b.target != XL:
        _no_key_on_xm(b, c, "usbctrl")
        return None
    return f"type=qusb,version={version},ports={ports}"


def usbctrl_places(b: Builder) -> Dict[int, Tuple[int, int]]:
    """index → (xl's devid: its place in the usbctrl list, its ports), for the USB
    controllers build_usbctrl writes (a USB address names its controller by index)."""
    written = [c for c in _controllers(b, ControllerType.USB)
               if c.model is not ControllerModel.NONE]
    return {c.index: (devid, c.ports if c.ports is not None else DEFAULT_USB_PORTS)
            for devid, c in enumerate(written) if c.index is not None}


def build_usbctrl(b: Builder, config: Config) -> None:
    entries: List[str] = []
    for c in _controllers(b, ControllerType.USB):
        if not _extras(b, c) or c.model is ControllerModel.NONE:
            continue
        entry = _usbctrl_entry(b, c)
        if entry is not None:
            entries.append(entry)
    if entries:
        config.set("usbctrl", entries)


def check_others(b: Builder) -> None:
    """XEN501 for the controllers that are neither USB nor xenbus nor built in."""
    for c in b.domain.devices.of(Controller):
        if c.implicit or c.type in (ControllerType.USB, ControllerType.XENBUS):
            continue
        builtin = (b.hvm and c.type in HVM_BUILTIN and (c.index or 0) == 0
                   and (c.model is None or (c.type is ControllerType.PCI
                                            and c.model is ControllerModel.PCI_ROOT)))
        if builtin:
            _extras(b, c)
            continue
        where = "an HVM" if b.hvm else "a paravirtualized"
        what = ("qemu-dm has one IDE controller, one floppy controller and one PCI bus, "
                "without a model" if b.hvm and c.type in HVM_BUILTIN
                else f"{where} Xen guest has no such controller")
        _not_on_xen(b, c, what, "remove the controller (Xen's disks need none)")


# ------------------------------------------------------------------ import

def controllers(r: ConfigReader, xl: bool) -> List[Controller]:
    """The xenbus controller (when a limit is set) and one USB controller per usbctrl
    entry, as libvirt's xenParseXLXenbusLimits and xenParseXLUSBController read them."""
    if not xl:
        return []
    out: List[Controller] = []
    frames_setting, channels_setting = r.get("max_grant_frames"), r.get("max_event_channels")
    frames, channels = r.integer("max_grant_frames"), r.integer("max_event_channels")
    if frames or channels:
        span = (frames_setting or channels_setting).span     # type: ignore[union-attr]
        out.append(Controller(ControllerType.XENBUS, index=0,
                              max_grant_frames=frames or None,
                              max_event_channels=channels or None, span=span))
    index = 0
    for _, entry, span in r.strings("usbctrl"):
        fields: Dict[str, str] = {}
        for key, value in entry_fields(entry):
            if key in ("type", "version", "ports") and value is not None:
                fields[key] = value.strip()
            else:
                r.report(XEN428, f"usbctrl field {key!r} has no domain XML equivalent; "
                         "ignored", span)
        kind = fields.get("type", "qusb")
        if kind != "qusb":
            r.report(XEN428, f"usbctrl entry {entry!r}: type={kind} (xl's "
                     + ("emulated USB" if kind == "devicemodel" else "kernel-backend PV USB"
                        if kind == "pv" else "choice of controller")
                     + ") has no domain XML equivalent; left out", span,
                     hint="write type=qusb for libvirt's qusb1/qusb2 models")
            continue
        try:
            # xl reads both with atoi (decimal), libvirt in hex; they agree below 10.
            version = int(fields.get("version", "2"))
            ports = int(fields.get("ports", str(DEFAULT_USB_PORTS)))
        except ValueError:
            r.report(XEN427, f"usbctrl entry {entry!r}: version= and ports= are numbers",
                     span, hint='write "type=qusb,version=2,ports=8"')
            continue
        model = ControllerModel.QUSB1 if version == 1 else ControllerModel.QUSB2
        out.append(Controller(ControllerType.USB, index=index, model=model, ports=ports,
                              span=span))
        index += 1
    return out
