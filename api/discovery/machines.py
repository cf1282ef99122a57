"""An emulator's machine types: names and aliases from `-machine help`, CPU limits from QMP.

`-machine help` prints one machine a line, e.g.

    pc                   Standard PC (i440FX + PIIX, 1996) (alias of pc-i440fx-7.2)
    pc-i440fx-7.2        Standard PC (i440FX + PIIX, 1996) (default)

libvirt lists the machine an alias stands for, then the alias with canonical=…, and puts
the default machine first: the first machine listed is the one a domain without
machine= gets.
"""
from __future__ import annotations

import json
import re
from typing import Dict, List, Optional, Tuple

from ..compiler.capabilities.ir import Machine
from .run import ProbeError, run_bounded
from ..compiler.node import Node

_ALIAS = re.compile(r"\(alias of ([^)\s]+)\)")


class HelpLine(Node):
    name: str
    alias_of: Optional[str]
    default: bool
    deprecated: bool


def parse_machine_help(text: str) -> List[HelpLine]:
    lines = text.splitlines()
    start = next((i for i, l in enumerate(lines) if l.strip().lower().startswith("supported machines")),
                 None)
    if start is None:
        raise ProbeError("`-machine help` printed no \"Supported machines are:\" list")
    out = []
    for line in lines[start + 1:]:
        if not line.strip() or line[0].isspace():
            continue
        name, _, desc = line.strip().partition(" ")
        alias = _ALIAS.search(desc)
        out.append(HelpLine(name, alias.group(1) if alias else None,
                            "(default)" in desc, "(deprecated)" in desc))
    if not out:
        raise ProbeError("`-machine help` listed no machines")
    return out


def order_machines(entries: List[HelpLine], max_cpus: Dict[str, int]) -> Tuple[Machine, ...]:
    """Canonical machines before their aliases, the default machine and its aliases first."""
    by_name = {e.name: e for e in entries}
    default = next((e.name for e in entries if e.default), None)
    if default and by_name[default].alias_of:
        default = by_name[default].alias_of
    canonical = [e for e in entries if not e.alias_of]
    if default:
        canonical.sort(key=lambda e: e.name != default)   # stable: help order otherwise
    aliases: Dict[str, List[HelpLine]] = {}
    for e in entries:
        if e.alias_of:
            aliases.setdefault(e.alias_of, []).append(e)
    out: List[Machine] = []
    for e in canonical:
        out.append(Machine(e.name, max_cpus=max_cpus.get(e.name), deprecated=e.deprecated))
        for a in aliases.pop(e.name, []):
            out.append(Machine(a.name, canonical=e.name, max_cpus=max_cpus.get(e.name),
                               deprecated=e.deprecated))
    for target, rest in aliases.items():    # an alias of a machine help did not list
        out += [Machine(a.name, canonical=target, max_cpus=max_cpus.get(target)) for a in rest]
    return tuple(out)


def machine_help(emulator: str, timeout: float) -> List[HelpLine]:
    return parse_machine_help(run_bounded([emulator, "-machine", "help"], timeout).stdout)


_QMP_INPUT = "\n".join(json.dumps({"execute": c}) for c in
                       ("qmp_capabilities", "query-machines", "quit")) + "\n"


def machine_cpu_limits(emulator: str, timeout: float) -> Dict[str, int]:
    """name → cpu-max from QMP `query-machines` (what libvirt reports as maxCpus)."""
    out = run_bounded([emulator, "-machine", "none", "-display", "none", "-nodefaults",
                       "-no-user-config", "-qmp", "stdio"], timeout, stdin=_QMP_INPUT).stdout
    for line in out.splitlines():
        try:
            reply = json.loads(line)
        except ValueError:
            continue
        result = reply.get("return") if isinstance(reply, dict) else None
        if isinstance(result, list):
            return {m["name"]: int(m["cpu-max"]) for m in result
                    if isinstance(m, dict) and "name" in m and "cpu-max" in m}
    raise ProbeError("QMP query-machines gave no answer")


def emulator_aliases(emulator: str, timeout: float = 5.0) -> Optional[Dict[str, str]]:
    """alias → machine from `EMULATOR -machine help` (compiler/postparse/machine.py, rule 3),
    cached per binary by (realpath, mtime, size) as the version probe is; None when the
    emulator can't be run or lists nothing."""
    import os

    from ..backends.qemu.dialects import _read_cache, _write_cache

    try:
        real = os.path.realpath(emulator)
        st = os.stat(real)
    except OSError:
        return None
    key = f"{real}|{st.st_mtime_ns}|{st.st_size}"
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = os.path.join(base, "virtc", "qemu-machine-aliases.json")
    cache = _read_cache(path)
    if isinstance(cache.get(key), dict):
        return cache[key]
    try:
        lines = machine_help(real, timeout)
    except ProbeError:
        return None
    aliases = {line.name: line.alias_of for line in lines if line.alias_of}
    cache[key] = aliases
    _write_cache(path, cache)
    return aliases
