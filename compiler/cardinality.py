"""What libvirt's grammar says about counts that virtc's XSD can't: required and single
children, and device addresses.

libvirt interleaves an element's children in any order and lets some of them repeat, which
XSD 1.0 can only say with an open choice (xs:all can't repeat a child or hold a wildcard).
So the schema accepts any order and count, and these checks, run right after libxml2 has
accepted a document, say what libvirt's grammar says about counts: the required children
of <domain>, and for every element the children it allows at most once
(compiler/single_children.py, generated from libvirt's RelaxNG by
tools/cardinality/generate.py). The findings keep the schema's codes (XSD105 missing,
XSD107 repeated, XSD102/XSD103/XSD104 an address's attribute that its type doesn't take,
a value out of range, a required one missing) and wording.

Only `<domain>` documents are checked; it costs one pass over the document.
"""
from __future__ import annotations

import re
from typing import Dict, List, Optional

from .positions import LazyPattern
from .reader import children_by_tag, children_named
from .rules.codes import XSD101, XSD102, XSD103, XSD104, XSD105, XSD106, XSD107

# Required children of <domain>. <memory> may be left out when NUMA cells give the size.
_DOMAIN_REQUIRED = ("name", "os")

# A device's <address>, by type=: the attributes each type takes, and what each value may
# be, as libvirt's grammar says (domaincommon.rng "address" and the types it refers to in
# basictypes.rng). The schema's one <address> type serves every address type with the union
# of their attributes, so XSD 1.0 can't say this; it is checked here. A value passes when
# one alternative takes it: a regular expression over the whole text (libvirt's string
# patterns), (lowest, highest), a number in that range written in decimal (libvirt's int
# types, which take a leading '+', and spaces around the number, but not '-': libvirt's
# parser reads these numbers unsigned and refuses a sign), or (pattern, lowest, highest),
# both at once.
_U8 = (r"0x[0-9a-fA-F]{1,2}", (0, 0xFF))
_U16 = (r"(0x)?[0-9a-fA-F]{1,4}", (0, 0xFFFF))
_U32 = (r"(0x)?[0-9a-fA-F]{1,8}", (0, 0xFFFFFFFF))
_ONOFF = (r"on|off",)
_TWO_DIGITS = (r"[0-9]{1,2}",)
ADDRESS_ATTRS: Dict[str, Dict[str, tuple]] = {
    "pci": {"domain": _U32, "bus": _U8, "slot": (r"(0x)?[0-1]?[0-9a-fA-F]", (0, 31)),
            "function": (r"(0x)?[0-7]", (0, 7)), "multifunction": _ONOFF},
    "drive": {"controller": _TWO_DIGITS, "bus": _TWO_DIGITS, "target": _TWO_DIGITS,
              "unit": (r"[0-9]{1,5}",)},
    "virtio-serial": {"controller": _TWO_DIGITS, "bus": _TWO_DIGITS, "port": _TWO_DIGITS},
    "ccid": {"controller": _TWO_DIGITS, "slot": _TWO_DIGITS},
    "usb": {"bus": (r"(0x)?[0-9a-fA-F]{1,3}",),
            # libxml2 takes up to five digits in the last part of libvirt's pattern
            "port": (r"((0x)?[0-9a-fA-F]{1,3}\.){0,3}(0x)?[0-9a-fA-F]{1,5}",)},
    "spapr-vio": {"reg": (r"(0x)?[0-9a-fA-F]{1,8}",)},
    "ccw": {"cssid": (r"0x[0-9a-eA-E][0-9a-fA-F]?", r"0x[fF][0-9a-eA-E]?", (0, 254)),
            "ssid": (r"(0x)?[0-3]",), "devno": (r"0x[0-9a-fA-F]{1,4}", (0, 0xFFFF))},
    "isa": {"iobase": (r"0x[a-fA-F0-9]{1,4}",), "irq": (r"0x[a-fA-F0-9]",)},
    "virtio-mmio": {},
    "dimm": {"slot": ((r"[0-9]+", 0, 0xFFFFFFFF),), "base": (r"(0x)?[0-9a-f]+",)},
    "unassigned": {},
}
# Attributes a type can't do without; a ccw address gives all three numbers or none.
ADDRESS_REQUIRED = {"virtio-serial": ("controller",), "ccid": ("controller",), "usb": ("bus",)}
_CCW = ("cssid", "ssid", "devno")
_ZPCI = {"uid": _U16, "fid": _U32}
_INT = LazyPattern(r"[ \t\n\r]*\+?([0-9]+)[ \t\n\r]*")


