"""Every diagnostic code as a constant that carries its severity.

A call site names the rule it reports: `diags.add(SEM218, message, span, hint)`. The
severity comes with the code and no caller can change it; a misspelled code is an
ImportError when the module loads, not a lookup that fails on some later run.

This module imports nothing of virtc but compiler/node.py (for `Choice`), so every stage can use it (the diagnostics model
included) and it stays cheap to load: the documentation of each rule (name, why, example,
fix) is in the family modules beside it (and in the device families' `rules()`), which only
`virtc rules`, `virtc rule CODE` and the report renderers load. tests/test_rules_registry.py checks that both list the same codes.

Codes are never reused. A retired code has no constant here (so nothing can report it);
its doc stays in the registry, marked retired: QEMU312 and XEN417 (the backends' second
check of what SEM201 and SEM220 report), SEM212 (xl needs no HVM <loader>; XEN419 for xm).
"""
from __future__ import annotations

from ..node import Choice


_BY_CODE: dict[str, "Code"] = {}


class Severity(Choice):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Code:
    """A diagnostic code and the one severity it is always reported with.

    Each constant registers itself, so that `by_code` finds it: the ones below and those a
    device family declares in its own module (compiler/devices/<family>.py). Defining a code
    twice with two severities is an error as soon as the second module loads.
    """

    __slots__ = ("code", "severity")

    def __init__(self, code: str, severity: Severity) -> None:
        known = _BY_CODE.get(code)
        if known is not None and known.severity is not severity:
            raise ValueError(f"{code} is already a code of severity {known.severity.value}")
        self.code = code
        self.severity = severity
        _BY_CODE.setdefault(code, self)

    def __str__(self) -> str:
        return self.code

    # Equal to its own code as a string, so constants and strings mix while older callers
    # still pass strings (a table keyed by one is read with the other).
    def __eq__(self, other: object) -> bool:
        if isinstance(other, Code):
            return self.code == other.code
        if isinstance(other, str):
            return self.code == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.code)

    def __repr__(self) -> str:
        return f"<{self.code} {self.severity.value}>"


E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO

# XML0xx: parse
XML001 = Code("XML001", E)
XML002 = Code("XML002", E)
XML003 = Code("XML003", E)
XML004 = Code("XML004", E)
XML005 = Code("XML005", E)
XML006 = Code("XML006", E)
XML007 = Code("XML007", E)
XML008 = Code("XML008", E)
XML009 = Code("XML009", E)

# XSD1xx: schema
XSD101 = Code("XSD101", E)
XSD102 = Code("XSD102", E)
XSD103 = Code("XSD103", E)
XSD104 = Code("XSD104", E)
XSD105 = Code("XSD105", E)
XSD106 = Code("XSD106", E)
XSD107 = Code("XSD107", E)
XSD108 = Code("XSD108", E)
XSD109 = Code("XSD109", E)

# SEM2xx: semantic
SEM201 = Code("SEM201", E)
SEM202 = Code("SEM202", E)
SEM203 = Code("SEM203", E)
SEM204 = Code("SEM204", E)
SEM205 = Code("SEM205", E)
SEM206 = Code("SEM206", E)
SEM207 = Code("SEM207", E)
SEM208 = Code("SEM208", E)
SEM209 = Code("SEM209", E)
SEM210 = Code("SEM210", E)
SEM211 = Code("SEM211", E)
SEM213 = Code("SEM213", E)
SEM214 = Code("SEM214", E)
SEM215 = Code("SEM215", W)
SEM216 = Code("SEM216", E)
SEM218 = Code("SEM218", W)
SEM219 = Code("SEM219", E)
SEM220 = Code("SEM220", E)
SEM221 = Code("SEM221", W)
SEM222 = Code("SEM222", E)
SEM223 = Code("SEM223", E)
SEM224 = Code("SEM224", E)
SEM290 = Code("SEM290", E)

