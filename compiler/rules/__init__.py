"""The rule registry: every diagnostic code, its family, severity and doc.

Codes are stable and never reused. Family prefixes: XML0xx parse, XSD1xx schema,
SEM2xx semantic, QEMU3xx-4xx QEMU backend, XEN4xx-5xx Xen backend, CAP5xx capabilities,
RUN6xx `virtc run` (preparing the host).
The code constants and their severities are in `codes` (what call sites import); each
family's docs live in their own module here, as plain data, loaded only on demand.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Union

from .codes import Code, Severity, by_code


class Rule:
    """One diagnostic code and its documentation (what, why, example, fix).

    A retired rule (`retired` says why and what replaced it) is no longer reported; it
    stays documented so that the code is never given another meaning.
    """

    __slots__ = ("code", "severity", "name", "summary", "why", "example", "fix", "retired")

    def __init__(self, code: Union[Code, str], name: str, *text: str, retired: str = "") -> None:
        if isinstance(code, Code):
            self.code, self.severity = code.code, code.severity
        else:
            # Rule("SEM225", name, Severity.ERROR, summary, …), the spelling of a retired
            # rule (which has no constant) and of older callers; an active rule's severity
            # must agree with its constant (tests/test_rules_registry.py).
            self.code = code
            self.severity, *text = text
        summary, why, example, fix = text
        self.name = name          # kebab-case, e.g. "mcast-address-not-multicast"
        self.summary = summary    # one line
        self.why = why            # why it matters
        self.example = example    # a short XML (or CLI) example that triggers it
        self.fix = fix            # what to do
        self.retired = retired

    @property
    def family(self) -> str:
        return _family_of(self.code)

    def __repr__(self) -> str:
        return f"Rule({self.code}, {self.name!r})"


_FAMILY_NAMES = {
    "XML": "parse",
    "XSD": "schema",
    "SEM": "semantic",
    "QEMU": "qemu",
    "XEN": "xen",
    "CAP": "capabilities",
    "RUN": "run",
}


def _family_of(code: str) -> str:
    prefix = code.rstrip("0123456789")
    return _FAMILY_NAMES.get(prefix, "other")


_REGISTRY: Optional[Dict[str, Rule]] = None


def registry() -> Dict[str, Rule]:
    """Every documented code, retired ones included, in code order."""
    global _REGISTRY
    if _REGISTRY is None:
        from ..devices import all_families, rules as declared
        from . import capabilities, external, parse, run, schema, semantic, qemu, xen
        from . import guest_os
        from ..platform import rules as platform_rules

        table: Dict[str, Rule] = {}
        # Each device family declares its own rules (compiler/devices/<family>.py rules()).
        sources = [m.RULES for m in (parse, schema, external, semantic, qemu, xen, capabilities,
                                     run, guest_os)]
        sources += [declared(family) for family in all_families()]
        from .. import memory       # the domain's memory elements (compiler/memory.py)

        sources.append(memory.rules())
        sources.append(platform_rules())    # compiler/platform/<module>.py rules()
        for rules in sources:
            for rule in rules:
                if rule.code in table:
                    raise RuntimeError(f"duplicate rule code {rule.code}")
                table[rule.code] = rule
        _REGISTRY = dict(sorted(table.items()))
    return _REGISTRY


def active() -> Dict[str, Rule]:
    """The codes virtc can report: the registry without its retired rules."""
    return {code: rule for code, rule in registry().items() if not rule.retired}


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
    """The severity of a code given as a string. Raises KeyError for an unknown code."""
    return by_code(code).severity
