"""Explain why one element breaks the schema, in words a user can act on.

Works from xmlschema's component model (declared attributes, content models, facets), so
the explanations follow the .xsd files rather than a second copy of the vocabulary. Only
elements that xmlschema has already flagged are explained; see validate.py.
"""
from __future__ import annotations

import difflib
from typing import Any, Dict, List, Optional, Tuple

from lxml import etree

from . import cardinality
from .node import Node, replace
from .rules.codes import Code, XSD101, XSD102, XSD103, XSD104, XSD105, XSD106, XSD107

# Which <source> attribute names the thing an interface or disk of a given type points at.
_SOURCE_ATTR = {
    "interface": {"network": "network", "bridge": "bridge", "ethernet": "dev",
                  "mcast": "address", "server": "address", "client": "address"},
    "disk": {"file": "file", "block": "dev"},
}

_SOURCE_NOUN = {"network": "virtual network", "bridge": "host bridge", "dev": "host device",
                "address": "address", "file": "image file"}

_WORDS = {
    "positiveInteger": "a whole number greater than 0",
    "nonNegativeInteger": "a whole number, 0 or more",
    "integer": "a whole number",
    "int": "a whole number",
    "long": "a whole number",
}


class Finding(Node):
    code: Code
    elem: Any          # the lxml element the finding is about
    message: str
    hint: Optional[str] = None
    attr: Optional[str] = None    # about this attribute (lxml's key): point at its name
    in_text: bool = False         # about the element's text: point at the text


def qname(elem) -> str:
    """An element's name as written: prefix:local, never "{namespace}local"."""
    local = etree.QName(elem).localname
    return f"{elem.prefix}:{local}" if elem.prefix else local


def _attr_name(elem, key: str) -> str:
    if not key.startswith("{"):
        return key
    name = etree.QName(key)
    prefix = next((p for p, ns in elem.nsmap.items() if ns == name.namespace and p), None)
    return f"{prefix}:{name.localname}" if prefix else name.localname


def closest(word: str, candidates) -> Optional[str]:
    """The candidate a misspelling most likely meant, ignoring case; None if none is close."""
    by_lower = {c.lower(): c for c in candidates if c}   # wildcards (xs:any) have no name
    match = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[match[0]] if match else None


def _short(value: str, limit: int = 40) -> str:
    value = " ".join(value.split()) if value.strip() else value
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _one_of(values) -> str:
    return ", ".join(values)


def _describe(xtype) -> str:
    """What a simple type accepts, in plain words."""
    if getattr(xtype, "enumeration", None):
        return "one of " + _one_of(xtype.enumeration)
    t = xtype
    patterns = None
    while t is not None:
        if getattr(t, "local_name", None) in _WORDS:
            return _WORDS[t.local_name]
        # Text of a given form (<shmem name>, <qemu:env name>): "is not text" would be false
        patterns = patterns or getattr(getattr(t, "patterns", None), "regexps", None)
        if getattr(t, "min_length", None) or getattr(t, "local_name", None) in ("string",
                                                                                "token"):
            if patterns:
                return "text matching " + " or ".join(patterns)
            return "non-empty text" if getattr(t, "min_length", None) else "text"
        t = getattr(t, "base_type", None)
    return f"a valid {getattr(xtype, 'local_name', None) or 'value'}"


def _bad_value_hint(xtype, value: str, what: str) -> str:
    enum = getattr(xtype, "enumeration", None)
    if enum:
        guess = closest(value.strip(), enum)
        lead = f"did you mean '{guess}'? " if guess else ""
        return f"{lead}{what} takes one of: {_one_of(enum)}"
    return f"write {what} as {_describe(xtype)}"


def explain_element(elem, decl, homes: Dict[str, List[str]], index) -> List[Finding]:
    """Every schema problem of `elem` itself: its attributes, its text and its children.

    `index` (the document's positions.SourceIndex) places earlier elements a hint refers to.
    """
    return _attribute_findings(elem, decl) + _content_findings(elem, decl, homes, index)


# ------------------------------------------------------------------ attributes

def _source_context(elem) -> Tuple[str, Optional[str]]:
    """' in <interface type='network'>' and the attribute that type needs, for <source>."""
    parent = elem.getparent()
    if etree.QName(elem).localname != "source" or parent is None:
        return "", None
    table = _SOURCE_ATTR.get(parent.tag)
    kind = parent.get("type")
    if table is None or kind is None:
        return "", None
    return f" in <{parent.tag} type='{kind}'>", table.get(kind)