# QEMU3xx and QEMU4xx: qemu (device families declare more in compiler/devices/)
QEMU301 = Code("QEMU301", E)
QEMU302 = Code("QEMU302", E)
QEMU303 = Code("QEMU303", E)
QEMU304 = Code("QEMU304", W)
QEMU305 = Code("QEMU305", W)
QEMU306 = Code("QEMU306", W)
QEMU307 = Code("QEMU307", I)
QEMU308 = Code("QEMU308", W)
QEMU309 = Code("QEMU309", E)
QEMU310 = Code("QEMU310", E)
QEMU311 = Code("QEMU311", W)
QEMU313 = Code("QEMU313", E)
QEMU314 = Code("QEMU314", I)
QEMU315 = Code("QEMU315", E)
QEMU316 = Code("QEMU316", W)
QEMU317 = Code("QEMU317", I)
QEMU318 = Code("QEMU318", I)
QEMU319 = Code("QEMU319", I)
QEMU320 = Code("QEMU320", E)
QEMU321 = Code("QEMU321", W)
QEMU323 = Code("QEMU323", E)
QEMU390 = Code("QEMU390", I)
QEMU360 = Code("QEMU360", I)
QEMU440 = Code("QEMU440", E)

# XEN4xx: xen
XEN401 = Code("XEN401", E)
XEN402 = Code("XEN402", E)
XEN403 = Code("XEN403", E)
XEN404 = Code("XEN404", I)
XEN405 = Code("XEN405", I)
XEN406 = Code("XEN406", E)
XEN407 = Code("XEN407", E)
XEN408 = Code("XEN408", E)
XEN409 = Code("XEN409", W)
XEN410 = Code("XEN410", W)
XEN411 = Code("XEN411", E)
XEN412 = Code("XEN412", W)
XEN413 = Code("XEN413", W)
XEN414 = Code("XEN414", E)
XEN415 = Code("XEN415", W)
XEN416 = Code("XEN416", W)
XEN418 = Code("XEN418", W)
XEN419 = Code("XEN419", E)
XEN420 = Code("XEN420", E)
XEN421 = Code("XEN421", I)
XEN422 = Code("XEN422", E)
XEN423 = Code("XEN423", W)
XEN424 = Code("XEN424", E)
XEN425 = Code("XEN425", E)
XEN426 = Code("XEN426", W)
XEN427 = Code("XEN427", E)
XEN428 = Code("XEN428", W)
XEN429 = Code("XEN429", E)
XEN430 = Code("XEN430", E)
XEN431 = Code("XEN431", W)
XEN432 = Code("XEN432", E)
XEN433 = Code("XEN433", W)
XEN440 = Code("XEN440", E)
XEN441 = Code("XEN441", W)
XEN460 = Code("XEN460", E)
XEN461 = Code("XEN461", E)
XEN462 = Code("XEN462", W)
XEN463 = Code("XEN463", W)
XEN470 = Code("XEN470", E)
# XEN500-509: Xen controllers (backends/xen/devices/controller.py) and the device model
XEN500 = Code("XEN500", E)
XEN501 = Code("XEN501", E)
XEN502 = Code("XEN502", W)
XEN503 = Code("XEN503", E)

# RUN6xx: `virtc run`, preparing the host
RUN601 = Code("RUN601", E)
RUN602 = Code("RUN602", E)
RUN603 = Code("RUN603", E)
RUN604 = Code("RUN604", E)
RUN605 = Code("RUN605", E)
RUN606 = Code("RUN606", E)
RUN607 = Code("RUN607", E)

# <os>, firmware and <sysinfo> (compiler/guest_os.py; docs in rules/guest_os.py)
SEM280 = Code("SEM280", E)
QEMU350 = Code("QEMU350", E)
QEMU351 = Code("QEMU351", E)
QEMU352 = Code("QEMU352", E)
QEMU353 = Code("QEMU353", E)
XEN450 = Code("XEN450", E)
XEN451 = Code("XEN451", E)
XEN452 = Code("XEN452", E)

# CAP5xx: capabilities
CAP501 = Code("CAP501", E)
CAP502 = Code("CAP502", E)
CAP503 = Code("CAP503", E)
CAP504 = Code("CAP504", E)
CAP505 = Code("CAP505", E)
CAP506 = Code("CAP506", E)
CAP507 = Code("CAP507", E)
CAP510 = Code("CAP510", W)
CAP511 = Code("CAP511", W)
CAP512 = Code("CAP512", W)


def by_code(code: str) -> Code:
    """The constant for a code spelled as a string (older callers). A family's own codes are
    found once its module is imported, which happens before any of its nodes exist."""
    try:
        return _BY_CODE[code]
    except KeyError:
        raise KeyError(f"unregistered diagnostic code {code}") from None


def all_codes() -> dict[str, Code]:
    """Every code defined so far: these, and those of the device families imported."""
    return dict(_BY_CODE)
