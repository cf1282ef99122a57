"""Why a document failed its schema: findings ranked and placed at their start tags.

Loaded only when libxml2 has already said no (see validate.py). xmlschema's errors tell us
*which* elements are wrong, and its component model (declared attributes, content models,
facets) lets us explain each one in plain words, with did-you-mean hints, at the element's
real position. libxml2's own messages stop at the first bad child of a parent and read like
"Expected is one of ( ... )", which is why they are only the last-resort fallback.
"""
from __future__ import annotations

import bisect
import re
from typing import Any, Dict, List, Optional

from lxml import etree

from ..schemas import KINDS, path as schema_path
from .diagnostics import Diagnostics, Span
from .schema_explain import Finding, closest, explain_element, qname

_XSD_MODELS: Dict[str, Any] = {}

# Most specific first: a bad value names the exact fix, a missing child only says "add".
_SPECIFICITY = {"XSD108": 0, "XSD103": 1, "XSD106": 1, "XSD102": 2, "XSD101": 2,
                "XSD104": 3, "XSD107": 3, "XSD105": 4}


def report(root, kind: str, error_log, file: str, source: bytes, diags: Diagnostics) -> None:
    """Add one diagnostic per problem; `error_log` is None when libxml2 could not validate."""
    if error_log is None:
        findings = _unvalidatable(root)
    else:
        findings = _root_finding(root, kind) or _explain(root, kind, error_log)
    locate = _Locator(root, source)
    for f in _rank(findings):
        diags.add(f.code, f.message, locate(file, f.elem), f.hint)


def report_counts(root, counts, file: str, source: bytes, diags: Diagnostics) -> None:
    """Add the cardinality findings (see cardinality.py) at their elements' start tags."""
    locate = _Locator(root, source)
    for f in _rank([Finding(code, elem, message, hint) for code, elem, message, hint in counts]):
        diags.add(f.code, f.message, locate(file, f.elem), f.hint)


def _xsd_model(kind: str) -> Any:
    model = _XSD_MODELS.get(kind)
    if model is None:
        import xmlschema  # slow to import; only failing documents pay for it

        model = xmlschema.XMLSchema10(schema_path(kind))
        _XSD_MODELS[kind] = model
    return model


def _root_finding(root, kind: str) -> List[Finding]:
    name = etree.QName(root)
    if name.namespace is None and name.localname == kind:
        return []
    if name.localname == kind:
        return [Finding("XSD108", root,
                        f"root element <{kind}> is in namespace '{name.namespace}'; "
                        f"virtc reads {kind} documents without a namespace",
                        "remove the xmlns declaration from the root element")]
    other = next((k for k in KINDS if k != kind and k == name.localname), None)
    if other:
        hint = f"this is a {other} definition; check it as a {other}, not as a {kind}"
    else:
        guess = closest(name.localname, [kind])
        hint = (f"did you mean <{guess}>? " if guess else "") + \
            f"a {kind} document starts with <{kind}>"
    return [Finding("XSD108", root,
                    f"root element is <{qname(root)}>, expected <{kind}>", hint)]


def _explain(root, kind: str, lxml_log) -> List[Finding]:
    model = _xsd_model(kind)
    tree = root.getroottree()
    flagged: Dict[str, Any] = {}   # element path -> (element, [xmlschema errors]), in order
    loose: List[Any] = []
    for err in model.iter_errors(tree):
        elem = getattr(err, "elem", None)
        if elem is None or not isinstance(elem.tag, str):
            loose.append(err)
            continue
        flagged.setdefault(tree.getpath(elem), (elem, []))[1].append(err)

    findings: List[Finding] = []
    unexplained: List[Finding] = []
    libxml2_paths = {e.path for e in lxml_log}
    for path, (elem, errors) in flagged.items():
        decl = _declaration(model, elem)
        found = explain_element(elem, decl, _home_index(kind, model)) if decl is not None else []
        findings += found
        if not found:
            fallback = [_fallback(elem, err.reason) for err in errors]
            # xmlschema is stricter than libxml2 in corners (comments inside a value), so
            # an unexplained error only counts when libxml2 also objects to that element.
            (findings if path in libxml2_paths else unexplained).extend(fallback)
    unexplained += [_fallback(root, err.reason) for err in loose]
    if not findings:  # never hide libxml2's verdict, however it has to be worded
        findings = unexplained or [_fallback(_element_at(tree, e.path) or root, e.message)
                                   for e in lxml_log]
    return findings


def _unvalidatable(root) -> List[Finding]:
    """libxml2 gives up on unexpanded entity references; say where they are."""
    found = [Finding("XSD108", node.getparent(),
                     f"<{qname(node.getparent())}> contains the entity reference {node.text}, "
                     f"which virtc does not expand",
                     "write the text out instead of using an entity")
             for node in root.iter(etree.Entity) if node.getparent() is not None]
    return found or [Finding("XSD108", root, "the schema validator could not check this document",
                             "simplify the document (no entities, no DTD) and try again")]


