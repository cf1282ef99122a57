"""A small reader for QEMU's `key=value,…` option syntax, written from QEMU's rules rather
than from virtc's serializer, so tests can check what QEMU would make of an argv.

The rules (util/qemu-option.c, opts_do_parse and get_opt_name_value, QEMU 7.2):

- Parameters are separated by single commas; `,,` inside a value is one literal comma.
- A key is everything before the first `=` or `,`; keys have no escaping at all.
- Only the FIRST parameter may omit its key, and only if no `=` comes before its first
  single comma: then it is the value of the option's implied key (`-netdev tap,…` means
  type=tap). An `=` there makes it an ordinary `key=value` instead; that is how a value
  could smuggle in a key.
- Without an implied key, a parameter with no `=` is a flag: `foo` is foo=on and `nofoo`
  is foo=off.

-device, -object and -netdev also come as JSON (an argument starting with `{`, QEMU 6.0+
for -object, 7.0+ for -device, 7.2+ for -netdev): `option_dict` reads either form.
"""
from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Tuple

# QEMU 7.2's implied first key per option that takes `key=value,…` (None: it has none), for
# the options virtc and libvirt emit (qemu-options.hx; -cpu's first word is its model,
# -audiodev's its driver, as their JSON forms name them).
IMPLIED: Dict[str, Optional[str]] = {
    "-netdev": "type", "-net": "type", "-chardev": "backend", "-device": "driver",
    "-machine": "type", "-M": "type", "-display": "type", "-vnc": "vnc", "-boot": "order",
    "-name": "guest", "-m": "size", "-smp": "cpus", "-drive": None, "-rtc": None,
    "-action": None, "-object": "qom-type", "-accel": "accel", "-cpu": "model",
    "-numa": "type", "-audiodev": "driver", "-tpmdev": "type", "-fsdev": "fsdriver",
    "-spice": None, "-blockdev": None, "-overcommit": None, "-smbios": None,
    "-acpitable": "data", "-mon": "chardev",
}
# Options whose argument QEMU uses as a whole: a path, a command line, a name.
# (-global: `driver.property=value`, the value taken whole.)
RAW = {"-kernel", "-initrd", "-append", "-hda", "-hdb", "-hdc", "-hdd", "-cdrom", "-fda",
       "-fdb", "-k", "-uuid", "-serial", "-parallel", "-usbdevice", "-vga", "-monitor",
       "-L", "-bios", "-global", "-dtb", "-mem-path", "-soundhw", "-watchdog-action"}


def _value(text: str, i: int) -> Tuple[str, int]:
    """Read a value from `i` up to a single comma; return it and the index after the comma."""
    out: List[str] = []
    while i < len(text):
        if text[i] == ",":
            if text.startswith(",,", i):
                out.append(",")
                i += 2
                continue
            return "".join(out), i + 1
        out.append(text[i])
        i += 1
    return "".join(out), i


def parse_opts(text: str, implied: Optional[str] = None) -> List[Tuple[str, str]]:
    """Split `text` the way QEMU does; returns (key, value) pairs in order."""
    pairs: List[Tuple[str, str]] = []
    i = 0
    first = True
    while i < len(text):
        cut = min((p for p in (text.find("=", i), text.find(",", i)) if p >= 0),
                  default=len(text))
        if cut == len(text) or text[cut] != "=":
            if first and implied is not None:
                value, i = _value(text, i)
                pairs.append((implied, value))
            else:
                name, i = text[i:cut], cut + 1
                if name.startswith("no"):
                    pairs.append((name[2:], "off"))
                else:
                    pairs.append((name, "on"))
        else:
            key = text[i:cut]
            value, i = _value(text, cut + 1)
            pairs.append((key, value))
        first = False
    return pairs


def split_argv(argv: List[str]) -> List[Tuple[str, Optional[str]]]:
    """`[emulator, -flag, value, -switch, …]` → [(flag, value or None)], using the
    options virtc emits: a flag takes an argument iff it is in IMPLIED or RAW."""
    out: List[Tuple[str, Optional[str]]] = []
    i = 1
    while i < len(argv):
        flag = argv[i]
        if flag in IMPLIED or flag in RAW:
            out.append((flag, argv[i + 1]))
            i += 2
        else:
            out.append((flag, None))
            i += 1
    return out


def option_dict(flag: str, text: str) -> Dict[str, Any]:
    """One option's argument as a dict in either spelling. JSON keeps its types; its head
    key is the implied key of the key=value form (-device "driver", -object "qom-type",
    -netdev "type"), and key=value gives strings. So a test that reads virtc's or
    libvirt's argv sees the same keys whichever form the dialect writes."""
    if text.startswith("{"):
        return dict(json.loads(text))
    return dict(parse_opts(text, IMPLIED.get(flag)))


def options(argv: List[str], flag: str) -> List[Dict[str, Any]]:
    """Every `flag` option of argv, read by option_dict."""
    return [option_dict(flag, v) for f, v in split_argv(argv) if f == flag and v is not None]