def c_number(text: str):
    """An unsigned number as libvirt's parser reads it (strtoul, base 0: 0x… hex, a leading
    0 octal, else decimal, with an optional '+'); None when it isn't one."""
    text = text.strip()
    if text[:1] == "+":
        text = text[1:]
    try:
        if text[:2] in ("0x", "0X"):
            return int(text[2:], 16)
        if len(text) > 1 and text.startswith("0"):
            return int(text[1:], 8)
        return int(text, 10) if text.isascii() and text.isdigit() else None
    except ValueError:
        return None


_HEX = frozenset("0123456789abcdefABCDEF")


def _hex(text: str, low: int, high: int, prefix: str) -> bool:
    """`prefix` ("0x", "(0x)?" or "") then `low` to `high` hex digits."""
    if prefix and text[:2] == "0x":
        text = text[2:]
    elif prefix == "0x":
        return False
    return low <= len(text) <= high and all(c in _HEX for c in text)


# The patterns every dumpxml address uses, matched without compiling a regular expression
# (compiling them cost a cold run about 1.5 ms); any other pattern goes to `re`.
_SIMPLE = {
    r"0x[0-9a-fA-F]{1,2}": lambda v: _hex(v, 1, 2, "0x"),
    r"(0x)?[0-9a-fA-F]{1,3}": lambda v: _hex(v, 1, 3, "(0x)?"),
    r"(0x)?[0-9a-fA-F]{1,4}": lambda v: _hex(v, 1, 4, "(0x)?"),
    r"(0x)?[0-9a-fA-F]{1,8}": lambda v: _hex(v, 1, 8, "(0x)?"),
    r"(0x)?[0-1]?[0-9a-fA-F]": lambda v: _hex(v, 1, 2, "(0x)?") and (
        len(v.removeprefix("0x")) == 1 or v.removeprefix("0x")[0] in "01"),
    r"(0x)?[0-7]": lambda v: v.removeprefix("0x") in tuple("01234567"),
    r"on|off": lambda v: v in ("on", "off"),
    r"[0-9]{1,2}": lambda v: 1 <= len(v) <= 2 and v.isascii() and v.isdigit(),
    r"[0-9]{1,5}": lambda v: 1 <= len(v) <= 5 and v.isascii() and v.isdigit(),
    # a USB port: up to four dot-separated hubs' ports, the last up to five digits
    r"((0x)?[0-9a-fA-F]{1,3}\.){0,3}(0x)?[0-9a-fA-F]{1,5}": lambda v: _usb_port(v.split(".")),
}


def _usb_port(parts: list) -> bool:
    return len(parts) <= 4 and all(_hex(p, 1, 3, "(0x)?") for p in parts[:-1]) and \
        _hex(parts[-1], 1, 5, "(0x)?")


def _matches(pattern: str, value: str) -> bool:
    simple = _SIMPLE.get(pattern)
    return simple(value) if simple is not None else re.fullmatch(pattern, value) is not None


_FITS: Dict[tuple, bool] = {}


def _fits(value: str, spec: tuple) -> bool:
    """Whether `value` is one of `spec`'s alternatives. Addresses repeat the same few values
    (bus='0x00', function='0x0') in every document, so answers are kept; the specs are
    this module's constants, so their id names them."""
    key = (id(spec), value)
    known = _FITS.get(key)
    if known is None:
        if len(_FITS) > 4096:
            _FITS.clear()
        known = _FITS[key] = _fits_now(value, spec)
    return known


def _fits_now(value: str, spec: tuple) -> bool:
    for alternative in spec:
        if isinstance(alternative, str):
            if _matches(alternative, value):
                return True
        elif len(alternative) == 3:
            if _matches(alternative[0], value) and \
                    alternative[1] <= int(value) <= alternative[2]:
                return True
        elif (m := _INT.fullmatch(value)) and \
                alternative[0] <= int(m.group(1)) <= alternative[1]:
            return True
    return False


def _spelled(spec: tuple) -> str:
    """How to write a value of `spec`, for the hint."""
    ranges = [a for a in spec if not isinstance(a, str)]
    if ranges:
        low, high = ranges[0][-2:]
        return f"a number from {low} to {high} (decimal, or hex with 0x)"
    return {_TWO_DIGITS: "one or two decimal digits", _ONOFF: "'on' or 'off'"}.get(
        spec, "a value like libvirt writes it (see its address types)")


