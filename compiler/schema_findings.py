"""Why a document failed its schema: findings ranked and placed where the defect is.

Loaded only when libxml2 has already said no (see validate.py). xmlschema's errors tell us
*which* elements are wrong, and its component model (declared attributes, content models,
facets) lets us explain each one in plain words, with did-you-mean hints, at the element's
real position. libxml2's own messages stop at the first bad child of a parent and read like
"Expected is one of ( ... )", which is why they are only the last-resort fallback.

Imports go one way: validate -> schema_findings -> schema_explain. Positions come from the
document's SourceIndex: an element's start tag, or the attribute or text a finding is about.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from lxml import etree

from ..schemas import KINDS, path as schema_path
from .diagnostics import Diagnostics, Span
from .positions import SourceIndex
from .rules.codes import XSD101, XSD102, XSD103, XSD104, XSD105, XSD106, XSD107, XSD108
from .schema_explain import Finding, closest, explain_element, qname

_XSD_MODELS: Dict[str, Any] = {}

# Most specific first: a bad value names the exact fix, a missing child only says "add".
_SPECIFICITY = {XSD108: 0, XSD103: 1, XSD106: 1, XSD102: 2, XSD101: 2,
                XSD104: 3, XSD107: 3, XSD105: 4}


def report(root, kind: str, error_log, index: SourceIndex, diags: Diagnostics) -> None:
    """Add one diagnostic per problem; `error_log` is None when libxml2 could not validate."""
    if error_log is None:
        findings = _unvalidatable(root)
    else:
        findings = _root_finding(root, kind) or _explain(root, kind, error_log, index)
    _add(findings, index, diags)


def report_counts(counts, index: SourceIndex, diags: Diagnostics) -> None:
    """Add the cardinality findings (see cardinality.py) at their elements' start tags."""
    _add([Finding(*found) for found in counts], index, diags)


def _add(findings: List[Finding], index: SourceIndex, diags: Diagnostics) -> None:
    for f in _rank(findings, index):
        diags.add(f.code, f.message, _span(f, index), f.hint)


def _span(f: Finding, index: SourceIndex) -> Span:
    if f.attr is not None:
        return index.attribute_span(f.elem, f.attr)
    if f.in_text:
        return index.text_span(f.elem)
    return index.span(f.elem)


def _xsd_model(kind: str) -> Any:
    model = _XSD_MODELS.get(kind)
    if model is None:
        import xmlschema  # slow to import; only failing documents pay for it

        # libxml2 has already compiled these files, so checking them again against the
        # XSD meta-schema (about 0.6 s) proves nothing: build the components only.
        model = xmlschema.XMLSchema10(schema_path(kind), validation="skip")
        _XSD_MODELS[kind] = model
    return model


def _root_finding(root, kind: str) -> List[Finding]:
    name = etree.QName(root)
    if name.namespace is None and name.localname == kind:
        return []
    if name.localname == kind:
        return [Finding(XSD108, root,
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
    return [Finding(XSD108, root,
                    f"root element is <{qname(root)}>, expected <{kind}>", hint)]


def _explain(root, kind: str, lxml_log, index: SourceIndex) -> List[Finding]:
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
        found = explain_element(elem, decl, _home_index(kind, model), index) \
            if decl is not None else []
        findings += found
        if not found:
            fallback = [_fallback(elem, err.reason) for err in errors]
            # xmlschema is stricter than libxml2 in corners (comments inside a value), so
            # an unexplained error only counts when libxml2 also objects to that element.
            (findings if path in libxml2_paths else unexplained).extend(fallback)
    unexplained += [_fallback(root, err.reason) for err in loose]
    if not findings:  # never hide libxml2's verdict, however it has to be worded
        findings = unexplained or [_fallback(_element_at(tree, e.path, root), e.message)
                                   for e in lxml_log]
    return findings


def _unvalidatable(root) -> List[Finding]:
    """libxml2 gives up on unexpanded entity references; say where they are."""
    found = [Finding(XSD108, node.getparent(),
                     f"<{qname(node.getparent())}> contains the entity reference {node.text}, "
                     f"which virtc does not expand",
                     "write the text out instead of using an entity")
             for node in root.iter(etree.Entity) if node.getparent() is not None]
    return found or [Finding(XSD108, root, "the schema validator could not check this document",
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
    return Finding(XSD108, elem, f"<{qname(elem)}>: {text}",
                   "compare this element with the format page's examples")


def _element_at(tree, path: Optional[str], default):
    """The element libxml2's error path names, or `default`."""
    try:
        found = tree.xpath(path) if path else []
    except etree.XPathError:
        return default
    return found[0] if found and isinstance(found[0], etree._Element) else default


def _rank(findings: List[Finding], index: SourceIndex) -> List[Finding]:
    unique, seen = [], set()
    for f in findings:
        key = (f.code, f.message, id(f.elem))
        if key not in seen:
            seen.add(key)
            unique.append(f)

    def key(f: Finding):
        depth = sum(1 for _ in f.elem.iterancestors())
        return (depth, _SPECIFICITY.get(f.code, 5), index.span(f.elem).line)

    return sorted(unique, key=key)