def _attribute_findings(elem, decl) -> List[Finding]:
    tag = qname(elem)
    declared = {name: a for name, a in decl.attributes.items() if name}
    present = set(elem.attrib.keys())
    free = [n for n in declared if n not in present]
    missing = [n for n, a in declared.items() if a.use == "required" and n not in present]
    out: List[Finding] = []
    claimed = set()
    for key, value in elem.attrib.items():
        name = _attr_name(elem, key)
        attr = declared.get(key)
        if attr is None:
            finding, meant = _unknown_attribute(elem, tag, name, value, free, missing)
            claimed.add(meant)
            out.append(replace(finding, attr=key))
        elif not attr.type.is_valid(value):
            code_msg = (f"invalid value '{_short(value)}' for attribute '{name}' of <{tag}>"
                        if getattr(attr.type, "enumeration", None) else
                        f"attribute {name}='{_short(value)}' of <{tag}> is not "
                        f"{_describe(attr.type)}")
            out.append(Finding(XSD103, elem, code_msg,
                               _bad_value_hint(attr.type, value, f"'{name}'"), attr=key))
    for name in missing:
        if name in claimed:
            continue
        enum = getattr(declared[name].type, "enumeration", None)
        choices = f" (one of: {_one_of(enum)})" if enum else ""
        out.append(Finding(XSD104, elem,
                           f"<{tag}> is missing required attribute '{name}'",
                           f"add {name}='…' to <{tag}>{choices}"))
    return out


def _unknown_attribute(elem, tag, name, value, free, missing) -> Tuple[Finding, Optional[str]]:
    context, wanted = _source_context(elem)
    message = f"unknown attribute {name}='{_short(value)}' on <{tag}>{context}"
    guess = closest(name, free)
    if wanted and wanted in free and guess != wanted and name != wanted:
        parent = elem.getparent()
        hint = (f"an <{parent.tag} type='{parent.get('type')}'> names its "
                f"{_SOURCE_NOUN.get(wanted, wanted)} with the '{wanted}' attribute: "
                f"write <{tag} {wanted}='{_short(value)}'/>")
        return Finding(XSD102, elem, message, hint), wanted
    if guess:
        need = f" <{tag}> requires it" if guess in missing else ""
        return Finding(XSD102, elem, message, f"did you mean '{guess}'?{need}"), guess
    if free:
        return Finding(XSD102, elem, message,
                       f"remove it; <{tag}> accepts: {_one_of(free)}"), None
    return Finding(XSD102, elem, message, f"remove it; <{tag}> takes no other attributes"), None


# ------------------------------------------------------------------ content

def _children(elem) -> list:
    return [c for c in elem if isinstance(c.tag, str)]


def _content_findings(elem, decl, homes, index) -> List[Finding]:
    xtype = decl.type
    if xtype.is_simple() or xtype.has_simple_content():
        return _simple_content(elem, xtype if xtype.is_simple() else xtype.content)
    out: List[Finding] = []
    stray = "".join(t for t in [elem.text] + [c.tail for c in elem] if t).strip()
    if stray and not xtype.mixed:
        out.append(Finding(XSD106, elem, f"<{qname(elem)}> cannot contain text "
                           f"'{_short(stray)}'",
                           f"remove the text; <{qname(elem)}> holds only child elements"
                           if _occurs(xtype.content)
                           else f"remove the text; <{qname(elem)}> must be empty",
                           in_text=bool((elem.text or "").strip())))
    return out + _child_findings(elem, xtype.content, homes, index)


def _simple_content(elem, stype) -> List[Finding]:
    tag = qname(elem)
    out = [Finding(XSD101, c, f"unexpected element <{qname(c)}> inside <{tag}>",
                   f"<{tag}> holds a value ({_describe(stype)}), not child elements; "
                   f"remove <{qname(c)}>") for c in _children(elem)]
    text = elem.xpath("string()")
    if out or stype.is_valid(text):
        return out
    if not text.strip():
        return [Finding(XSD106, elem, f"<{tag}> is empty",
                        f"write {_describe(stype)} inside <{tag}>")]
    if getattr(stype, "enumeration", None):
        message = f"invalid value '{_short(text)}' in <{tag}>"
    else:
        message = f"<{tag}> contains '{_short(text)}', which is not {_describe(stype)}"
    return [Finding(XSD106, elem, message, _bad_value_hint(stype, text, f"<{tag}>"),
                    in_text=True)]


def _occurs(group) -> Dict[str, Tuple[int, Optional[int]]]:
    """name -> (min, max) occurrences a content model allows; max None means unbounded."""
    if not hasattr(group, "model"):              # an element declaration
        return {group.name: (group.min_occurs, group.max_occurs)}
    parts = [_occurs(p) for p in group]
    merged: Dict[str, Tuple[int, Optional[int]]] = {}
    for part in parts:
        for name, (lo, hi) in part.items():
            if name not in merged:
                merged[name] = (lo if group.model != "choice" or len(parts) == 1 else 0, hi)
                continue
            old_lo, old_hi = merged[name]
            joined = None if old_hi is None or hi is None else (
                max(old_hi, hi) if group.model == "choice" else old_hi + hi)
            merged[name] = (old_lo + (lo if group.model != "choice" else 0), joined)
    gmax = group.max_occurs
    return {n: (lo * group.min_occurs, None if hi is None or gmax is None else hi * gmax)
            for n, (lo, hi) in merged.items()}