def findings(root, index) -> List[tuple]:
    """(code, element, message, hint[, attribute]) for each count (and each device address)
    the schema could not check.

    `index` (a positions.SourceIndex) places the first of repeated elements for the hint.
    This runs on every valid document of a batch, so the document is read in passes over
    children, not path searches (each `iterfind` costs several microseconds); the findings
    come in the same order as one search per kind of check would give them.
    """
    if root.tag != "domain":
        return []
    from .single_children import SINGLE

    out: List[tuple] = []
    for tag in missing(root):
        out.append((XSD105, root, f"<domain> is missing required child element <{tag}>",
                    f"add <{tag}>…</{tag}> inside <domain>"))
    _repeats(root, ("domain",), index, out, SINGLE)
    top = children_by_tag(root)
    for os_el in top.get("os", ()):
        _os(os_el, out)
    for cpu in top.get("cpu", ()):
        for numa in children_named(cpu, "numa"):
            if numa.find("cell") is None:
                out.append((XSD105, numa, "<numa> is missing required child element <cell>",
                            "add <cell id='0' cpus='0-1' memory='…'/>, or remove <numa>"))
    for os_el in top.get("os", ()):
        for firmware in children_named(os_el, "firmware"):
            if firmware.find("feature") is None:
                out.append((XSD105, firmware, "<firmware> is missing required child element"
                            " <feature>", "add <feature enabled='yes' name='secure-boot'/> "
                            "(or enrolled-keys), or remove <firmware>"))
    for features in top.get("features", ()):
        for hyperv in children_named(features, "hyperv"):
            if hyperv.get("mode") == "passthrough":
                _empty(hyperv, "<hyperv mode='passthrough'>", out)
    all_devices = top.get("devices", ())
    kinds = [children_by_tag(devices) for devices in all_devices]
    for devices, kind in zip(all_devices, kinds):
        for device in devices:
            if type(device.tag) is str:
                for address in children_named(device, "address"):
                    _address(address, out)
        for controller in kind.get("controller", ()):
            _controller(controller, out)
        for device in devices:
            if device.tag in NEEDS:
                _needs(device, out)
        for tag in CHARDEV_TARGETS:
            for chardev in kind.get(tag, ()):
                _chardev(chardev, out)
        for disk in kind.get("disk", ()):
            _disk_source(disk, out)
        for mem in kind.get("memory", ()):
            _memory_target(mem, out)
        for nic in kind.get("interface", ()):
            if nic.get("type") in ("network", "bridge"):
                _nic_source(nic, out)
        for fs in kind.get("filesystem", ()):
            _source_by_type(fs, fs.get("type", "mount"), FILESYSTEM_SOURCE, out)
        for graphics in kind.get("graphics", ()):
            _graphics_children(graphics, out)
        for rng in kind.get("rng", ()):
            for backend in children_named(rng, "backend"):
                if backend.get("model") == "builtin":
                    _empty(backend, "<backend model='builtin'>", out)
        for rng in kind.get("rng", ()):
            for backend in children_named(rng, "backend"):
                if backend.get("model") != "egd" and backend.get("type") is not None:
                    out.append((XSD102, backend, "unknown attribute type="
                                f"'{backend.get('type')}' on <backend model="
                                f"'{backend.get('model')}'>", "remove it; only "
                                "<backend model='egd'> takes type=", "type"))
    for seclabel in top.get("seclabel", ()):
        _seclabel(seclabel, out)
    clocks = top.get("clock", ())
    graphics = [g for kind in kinds for g in kind.get("graphics", ())]
    for el in [*clocks, *(t for c in clocks for t in children_named(c, "timer")),
               *(i for kind in kinds for i in kind.get("input", ())), *graphics,
               *(listen for g in graphics for listen in children_named(g, "listen"))]:
        _by_kind(el, out)
    for kind in kinds:
        for video in kind.get("video", ()):
            for el in children_named(video, "model"):
                _by_kind(el, out, VIDEO_MODEL)
    return out


