"""The rule registry: every diagnostic code, its family, default severity and doc.

Codes are stable and never reused. Family prefixes: XML0xx parse, XSD1xx schema,
SEM2xx semantic, QEMU3xx QEMU backend, XEN4xx Xen backend, CAP5xx capabilities.
Each family's rules live in their own module here, as plain data.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional

from ..diagnostics import Severity


@dataclass(frozen=True)
class Rule:
    """One diagnostic code and its documentation (what, why, example, fix)."""

    code: str
    name: str            # kebab-case, e.g. "mcast-address-not-multicast"
    severity: Severity
    summary: str         # one line
    why: str             # why it matters
    example: str         # a short XML (or CLI) example that triggers it
    fix: str             # what to do

    @property
    def family(self) -> str:
        return _family_of(self.code)


_FAMILY_NAMES = {
    "XML": "parse",
    "XSD": "schema",
    "SEM": "semantic",
    "QEMU": "qemu",
    "XEN": "xen",
    "CAP": "capabilities",
}


def _family_of(code: str) -> str:
    prefix = code.rstrip("0123456789")
    return _FAMILY_NAMES.get(prefix, "other")


_REGISTRY: Optional[Dict[str, Rule]] = None


def registry() -> Dict[str, Rule]:
    global _REGISTRY
    if _REGISTRY is None:
        from . import capabilities, external, parse, schema, semantic, qemu, xen

        table: Dict[str, Rule] = {}
        for module in (parse, schema, external, semantic, qemu, xen, capabilities):
            for rule in module.RULES:
                if rule.code in table:
                    raise RuntimeError(f"duplicate rule code {rule.code}")
                table[rule.code] = rule
        _REGISTRY = dict(sorted(table.items()))
    return _REGISTRY


def get(code: str) -> Optional[Rule]:
    return registry().get(code)


def lookup(key: str) -> Optional[Rule]:
    """A rule by code (any case) or by name, as a user types it on the command line."""
    table = registry()
    rule = table.get(key.strip().upper())
    if rule is None:
        rule = next((r for r in table.values() if r.name == key.strip().lower()), None)
    return rule


def suggest(key: str, limit: int = 3) -> List[str]:
    """Codes whose code or name is close to `key`, best first, for a did-you-mean."""
    import difflib

    table = registry()
    key = key.strip()
    by_code = difflib.get_close_matches(key.upper(), list(table), n=limit, cutoff=0.6)
    names = {r.name: r.code for r in table.values()}
    by_name = [names[n] for n in difflib.get_close_matches(key.lower(), list(names), n=limit,
                                                             cutoff=0.6)]
    found: List[str] = []
    for code in by_code + by_name:
        if code not in found:
            found.append(code)
    return found[:limit]


def default_severity(code: str) -> Severity:
    rule = registry().get(code)
    if rule is None:
        raise KeyError(f"unregistered diagnostic code {code}")
    return rule.severity