def _declaration(model, elem):
    """The xmlschema element declaration for `elem`, found by walking down from the root."""
    chain = [elem] + list(elem.iterancestors())
    chain.reverse()
    decl = model.elements.get(chain[0].tag)
    for node in chain[1:]:
        if decl is None or decl.type.is_simple() or decl.type.has_simple_content():
            return None
        decl = next((d for d in decl.type.content.iter_elements() if d.name == node.tag), None)
    return decl


_HOMES: Dict[str, Dict[str, List[str]]] = {}


def _home_index(kind: str, model) -> Dict[str, List[str]]:
    """Element name -> names of the parents it may appear in, for "move it inside" hints."""
    homes = _HOMES.get(kind)
    if homes is None:
        homes = {}
        todo = list(model.elements.values())
        seen = set()
        while todo:
            decl = todo.pop()
            # xs:any wildcards (skipped host parts of capabilities) have no type to descend into
            if id(decl) in seen or decl.type is None or decl.type.is_simple() \
                    or decl.type.has_simple_content():
                continue
            seen.add(id(decl))
            for child in decl.type.content.iter_elements():
                homes.setdefault(child.name, [])
                if decl.name not in homes[child.name]:
                    homes[child.name].append(decl.name)
                todo.append(child)
        _HOMES[kind] = homes
    return homes


_NOISE = [
    (re.compile(r"\{[^}]*\}"), ""),                         # "{namespace}" prefixes
    (re.compile(r"\s*Expected is (one of )?\(.*?\)\.?"), ""),
    (re.compile(r"\s*Tag \(.*?\) expected\.?"), ""),
    (re.compile(r"\bxs:"), ""),
]


def _fallback(elem, reason: Optional[str]) -> Finding:
    text = str(reason or "does not match the schema")
    for pattern, repl in _NOISE:
        text = pattern.sub(repl, text)
    text = text.strip().rstrip(".")
    return Finding("XSD108", elem, f"<{qname(elem)}>: {text}",
                   "compare this element with the format page's examples")


def _element_at(tree, path: Optional[str]):
    try:
        found = tree.xpath(path) if path else []
    except etree.XPathError:
        return None
    return found[0] if found and isinstance(found[0], etree._Element) else None


def _rank(findings: List[Finding]) -> List[Finding]:
    unique, seen = [], set()
    for f in findings:
        key = (f.code, f.message, id(f.elem))
        if key not in seen:
            seen.add(key)
            unique.append(f)

    def key(f: Finding):
        depth = sum(1 for _ in f.elem.iterancestors())
        return (depth, _SPECIFICITY.get(f.code, 5), f.elem.sourceline or 0)

    return sorted(unique, key=key)


# Every "<" in well-formed XML opens markup (text and attribute values can't hold one), so a
# start tag is any "<" that doesn't open a comment, CDATA section, PI, DOCTYPE or end tag.
_MARKUP = re.compile(
    r"<(?:!--.*?-->|!\[CDATA\[.*?\]\]>|\?.*?\?>|!DOCTYPE(?:[^\[>]|\[.*?\])*>|!|/"
    r"|([^\s/>!?]+))", re.S)


class _Locator:
    """Maps an element to the line and column of the "<" of its start tag.

    libxml2's sourceline is the line where the start tag *ends*, which is wrong for tags
    spread over several lines, so positions come from the source text instead.
    """

    def __init__(self, root, source):
        self._index: Dict[Any, int] = {}
        self._starts: List[int] = []
        self._elements = list(root.iter(etree.Element))
        text = self._decode(root, source)
        offsets = [(m.start(), m.group(1)) for m in _MARKUP.finditer(text) if m.group(1)]
        names = [qname(e) for e in self._elements]
        if [n for _, n in offsets] == names:
            self._index = {e: i for i, e in enumerate(self._elements)}
            self._starts = [o for o, _ in offsets]
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    @staticmethod
    def _decode(root, source) -> str:
        if isinstance(source, str):
            return source.lstrip("\ufeff")
        encoding = root.getroottree().docinfo.encoding or "utf-8"
        try:
            return source.decode(encoding, errors="replace").lstrip("\ufeff")
        except LookupError:
            return source.decode("utf-8", errors="replace").lstrip("\ufeff")

    def __call__(self, file: str, elem) -> Span:
        i = self._index.get(elem)
        if i is None:
            return Span(file, elem.sourceline or 0, 0)
        offset = self._starts[i]
        line = bisect.bisect_right(self._line_starts, offset) - 1
        return Span(file, line + 1, offset - self._line_starts[line] + 1)