# <os> by the OS type its <type> names (libvirt's grammar: osxen, oshvm, osexe). A
# paravirtualized Xen guest's <os> is <type> first, then only kernel boot elements; a
# container's (exe) only its init; the arch and machine a Xen type allows are few.
# Types xen and linux are checked in Xen domains (and those with no type=, which virtc reads
# as Xen) only: any other domain type needs hvm, which a semantic rule (SEM219) says with
# the right fix.
_XEN_OS = ("xen", "linux", "xenpvh")
_KERNEL_BOOT = ("kernel", "initrd", "root", "cmdline", "dtb")
_INIT = ("init", "initarg", "initenv", "initdir", "inituser", "initgroup")
OS_CHILDREN = {**{t: ("type",) + _KERNEL_BOOT for t in _XEN_OS}, "exe": ("type",) + _INIT}
OS_TYPE_ATTRS = {**{t: {"arch": ("i686", "x86_64", "ia64"),
                        "machine": ("xenpv", "xenfv", "xenpvh")} for t in _XEN_OS},
                 "exe": {"arch": None}}


def _os(os_el, out) -> None:
    type_el = os_el.find("type")
    if type_el is None:
        return                               # a semantic rule says so (SEM216)
    kind = (type_el.text or "").strip()
    if kind == "hvm":
        for child in os_el:
            if isinstance(child.tag, str) and child.tag in _INIT:
                out.append((XSD101, child, f"<{child.tag}> is not allowed in <os> of type "
                            f"'hvm'", "it belongs to a container's <os> (type 'exe'); "
                            "remove it"))
        return
    allowed = OS_CHILDREN.get(kind)
    if allowed is None or (kind in ("xen", "linux")
                           and os_el.getparent().get("type", "xen") != "xen"):
        return          # other hypervisors run hvm only: a semantic rule says so (SEM219)
    for child in os_el:
        if isinstance(child.tag, str) and "{" not in child.tag and child.tag not in allowed:
            out.append((XSD101, child, f"<{child.tag}> is not allowed in <os> of type "
                        f"'{kind}'", f"remove it; <os> of type '{kind}' may contain: "
                        + ", ".join(f"<{t}>" for t in allowed)))
    for name in os_el.attrib:
        out.append((XSD102, os_el, f"unknown attribute {name}='{os_el.get(name)}' on <os> of "
                    f"type '{kind}'", f"remove it; <os> of type '{kind}' takes no attributes",
                    name))
    first = next((c for c in os_el if isinstance(c.tag, str)), None)
    if kind in _XEN_OS and first is not type_el:
        out.append((XSD101, type_el, f"<type> must come first in <os> of type '{kind}'",
                    "move <type> to the start of <os>"))
    takes = OS_TYPE_ATTRS[kind]
    for name, value in type_el.attrib.items():
        if name not in takes:
            out.append((XSD102, type_el, f"unknown attribute {name}='{value}' on <type> of "
                        f"OS type '{kind}'", "remove it; " + (
                            f"<type>{kind}</type> takes: " + ", ".join(takes)), name))
        elif takes[name] is not None and value not in takes[name]:
            out.append((XSD103, type_el, f"invalid value '{value}' for attribute '{name}' "
                        f"of <type>{kind}</type>",
                        "one of: " + ", ".join(f"'{v}'" for v in takes[name]), name))


# A controller's model= and its type-only attributes, by type= (libvirt's grammar: one
# group per type). Models are the vocabulary's "controller-model" split by type (a test
# checks that they are the same values); a pci controller must name its model.
_VIRTIO = ("virtio-transitional", "virtio-non-transitional")
CONTROLLER_MODELS: Dict[str, tuple] = {
    "scsi": ("auto", "buslogic", "lsilogic", "lsisas1068", "vmpvscsi", "ibmvscsi",
             "virtio-scsi", "lsisas1078", *_VIRTIO, "ncr53c90", "dc390", "am53c974"),
    "usb": ("piix3-uhci", "piix4-uhci", "ehci", "ich9-ehci1", "ich9-uhci1", "ich9-uhci2",
            "ich9-uhci3", "vt82c686b-uhci", "pci-ohci", "nec-xhci", "none", "qusb1", "qusb2",
            "qemu-xhci"),
    "ide": ("piix3", "piix4", "ich6"),
    "pci": ("pci-root", "pcie-root", "pci-bridge", "dmi-to-pci-bridge", "pcie-to-pci-bridge",
            "pcie-root-port", "pcie-switch-upstream-port", "pcie-switch-downstream-port",
            "pci-expander-bus", "pcie-expander-bus"),
    "virtio-serial": ("virtio", *_VIRTIO),
    "fdc": (), "sata": (), "ccid": (), "isa": (), "xenbus": (),
}
CONTROLLER_ATTRS = {"ports": ("usb", "virtio-serial"), "vectors": ("virtio-serial",),
                    "maxGrantFrames": ("xenbus",), "maxEventChannels": ("xenbus",)}