def _child_findings(elem, group, homes, index) -> List[Finding]:
    tag = qname(elem)
    occurs = _occurs(group)
    decls = {d.name: d for d in group.iter_elements()}
    children = _children(elem)
    present = {c.tag for c in children}
    missing = [n for n, (lo, _) in occurs.items() if lo > 0 and n not in present]
    missing += [n for n in cardinality.missing(elem) if n not in missing]
    out: List[Finding] = []
    claimed = set()
    seen: Dict[str, list] = {}
    for child in children:
        if child.tag not in occurs:
            finding, meant = _unknown_child(elem, child, occurs, missing, homes)
            claimed.add(meant)
            out.append(finding)
            continue
        seen.setdefault(child.tag, []).append(child)
        hi = occurs[child.tag][1]
        if hi is not None and len(seen[child.tag]) > hi:
            first = seen[child.tag][0]
            out.append(Finding(XSD107, child,
                               f"<{child.tag}> appears more than {_times(hi)} in <{tag}>",
                               f"keep one <{child.tag}> (the first is at line "
                               f"{index.span(first).line}) and remove the others"))
    for name in missing:
        if name not in claimed:
            out.append(Finding(XSD105, elem,
                               f"<{tag}> is missing required child element <{name}>",
                               f"add {_skeleton(decls.get(name), name)} inside <{tag}>"))
    return out


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


# The prefixes libvirt writes for its own namespaces, for a hint about a document that
# doesn't declare one.
_PREFIXES = {
    "http://libvirt.org/schemas/domain/qemu/1.0": "qemu",
    "http://libvirt.org/schemas/domain/lxc/1.0": "lxc",
    "http://libvirt.org/schemas/domain/bhyve/1.0": "bhyve",
    "http://libvirt.org/schemas/domain/xen/1.0": "xen",
    "http://libvirt.org/schemas/domain/vmware/1.0": "vmware",
}


def _pretty(name: str, elem) -> str:
    """An element name as a person writes it: `qemu:arg`, never "{namespace}arg"."""
    if not name.startswith("{"):
        return name
    namespace, local = name[1:].split("}", 1)
    prefix = next((p for p, uri in elem.nsmap.items() if uri == namespace and p),
                  _PREFIXES.get(namespace))
    return f"{prefix}:{local}" if prefix else local


def _skeleton(decl, name: str) -> str:
    if decl is None:
        return f"<{name}>"
    required = [n for n, a in decl.attributes.items() if n and a.use == "required"]
    attrs = "".join(f" {n}='…'" for n in required)
    if decl.type.is_simple() or decl.type.has_simple_content():
        return f"<{name}{attrs}>…</{name}>"
    return f"<{name}{attrs}/>" if decl.type.is_empty() else f"<{name}{attrs}>…</{name}>"


def _unknown_child(elem, child, occurs, missing, homes) -> Tuple[Finding, Optional[str]]:
    tag, name = qname(elem), qname(child)
    if not occurs:
        return Finding(XSD101, child, f"unexpected element <{name}> inside <{tag}>",
                       f"<{tag}> must be empty; remove <{name}>"), None
    message = f"unknown element <{name}> in <{tag}>"
    local = etree.QName(child).localname
    namespace = etree.QName(child).namespace
    if namespace:
        # libvirt's own namespaces (qemu:, lxc:, …) are declared; any other is not libvirt's.
        mine = {n[n.index("}") + 1:]: n for n in occurs
                if n and n.startswith("{" + namespace + "}")}
        guess = closest(local, mine)
        if guess:
            return Finding(XSD101, child, message,
                           f"did you mean <{_pretty(mine[guess], child)}>?"), mine[guess]
        if mine:
            listed = _one_of(sorted(_pretty(n, child) for n in mine.values()))
            return Finding(XSD101, child, message,
                           f"remove it; <{tag}> may contain, in this namespace: {listed}"), None
        if local in occurs:
            return Finding(XSD101, child, message,
                           f"<{local}> is in no namespace in libvirt's format; write it without "
                           f"a prefix"), local
        return Finding(XSD101, child, message,
                       f"libvirt's format has no element <{local}> in namespace "
                       f"'{namespace}' here; remove it (a tool's own data goes in "
                       f"<metadata>)"), None
    guess = closest(name, occurs)
    if guess:
        need = f" <{tag}> requires it" if guess in missing else ""
        return Finding(XSD101, child, message, f"did you mean <{guess}>?{need}"), guess
    parents = homes.get(name)
    if parents:
        where = " or ".join(f"<{p}>" for p in parents)
        return Finding(XSD101, child, f"<{name}> is not allowed directly in <{tag}>",
                       f"move <{name}> inside {where}"), None
    names = [_pretty(n, child) for n in occurs if n]
    listed = _one_of(names[:8]) + (", …" if len(names) > 8 else "")
    return Finding(XSD101, child, message, f"remove it; <{tag}> may contain: {listed}"), None
