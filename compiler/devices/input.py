"""<input>: a mouse, tablet or keyboard and the bus it sits on, a host input device passed
through to a virtio bus, or a host evdev device shared with the guest.

    <input type='tablet' bus='usb'/>
    <input type='mouse' bus='ps2'/>
    <input type='keyboard' bus='virtio'/>
    <input type='passthrough' bus='virtio'><source evdev='/dev/input/event1'/></input>
    <input type='evdev'><source dev='/dev/input/event2' grab='all' repeat='on'/></input>

Schema: schemas/domain/input.xsd. Builders: backends/qemu/devices/input.py (USB and
virtio -device, -object input-linux for evdev, placed by backends/qemu/argv.py after the
character devices), backends/xen/devices/input.py (xm/xl's usb/usbdevice keys, and reading
them back).

SEM222 is documented with the seed rules (compiler/rules/); SEM305 here.
"""
from __future__ import annotations

from typing import ClassVar, Optional

from ..diagnostics import Diagnostics, Span
from ..ir import NOWHERE, Domain, DomainType
from ..rules import codes as _codes
from ..rules.codes import SEM222, Code
from .info import EMPTY, DeviceInfo
from .virtio import VirtioDriver
from .xmlmap import Attr, Child, Info, on_off
from ..node import Choice, Node, replace


class InputType(Choice):
    MOUSE = "mouse"
    TABLET = "tablet"
    KEYBOARD = "keyboard"
    PASSTHROUGH = "passthrough"     # a host evdev device as a virtio-input device
    EVDEV = "evdev"                 # a host evdev device QEMU reads (input-linux)


class InputBus(Choice):
    PS2 = "ps2"
    USB = "usb"
    XEN = "xen"
    VIRTIO = "virtio"


class InputModel(Choice):
    VIRTIO = "virtio"
    VIRTIO_TRANSITIONAL = "virtio-transitional"
    VIRTIO_NON_TRANSITIONAL = "virtio-non-transitional"


class GrabToggle(Choice):
    CTRL_CTRL = "ctrl-ctrl"
    ALT_ALT = "alt-alt"
    SHIFT_SHIFT = "shift-shift"
    META_META = "meta-meta"
    SCROLLLOCK = "scrolllock"
    CTRL_SCROLLLOCK = "ctrl-scrolllock"


class InputSource(Node):
    """<source>: `evdev` for passthrough; `dev`, `grab`, `grabToggle`, `repeat` for evdev."""

    TAG: ClassVar[str] = "source"
    XML: ClassVar[tuple] = (
        Attr("evdev", "evdev"),
        Attr("dev", "dev"),
        Attr("grab", "grab"),                     # only 'all' exists
        Attr("grabToggle", "grab_toggle", GrabToggle),
        Attr("repeat", "repeat", on_off),
    )
    evdev: Optional[str] = None
    dev: Optional[str] = None
    grab: Optional[str] = None
    grab_toggle: Optional[GrabToggle] = None
    repeat: Optional[bool] = None
    span: Span = NOWHERE


class Input(Node):
    """One <input> and its bus (post-parse: None only for type='evdev', which has none)."""

    TAG: ClassVar[str] = "input"
    XML: ClassVar[tuple] = (
        Attr("type", "type", InputType),
        Attr("bus", "bus", InputBus),
        Attr("model", "model", InputModel),
        Child("source", InputSource),
        Child("driver", VirtioDriver),
        Info(),
    )
    type: InputType = InputType.MOUSE
    bus: Optional[InputBus] = None
    model: Optional[InputModel] = None
    source: Optional[InputSource] = None
    driver: Optional[VirtioDriver] = None
    info: DeviceInfo = EMPTY
    span: Span = NOWHERE


NODE = Input

# This family's place in libvirt's order of USB ports (compiler/postparse/qemu.py, 5).
USB_ORDER = 40


def wants_usb_port(node: Input) -> bool:
    """An input on bus='usb' (usb-tablet, usb-mouse, usb-kbd) takes a USB port."""
    return node.bus is not None and node.bus.value == "usb"


SEM305 = Code("SEM305", _codes.Severity.ERROR)   # Severity itself stays out of this module's enums


def rules():
    from ..rules import Rule

    return (
        Rule(SEM305, "input-type-bus",
             "an <input> asks for a bus, model or source its type can't have",
             "libvirt refuses the domain: a passthrough device is a virtio-input device (bus"
             " 'virtio', with the host's <source evdev>); an evdev device is read by QEMU itself"
             " and sits on no guest bus (it needs <source dev>); model= only chooses a virtio"
             " device; a mouse, tablet or keyboard has no <source evdev>.",
             "<input type='passthrough' bus='usb'><source evdev='/dev/input/event1'/></input>",
             "use bus='virtio' for passthrough, drop bus= from an evdev input, and give each"
             " the <source> attribute its type reads"),
    )


def postparse(node: Input, index: int, domain: Domain) -> Input:
    """Defaults, as libvirt applies them (virDomainInputDefParseXML): bus, when not
    written: in a Xen PV guest, Xen's own paravirtual bus; otherwise PS/2 for a mouse or
    keyboard (x86), virtio for passthrough, none for evdev, USB for the rest (a tablet).
    The alias `input<N>` is the QEMU driver's (compiler/postparse/qemu.py, rule 9)."""
    if node.bus is not None:
        return node
    return replace(node, bus=_default_bus(node.type, domain))


def _default_bus(kind: InputType, domain: Domain) -> Optional[InputBus]:
    if domain.type is DomainType.XEN and not domain.os.is_hvm:
        return InputBus.XEN
    x86 = domain.os.arch in (None, "x86_64", "i686")
    if kind in (InputType.MOUSE, InputType.KEYBOARD) and x86:
        return InputBus.PS2
    if kind is InputType.PASSTHROUGH:
        return InputBus.VIRTIO
    if kind is InputType.EVDEV:
        return None
    return InputBus.USB


def check(inp: Input, diags: Diagnostics) -> None:
    if inp.type is InputType.TABLET and inp.bus in (InputBus.PS2, InputBus.XEN):
        diags.add(SEM222, f"an input tablet cannot sit on the {inp.bus.value} bus", inp.span,
                  hint="use <input type='tablet' bus='usb'/>")
        return
    problem = _type_problem(inp)
    if problem is not None:
        diags.add(SEM305, f"<input type='{inp.type.value}'> {problem}", inp.span,
                  hint="passthrough: bus='virtio' and <source evdev=…>; evdev: no bus= and"
                  " <source dev=…>")


def _type_problem(inp: Input) -> Optional[str]:
    source = inp.source
    if inp.type is InputType.PASSTHROUGH:
        if inp.bus is not InputBus.VIRTIO:
            return f"can't sit on the {inp.bus.value} bus: it is a virtio-input device"
        if source is None or not source.evdev:
            return "has no <source evdev=…>: which host device would it pass through?"
    elif inp.type is InputType.EVDEV:
        if inp.bus is not None:
            return f"sits on no guest bus, but names bus='{inp.bus.value}'"
        if source is None or not source.dev:
            return "has no <source dev=…>: which host device would QEMU read?"
    elif source is not None and source.evdev:
        return "can't have <source evdev>: only a passthrough input reads a host device"
    if inp.model is not None and inp.bus is not InputBus.VIRTIO:
        return f"with model='{inp.model.value}' needs bus='virtio'"
    return None