def _controller(controller, out) -> None:
    kind = controller.get("type")
    models = CONTROLLER_MODELS.get(kind)
    if models is None:
        return
    where = f"<controller type='{kind}'>"
    model = controller.get("model")
    if model is not None and model not in models:
        hint = ("one of: " + ", ".join(f"'{m}'" for m in models)) if models else \
            f"remove it; a {kind} controller has no model="
        out.append((XSD103, controller, f"invalid value '{model}' for attribute 'model' of "
                    f"{where}", hint, "model"))
    elif model is None and kind == "pci":
        out.append((XSD104, controller, f"{where} is missing required attribute 'model'",
                    "add model='…' (pci-root, pcie-root, pcie-root-port, pci-bridge, …)"))
    for name, kinds in CONTROLLER_ATTRS.items():
        if name in controller.attrib and kind not in kinds:
            out.append((XSD102, controller, f"unknown attribute {name}="
                        f"'{controller.get(name)}' on {where}", "remove it; only a "
                        + " or ".join(kinds) + f" controller takes {name}=", name))


# Attributes that only some kinds of an element take, by the attribute that names the kind
# (libvirt's grammar: one group per kind): element → (that attribute, {kind: {attribute:
# the values it takes there, or None for any the schema takes}}, {kind: required}).
# Attributes no kind lists here are the schema's business; unknown kinds are skipped.
def _attrs(names: str) -> Dict[str, None]:
    return dict.fromkeys(names.split())


_RESET = {"adjustment": None}
_TICKS = {"tickpolicy": None}
BY_KIND: Dict[str, tuple] = {
    "clock": ("offset", {"localtime": _RESET, "utc": _RESET, "timezone": {"timezone": None},
                         "variable": {"adjustment": None, "basis": None},
                         "absolute": {"start": None}},
              {"absolute": ("start",)}),
    "timer": ("name", {"platform": {"track": None, **_TICKS}, "rtc": {"track": None, **_TICKS},
                       "tsc": {"frequency": None, "mode": None, **_TICKS},
                       "hpet": _TICKS, "pit": _TICKS, "armvtimer": _TICKS,
                       "kvmclock": {}, "hypervclock": {}}, {}),
    "graphics": ("type", {
        "sdl": _attrs("display xauth fullscreen"), "desktop": _attrs("display fullscreen"),
        "vnc": _attrs("port autoport websocket listen sharePolicy powerControl socket passwd "
                      "keymap passwdValidTo connected"),
        "spice": _attrs("port tlsPort autoport listen passwd keymap passwdValidTo connected "
                        "defaultMode"),
        "rdp": _attrs("port autoport replaceUser multiUser listen"),
        "dbus": _attrs("address p2p"), "egl-headless": {}}, {}),
    "listen": ("type", {"address": _attrs("address"), "network": _attrs("network address"),
                        "socket": _attrs("socket"), "none": {}}, {"network": ("network",)}),
    "input": ("type", {"tablet": {"bus": None}, "mouse": {"bus": None},
                       "keyboard": {"bus": None}, "passthrough": {"bus": ("virtio",)},
                       "evdev": {}}, {"passthrough": ("bus",)}),
}
# <video><model>: ram=, vgamem= and vram64= belong to type='qxl' (libvirt's grammar: a group
# of its own); every other model takes vram= and heads= only.
VIDEO_MODEL = ("type", {**{t: {} for t in ("vga", "cirrus", "vmvga", "xen", "vbox", "virtio",
                                           "gop", "none", "bochs", "ramfb")},
                        "qxl": _attrs("ram vgamem vram64")}, {})
# Children a device can't do without: tag → (kind or None for every kind, child, the
# attribute the child must have or None).
NEEDS: Dict[str, tuple] = {
    "input": (("passthrough", "source", "evdev"), ("evdev", "source", "dev")),
    "rng": ((None, "backend", None),),
    "tpm": ((None, "backend", None),),
    "channel": ((None, "target", None),),
    "filesystem": ((None, "target", None),),
}


