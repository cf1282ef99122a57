"""The one serializer: structured options → argv strings.

Builders return `Option`s holding either `Opts` (QEMU's key=value,… syntax) or `Raw`
(an argument QEMU takes verbatim, such as -kernel PATH or -append TEXT). This module is the
only place that doubles commas and spells booleans, so no builder can get escaping wrong.
"""
from __future__ import annotations

from typing import Iterable, List, Optional, Sequence, Tuple, Union

from ...compiler.diagnostics import Diagnostics, Span
from ...compiler.ir import NOWHERE
from ...compiler.rules.codes import QEMU302
from .dialects import Cap, Dialect
from ...compiler.node import Node

Scalar = Union[str, int, bool]


class Opts(Node):
    """`head,key=value,…`. `head` is QEMU's implied first value (a driver, a display…)."""

    head: Optional[str] = None
    props: Tuple[Tuple[str, Scalar], ...] = ()

    @staticmethod
    def of(head: Optional[str], *pairs: Tuple[str, Optional[Scalar]]) -> "Opts":
        """Pairs whose value is None are left out: an absent setting, not an empty one."""
        return Opts(head, tuple((k, v) for k, v in pairs if v is not None))

    def get(self, key: str) -> Optional[Scalar]:
        return next((v for k, v in self.props if k == key), None)


class Raw(Node):
    """An argument QEMU does not split on commas."""

    text: str


class Option(Node):
    flag: str                                   # e.g. "-drive"
    value: Union[Opts, Raw, None] = None        # None: a bare switch such as -no-reboot
    span: Span = NOWHERE                        # the IR node it came from, for diagnostics
    # Where single values came from, when that is more exact than `span`: (key, span)
    # pairs, e.g. ("file", <source>); a diagnostic about that key's value points there.
    key_spans: Tuple[Tuple[str, Span], ...] = ()

    def span_of(self, key: Optional[str]) -> Span:
        return next((s for k, s in self.key_spans if k == key and s != NOWHERE), self.span)


def _escape(text: str) -> str:
    # QEMU's option parser reads ",," as a literal comma inside any value.
    return text.replace(",", ",,")


def _scalar(key: str, value: Scalar, dialect: Dialect) -> str:
    if isinstance(value, bool):
        if dialect.has(Cap.ONOFF_BOOLEANS):
            return f"{key}={'on' if value else 'off'}"
        # Pre-QemuOpts parsers only knew the bare form: "server", "nowait".
        return key if value else f"no{key}"
    return f"{key}={_escape(str(value))}"


def _bad_char(text: str, allow_newline: bool) -> Optional[str]:
    if "\0" in text:
        return "a NUL byte"
    if not allow_newline and ("\n" in text or "\r" in text):
        return "a line break"
    return None


def render_value(option: Option, dialect: Dialect, diags: Diagnostics) -> Optional[str]:
    value = option.value
    if isinstance(value, Raw):
        bad = _bad_char(value.text, allow_newline=True)
        if bad:
            _cannot_carry(option, value.text, bad, diags)
            return None
        return value.text
    assert isinstance(value, Opts)
    parts: List[str] = []
    texts = ([(None, value.head)] if value.head is not None else []) + [
        (k, str(v)) for k, v in value.props if not isinstance(v, bool)]
    for key, text in texts:
        bad = _bad_char(text, allow_newline=False)
        if bad:
            _cannot_carry(option, text, bad, diags, key)
            return None
    if value.head is not None:
        # QEMU takes the first value as the implied key's only if no "=" precedes its first
        # comma; otherwise "a=b" would become key a, and nothing can escape an "=".
        if "=" in value.head.split(",", 1)[0]:
            _cannot_carry(option, value.head, "an '=' before any comma", diags)
            return None
        parts.append(_escape(value.head))
    parts.extend(_scalar(k, v, dialect) for k, v in value.props)
    return ",".join(parts)


def _cannot_carry(option: Option, text: str, what: str, diags: Diagnostics,
                  key: Optional[str] = None) -> None:
    diags.add(QEMU302, f"value {text!r} for QEMU option {option.flag} contains {what},"
              " which a QEMU command line cannot carry", option.span_of(key),
              "remove line breaks and NUL bytes (and an '=' at the start of an option) from"
              " the value")


def render(options: Iterable[Option], dialect: Dialect, diags: Diagnostics) -> Optional[List[str]]:
    """Flatten options into argv words; None if any value could not be carried."""
    argv: List[str] = []
    ok = True
    for option in options:
        argv.append(option.flag)
        if option.value is None:
            continue
        text = render_value(option, dialect, diags)
        if text is None:
            ok = False
        else:
            argv.append(text)
    return argv if ok else None


def flags_of(options: Sequence[Option]) -> List[str]:
    return [o.flag for o in options]
