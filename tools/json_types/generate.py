"""Write backends/qemu/json_types.py: the JSON type QEMU expects for each property that virtc
may give in JSON -device, -object and -netdev arguments, asked of the installed QEMU.

    python tools/json_types/generate.py [--emulator qemu-system-x86_64]

QEMU parses a JSON -device against the device's QOM properties (device_add takes any
property, 'gen': false in qapi/qdev.json), so their types come from `device-list-properties`
for every non-abstract device type, and for each alias `-device help` lists ("lsi"). A JSON -object and -netdev are parsed against QAPI's
ObjectOptions and Netdev unions (`object-add` and `netdev_add` in `query-qmp-schema`).

Codes: "i" a JSON integer (every integer type and QEMU's size), "b" a JSON boolean,
"a" a PCI address ("0x2.0x1": QEMU's pci-devfn property reads a string or a devfn number,
and a number would mean slot*8+function), "L" a list of {"str": …} (QAPI's ['String'], as
netdev user's hostfwd), "l" a list of integers. Properties of any other type (strings, enums,
links) are left out: a string is the default. Every device type is listed, so that a driver
missing from the table is known to be one this QEMU lacks.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import subprocess
import sys
from typing import Any, Dict, List

OUT = pathlib.Path(__file__).resolve().parents[2] / "backends" / "qemu" / "json_types.py"
INTEGERS = {"int", "int8", "int16", "int32", "int64", "uint4", "uint8", "uint16", "uint32",
            "uint64", "size"}


class Qmp:
    def __init__(self, emulator: str):
        self.proc = subprocess.Popen(
            [emulator, "-machine", "none", "-nodefaults", "-display", "none", "-qmp", "stdio"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self._reply()
        self.call("qmp_capabilities")

    def _reply(self) -> Dict[str, Any]:
        assert self.proc.stdout is not None
        while True:
            msg = json.loads(self.proc.stdout.readline())
            if "event" not in msg:
                return msg

    def call(self, command: str, **args: Any) -> Any:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"execute": command, "arguments": args}) + "\n")
        self.proc.stdin.flush()
        reply = self._reply()
        if "error" in reply:
            raise RuntimeError(f"{command} {args}: {reply['error']['desc']}")
        return reply["return"]

    def close(self) -> None:
        self.call("quit")
        self.proc.wait(timeout=10)


def device_code(prop: Dict[str, Any]) -> str:
    if prop["type"] == "bool":
        return "b"
    if prop["type"] in INTEGERS:
        # pci-devfn is an int32 QOM property whose setter also reads "slot.function".
        return "a" if "Slot and optional function" in prop.get("description", "") else "i"
    return ""


def aliases(emulator: str) -> Dict[str, str]:
    """alias → device type, from `-device help` (`name "lsi53c895a", bus PCI, alias "lsi"`):
    QEMU takes either name, and virtc writes some aliases as libvirt does."""
    import re

    text = subprocess.run([emulator, "-device", "help"], capture_output=True, text=True,
                          check=True).stdout
    return {m.group(2): m.group(1)
            for m in re.finditer(r'name "([^"]+)",[^\n]*? alias "([^"]+)"', text)}


def devices(qmp: Qmp) -> Dict[str, Dict[str, str]]:
    out: Dict[str, Dict[str, str]] = {}
    for entry in qmp.call("qom-list-types", implements="device", abstract=False):
        name = entry["name"]
        if name.endswith("-cpu"):
            continue                 # CPU models are -cpu's, never a -device virtc writes
        codes = {p["name"]: device_code(p)
                 for p in qmp.call("device-list-properties", typename=name)}
        # Every device is listed, even with only string properties: a driver missing from
        # the table is one this QEMU doesn't have, whose values keep their own types.
        out[name] = {k: v for k, v in sorted(codes.items()) if v}
    return dict(sorted(out.items()))


class Schema:
    def __init__(self, entries: List[Dict[str, Any]]):
        self.by_name = {e["name"]: e for e in entries}

    def code(self, type_name: str) -> str:
        entry = self.by_name[type_name]
        meta = entry["meta-type"]
        if meta == "builtin":
            return {"int": "i", "boolean": "b"}.get(entry["json-type"], "")
        if meta == "array":
            element = self.by_name[entry["element-type"]]
            if element["meta-type"] == "builtin" and element["json-type"] == "int":
                return "l"
            members = [m["name"] for m in element.get("members", [])]
            return "L" if members == ["str"] else ""
        return ""

    def union(self, command: str) -> Dict[str, Dict[str, str]]:
        cmd = self.by_name[command]
        arg = self.by_name[cmd["arg-type"]]
        out: Dict[str, Dict[str, str]] = {}
        for variant in arg["variants"]:
            codes = {m["name"]: self.code(m["type"])
                     for m in self.members(variant["type"])}
            out[variant["case"]] = {k: v for k, v in sorted(codes.items()) if v}
        return dict(sorted(out.items()))

    def members(self, type_name: str) -> List[Dict[str, Any]]:
        entry = self.by_name[type_name]
        return list(entry.get("members", []))


def render(emulator: str) -> str:
    """The module's text, as asked of `emulator`."""
    version = subprocess.run([emulator, "--version"], capture_output=True, text=True,
                             check=True).stdout.splitlines()[0]
    qmp = Qmp(emulator)
    try:
        device_table = devices(qmp)
        for alias, name in aliases(emulator).items():
            if name in device_table:
                device_table[alias] = device_table[name]
        device_table = dict(sorted(device_table.items()))
        schema = Schema(qmp.call("query-qmp-schema"))
        object_table = schema.union("object-add")
        netdev_table = schema.union("netdev_add")
    finally:
        qmp.close()
    lines = [
        '"""The JSON type of each non-string property of QEMU\'s devices, objects and netdevs.',
        "",
        "GENERATED by `python tools/json_types/generate.py` from:",
        f"    {version}",
        "Do not edit; re-run the generator. Codes: i integer, b boolean, a PCI address",
        '(a string), L list of {"str": …}, l list of integers; any other property is a string.',
        '"""',
        "from typing import Dict",
        "",
    ]
    for name, table in (("DEVICE", device_table), ("OBJECT", object_table),
                        ("NETDEV", netdev_table)):
        lines.append(f"{name}: Dict[str, Dict[str, str]] = {{")
        for key, codes in table.items():
            lines.append(f"    {key!r}: {codes!r},")
        lines.append("}")
        lines.append("")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--emulator", default="qemu-system-x86_64")
    args = parser.parse_args()
    OUT.write_text(render(args.emulator), encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