def _by_kind(el, out, spec: Optional[tuple] = None) -> None:
    attr, kinds, required = spec or BY_KIND[el.tag]
    kind = el.get(attr)
    takes = kinds.get(kind)
    if takes is None:
        return
    where = f"<{el.tag} {attr}='{kind}'>"
    dependent = {name for spec in kinds.values() for name in spec}
    for name, value in el.attrib.items():
        if name not in dependent:
            continue
        if name not in takes:
            others = sorted(k for k, spec in kinds.items() if name in spec)
            out.append((XSD102, el, f"unknown attribute {name}='{value}' on {where}",
                        f"remove it; {name}= belongs to {attr}=" + " or ".join(
                            f"'{k}'" for k in others), name))
        elif takes[name] is not None and value not in takes[name]:
            out.append((XSD103, el, f"invalid value '{value}' for attribute '{name}' of "
                        f"{where}", "one of: " + ", ".join(f"'{v}'" for v in takes[name]),
                        name))
    for name in required.get(kind, ()):
        if name not in el.attrib:
            out.append((XSD104, el, f"{where} is missing required attribute '{name}'",
                        f"add {name}='…' to <{el.tag}>"))
    if el.tag == "timer" and el.find("catchup") is not None \
            and el.get("tickpolicy") != "catchup":
        out.append((XSD101, el.find("catchup"), "<catchup> needs tickpolicy='catchup' on "
                    "its <timer>", "write tickpolicy='catchup', or remove <catchup>"))


def _needs(device, out) -> None:
    for kind, child, attr in NEEDS[device.tag]:
        if kind is not None and device.get("type") != kind:
            continue
        where = f"<{device.tag} type='{kind}'>" if kind else f"<{device.tag}>"
        found = device.find(child)
        if found is None:
            out.append((XSD105, device, f"{where} is missing required child element "
                        f"<{child}>", f"add <{child}{f' {attr}=…' if attr else ''}/> "
                        f"inside <{device.tag}>"))
        elif attr and found.get(attr) is None:
            out.append((XSD104, found, f"<{child}> of {where} is missing required "
                        f"attribute '{attr}'", f"add {attr}='…' to <{child}>"))


# Character devices (libvirt's grammar: qemucdev and channel): type= is required (a console
# may be a bare <console tty=…/>), a channel's <target> names one of its own three types,
# and the others' target types are the serial and console ones.
_SERIAL_TARGETS = ("isa-serial", "usb-serial", "pci-serial", "spapr-vio-serial",
                   "system-serial", "sclp-serial", "isa-debug", "xen", "serial", "uml",
                   "virtio", "lxc", "openvz", "sclp", "sclplm")
CHARDEV_TARGETS = {"channel": ("virtio", "guestfwd", "xen"), "serial": _SERIAL_TARGETS,
                   "console": _SERIAL_TARGETS, "parallel": _SERIAL_TARGETS}


def _chardev(chardev, out) -> None:
    tag = chardev.tag
    if chardev.get("type") is None and (tag != "console" or len(chardev)):
        out.append((XSD104, chardev, f"<{tag}> is missing required attribute 'type'",
                    f"add type='…' to <{tag}> (pty, unix, file, …)"))
    target = chardev.find("target")
    if target is None:
        return
    kind, allowed = target.get("type"), CHARDEV_TARGETS[tag]
    if kind is None and tag == "channel":
        out.append((XSD104, target, "<target> of a <channel> is missing required attribute "
                    "'type'", "add type='virtio' (or guestfwd, xen) to <target>"))
    elif kind == "guestfwd" and tag == "channel":
        for name in ("address", "port"):
            if target.get(name) is None:
                out.append((XSD104, target, f"<target type='guestfwd'> is missing required "
                            f"attribute '{name}'", f"add {name}='…' to <target>"))
    elif kind is not None and kind not in allowed:
        out.append((XSD103, target, f"invalid value '{kind}' for attribute 'type' of "
                    f"<target> in <{tag}>", "one of: " + ", ".join(f"'{t}'" for t in allowed),
                    "type"))


# A disk's <source> attributes that only some disk types take (libvirt's grammar:
# diskSourceFile, diskSourceBlock, …): of the attributes that tell the types apart, each
# type takes its own (a disk with no type= is a file).
DISK_SOURCE = {"file": ("file", "fdgroup"), "block": ("dev",), "dir": ("dir",),
               "volume": ("pool", "volume", "mode"), "nvme": ("type", "namespace", "managed"),
               "vhostuser": ("type", "path"), "network": ("protocol", "name", "query", "tls")}
# A SCSI LUN passed through is a block device, a network disk or a storage volume.
_LUN_TYPES = ("block", "network", "volume")


