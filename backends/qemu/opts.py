"""The one serializer: structured options → argv strings.

Builders return `Option`s holding either `Opts` (QEMU's key=value,… syntax) or `Raw`
(an argument QEMU takes verbatim, such as -kernel PATH or -append TEXT). This module is the
only place that doubles commas and spells booleans, so no builder can get escaping wrong.

Where the dialect spells -device, -object or -netdev as JSON (Cap.DEVICE_JSON, …), the same
`Opts` become one JSON object, written by json.dumps: the head is "driver", "qom-type" or
"type", and each value takes the JSON type QEMU's parser wants for that property (an
integer, a boolean or a string), looked up in json_types.py, generated from QEMU itself.
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from ...compiler.diagnostics import Diagnostics, Span
from ...compiler.ir import NOWHERE
from ...compiler.rules.codes import QEMU302, QEMU440
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


class Json(Node):
    """A JSON object argument, `{"driver":"file",…}`, as libvirt writes -blockdev: ordered
    pairs whose values are scalars or nested `Json` objects. Rendered with JSON's own
    escaping (render_value), so no comma is doubled."""

    props: Tuple[Tuple[str, object], ...] = ()

    @staticmethod
    def of(*pairs: Tuple[str, object]) -> "Json":
        """Pairs whose value is None are left out, as in Opts.of."""
        return Json(tuple((k, v) for k, v in pairs if v is not None))

    def get(self, key: str) -> object:
        return next((v for k, v in self.props if k == key), None)

    def plain(self) -> dict:
        return {k: _plain(v) for k, v in self.props}

    def strings(self):
        for _, v in self.props:
            yield from _json_strings(v)


def _plain(value):
    if isinstance(value, Json):
        return value.plain()
    if isinstance(value, tuple):            # a JSON array
        return [_plain(v) for v in value]
    return value


def _json_strings(value):
    if isinstance(value, Json):
        yield from value.strings()
    elif isinstance(value, tuple):
        for v in value:
            yield from _json_strings(v)
    elif isinstance(value, str):
        yield value


class Option(Node):
    flag: str                                   # e.g. "-drive"
    value: Union[Opts, Raw, Json, None] = None        # None: a bare switch such as -no-reboot
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


# The options QEMU also reads as JSON: the flag, the dialect's cap, the head's key, and the
# json_types table that types the values.
JSON_FORMS: Dict[str, Tuple[Cap, str, str]] = {
    "-device": (Cap.DEVICE_JSON, "driver", "DEVICE"),
    "-object": (Cap.OBJECT_JSON, "qom-type", "OBJECT"),
    "-netdev": (Cap.NETDEV_JSON, "type", "NETDEV"),
}


def render_value(option: Option, dialect: Dialect, diags: Diagnostics) -> Optional[str]:
    value = option.value
    form = JSON_FORMS.get(option.flag)
    if (form is not None and dialect.has(form[0]) and isinstance(value, Opts)
            and value.head is not None):
        return _render_typed(option, value, form[1], form[2], diags)
    if isinstance(value, Raw):
        bad = _bad_char(value.text, allow_newline=True)
        if bad:
            _cannot_carry(option, value.text, bad, diags)
            return None
        return value.text
    if isinstance(value, Json):
        return _render_json(option, value, diags)
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


def _render_typed(option: Option, value: Opts, head_key: str, table_name: str,
                 diags: Diagnostics) -> Optional[str]:
    """One JSON object, each value in the type QEMU reads for its property. No comma
    doubling: QEMU hands an argument that starts with '{' to its JSON parser."""
    import json
    from . import json_types

    assert value.head is not None
    table: Dict[str, Dict[str, str]] = getattr(json_types, table_name)
    kinds = table.get(value.head)          # None: a driver this QEMU's table doesn't know
    out: Dict[str, Any] = {head_key: value.head}
    for key, raw in value.props:
        kind = "" if kinds is None else kinds.get(key, "s")
        if kind in ("L", "l"):
            item = ({"str": str(raw)} if kind == "L" else _json_scalar(raw, "i"))
            out.setdefault(key, []).append(item)
            continue
        typed = _json_scalar(raw, kind)
        if typed is None or key in out:
            why = ("given twice" if key in out else
                   f"not {'an integer' if kind == 'i' else 'a boolean'}")
            diags.add(QEMU440, f"{option.flag} {value.head}: property {key!r} value {raw!r}"
                      f" is {why}, which QEMU's JSON syntax can't carry",
                      option.span_of(key), "give the value as QEMU's property type expects"
                      " it, or use a dialect without JSON (a plain X.Y --qemu-version)")
            return None
        out[key] = typed
    for text in [value.head] + [str(v) for v in _strings(out)]:
        if "\0" in text:
            _cannot_carry(option, text, "a NUL byte", diags)
            return None
    return json.dumps(out, ensure_ascii=False, separators=(",", ":"))


def _strings(obj: Any) -> Iterable[str]:
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _strings(v)


_TRUE = {"on": True, "yes": True, "true": True, "off": False, "no": False, "false": False}
_SIZE_UNITS = "KMGTPE"


def _json_scalar(value: Scalar, kind: str) -> Union[str, int, bool, None]:
    """`value` as JSON type `kind` (json_types codes; "" keeps the builder's type);
    None when it has no such form."""
    if kind == "":
        return value
    if kind == "b":
        if isinstance(value, bool):
            return value
        return _TRUE.get(str(value).strip().lower())
    if kind == "i":
        if isinstance(value, bool):
            return None
        return value if isinstance(value, int) else _parse_int(value)
    if isinstance(value, bool):             # strings and enums (OnOffAuto): QEMU's words
        return "on" if value else "off"
    return str(value)                       # "s" and "a" (a PCI address stays "0x2.0x1")


def _parse_int(text: str) -> Optional[int]:
    """An integer as QEMU's key=value parser reads it: decimal, 0x hex, or a size with a
    K/M/G/T/P/E suffix (powers of 1024), which JSON must give in bytes."""
    import re

    text = text.strip()
    match = re.fullmatch(r"(-?)(0[xX][0-9a-fA-F]+|\d+)([kKMGTPE]?)[bB]?", text)
    if not match:
        return None
    sign, digits, unit = match.groups()
    number = int(digits, 16) if digits[:2].lower() == "0x" else int(digits, 10)
    if unit:
        number *= 1024 ** (_SIZE_UNITS.index(unit.upper()) + 1)
    return -number if sign else number


def _render_json(option: Option, value: Json, diags: Diagnostics) -> Optional[str]:
    import json

    for text in value.strings():
        if "\0" in text:     # JSON could spell it, but QEMU's parser refuses \u0000
            _cannot_carry(option, text, "a NUL byte", diags)
            return None
    return json.dumps(value.plain(), separators=(",", ":"), ensure_ascii=False)


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