def _disk_source(disk, out) -> None:
    kind = disk.get("type")
    if disk.get("device") == "lun" and kind not in _LUN_TYPES + (None,):
        out.append((XSD103, disk, f"<disk type='{kind}'> cannot be device='lun'",
                    "a LUN is passed through from a block device, a network disk or a "
                    "volume: write type='block' (or network, volume), or device='disk'",
                    "device"))
    source = disk.find("source")
    if kind in ("file", "block") and source is not None and \
            source.get(DISK_SOURCE[kind][0]) is None:
        return           # SEM211 says which attribute, or which type=, the disk needs
    _source_by_type(disk, kind, DISK_SOURCE, out)


# A filesystem's <source> attributes by type (libvirt's grammar: one group per type; no
# type= is a mount).
FILESYSTEM_SOURCE = {"file": ("file",), "block": ("dev",), "mount": ("dir", "socket"),
                     "bind": ("dir",), "template": ("name",), "ram": ("usage", "units"),
                     "volume": ("pool", "volume")}


def _source_by_type(device, kind, table, out) -> None:
    """XSD102 for each attribute of the device's <source> that another type takes."""
    takes = table.get(kind)
    if takes is None:
        return
    dependent = {a for names in table.values() for a in names}
    for source in device.iterfind("source"):
        for name, value in source.attrib.items():
            if name in dependent and name not in takes:
                out.append((XSD102, source, f"unknown attribute {name}='{value}' on <source> "
                            f"of <{device.tag} type='{kind}'>", f"remove it; a {kind} "
                            f"{device.tag}'s <source> takes "
                            + ", ".join(f"{a}=" for a in takes), name))


def _memory_target(mem, out) -> None:
    """libvirt's grammar (memorydev, memorydev-target): a memory device has a <target>, and
    the target its <size>."""
    target = mem.find("target")
    if target is None:
        out.append((XSD105, mem, "<memory> device is missing required child element <target>",
                    "add <target><size unit='MiB'>…</size></target>"))
    elif target.find("size") is None:
        out.append((XSD105, target, "<target> of a <memory> device is missing required child"
                    " element <size>", "add <size unit='MiB'>…</size> inside <target>"))


# libvirt's grammar: a network or bridge interface's <source> takes the attributes of
# interface-network-attributes and interface-bridge-attributes only. The 2007 format's own
# <source> attributes (dev=, file=, …) are left to SEM221/SEM218, which say more.
_NIC_SOURCE = ("network", "portgroup", "portid", "bridge", "macTableManager")
_SEED_SOURCE = ("file", "dev", "address", "port", "path", "host", "service", "mode")


def _nic_source(nic, out) -> None:
    for source in nic.iterfind("source"):
        for name, value in source.attrib.items():
            if name not in _NIC_SOURCE and name not in _SEED_SOURCE and "{" not in name:
                out.append((XSD102, source, f"unknown attribute {name}='{value}' on <source> of"
                            f" <interface type='{nic.get('type')}'>", "remove it; its <source>"
                            " takes " + ", ".join(f"{a}=" for a in _NIC_SOURCE), name))


# The children each graphics type takes (libvirt's grammar: one group per type).
_SPICE = ("listen", "channel", "image", "jpeg", "zlib", "playback", "streaming", "clipboard",
          "mouse", "filetransfer", "gl")
GRAPHICS_CHILDREN = {"sdl": ("gl",), "vnc": ("listen", "audio"), "spice": _SPICE,
                     "rdp": ("listen",), "desktop": (), "egl-headless": ("gl",),
                     "dbus": ("gl", "audio")}
_GRAPHICS_DEPENDENT = {c for names in GRAPHICS_CHILDREN.values() for c in names}


def _graphics_children(graphics, out) -> None:
    kind = graphics.get("type")
    takes = GRAPHICS_CHILDREN.get(kind)
    if takes is None:
        return
    for child in graphics:
        if isinstance(child.tag, str) and child.tag in _GRAPHICS_DEPENDENT \
                and child.tag not in takes:
            out.append((XSD101, child, f"<{child.tag}> is not allowed in <graphics "
                        f"type='{kind}'>", f"remove it; <graphics type='{kind}'> may "
                        "contain: " + (", ".join(f"<{t}>" for t in takes) or "nothing")))


# libvirt's grammar (define "seclabel"): which relabel= each label type takes, and whether a
# <label> is required (static), allowed (dynamic) or refused with any other child (none).
_SECLABEL_RELABEL = {"dynamic": ("yes",), "static": ("yes", "no"), "none": ("no",)}


def _seclabel(seclabel, out) -> None:
    kind = seclabel.get("type", "dynamic")
    where = f"<seclabel type='{kind}'>"
    relabel = seclabel.get("relabel")
    if kind in _SECLABEL_RELABEL and relabel is not None \
            and relabel not in _SECLABEL_RELABEL[kind]:
        out.append((XSD103, seclabel, f"attribute relabel='{relabel}' of {where} is not"
                    " allowed", f"write relabel='{_SECLABEL_RELABEL[kind][0]}', or leave it"
                    " out", "relabel"))
    if kind == "static" and seclabel.find("label") is None:
        out.append((XSD105, seclabel, f"{where} is missing required child element <label>",
                    "add <label>…</label> with the static label"))
    elif kind == "static":
        for child in seclabel.iterfind("baselabel"):
            out.append((XSD101, child, f"{where} takes no <baselabel>",
                        "remove it; only a dynamic label has a base label"))
    elif kind == "none":
        _empty(seclabel, where, out)


def _empty(el, where: str, out) -> None:
    """An element that libvirt's grammar wants empty in this kind (its other kinds aren't)."""
    for child in el:
        if isinstance(child.tag, str):
            out.append((XSD101, child, f"{where} takes no <{child.tag}>",
                        f"remove <{child.tag}>; only other kinds of <{el.tag}> take it"))
    if (el.text or "").strip():
        out.append((XSD106, el, f"{where} cannot contain text",
                     f"remove the text '{el.text.strip()[:40]}'"))


def _address(address, out) -> None:
    kind = address.get("type")
    allowed = ADDRESS_ATTRS.get(kind)
    if allowed is None:
        return                               # the schema has refused the type already
    where = f"<address type='{kind}'>"
    for name, value in address.attrib.items():
        if name == "type" or "{" in name:
            continue
        spec = allowed.get(name)
        if spec is None:
            takes = ", ".join(allowed) or "no other attributes"
            out.append((XSD102, address, f"unknown attribute {name}='{value}' on {where}",
                        f"remove it; an address of type '{kind}' takes: {takes}", name))
        elif not _fits(value, spec):
            out.append((XSD103, address,
                        f"attribute {name}='{value}' of {where} is out of range",
                        f"write {_spelled(spec)}", name))
    for name in ADDRESS_REQUIRED.get(kind, ()):
        if name not in address.attrib:
            out.append((XSD104, address, f"{where} is missing required attribute '{name}'",
                        f"add {name}='…' to <address>"))
    if kind == "ccw" and 0 < sum(n in address.attrib for n in _CCW) < 3:
        lacking = [n for n in _CCW if n not in address.attrib]
        out.append((XSD104, address, f"{where} gives some of cssid, ssid and devno but "
                    f"not {', '.join(lacking)}", "give all three, or none of them"))
    for zpci in address.iterfind("zpci"):
        if kind != "pci":
            out.append((XSD101, zpci, f"<zpci> is only allowed in <address type='pci'>",
                        "remove it, or make the address type='pci'"))
        for name, value in zpci.attrib.items():
            if name in _ZPCI and not _fits(value, _ZPCI[name]):
                out.append((XSD103, zpci, f"attribute {name}='{value}' of <zpci> is out of "
                            f"range", f"write {_spelled(_ZPCI[name])}", name))


def missing(elem) -> List[str]:
    """The required children that `elem` lacks (only <domain> has any here)."""
    if elem.tag != "domain":
        return []
    present = {child.tag for child in elem if isinstance(child.tag, str)}
    out = [tag for tag in _DOMAIN_REQUIRED if tag not in present]
    if "memory" not in present and not _numa_sized(elem):
        out.insert(1, "memory")
    return out


def _repeats(parent, context, index, out, SINGLE) -> None:
    """XSD107 for each repeat of a child that libvirt allows once here, then the same
    below: `context` is the last three element names down to `parent`, SINGLE the table of
    compiler/single_children.py. (One pass over the children: this runs on every element of
    every valid document.)"""
    single = SINGLE.get(context)
    first = {}
    for child in parent:
        tag = child.tag
        if type(tag) is not str or tag[0] == "{":
            continue                        # comments; foreign namespaces are theirs
        if single is not None and tag in single:
            if tag in first:
                line = index.span(first[tag]).line
                out.append((XSD107, child, f"<{tag}> appears more than once in <{parent.tag}>",
                            f"keep one <{tag}> (the first is at line {line}) "
                            f"and remove the others"))
            else:
                first[tag] = child
        if len(child):
            _repeats(child, (context + (tag,))[-3:], index, out, SINGLE)


def _numa_sized(root) -> bool:
    return root.find("cpu/numa/cell") is not None
