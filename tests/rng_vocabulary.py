"""Which element and attribute names libvirt's RelaxNG grammar allows where, and whether
virtc's XSD allows them in the same places.

Both schemas are reduced to the same vocabulary: a set of `Pair`s, each a *context* (the
names of the last `DEPTH` elements on the path, ending with the parent or owner) and a
*name* (a child element, or an attribute written ``@name``)::

    domain/devices/disk/source        <source> as a child of domain/devices/disk
    devices/disk/source@file          file= on <source> under devices/disk
    domain/metadata/*                 any element is allowed here (a wildcard)

Element names in a namespace other than none are kept with it, shown with libvirt's usual
prefix (``qemu:commandline``). What lies inside such a foreign element is that namespace's
business: virtc only has to let the element in through an ``xs:any`` that does not check
its content. Elements in no namespace must be declared; a wildcard admits them but not
what they contain, so descendants are still compared.

RNG side (`rng_vocabulary`): lxml reads the grammar as it is: ``include`` (with the
overriding defines inside it), ``define`` with ``combine``, ``ref``, ``parentRef``,
``externalRef``, nested ``grammar``, ``ns`` inheritance, name classes. Patterns that can
never match (``<element name="privateData"><notAllowed/></element>``) are left out.
XSD side (`xsd_vocabulary`): xmlschema's component model, walked from ``domain``.

Command line, for whoever is extending ``schemas/domain/*.xsd``::

    python tests/rng_vocabulary.py --missing [--grep WORD]   what virtc still lacks
    python tests/rng_vocabulary.py --stats                   counts, exceptions
    python tests/rng_vocabulary.py --excepted                what is left out, and why
    python tests/rng_vocabulary.py --all --grep WORD         what libvirt allows
"""
from __future__ import annotations

import argparse
import fnmatch
import pathlib
import re
import signal
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

from lxml import etree

ROOT = pathlib.Path(__file__).resolve().parent.parent
LIBVIRT_DOMAIN_RNG = pathlib.Path("/usr/share/libvirt/schemas/domain.rng")
VIRTC_DOMAIN_XSD = ROOT / "schemas" / "domain.xsd"
EXCEPTIONS_FILE = ROOT / "tests" / "libvirt_schema_exceptions.txt"

# Context depth: parent plus two ancestors. "source" alone means a dozen different things,
# "disk/source" still mixes <source> of every disk type with its children's <source>, and
# "devices/disk/source" pins it down; deeper contexts only multiply the same pairs.
DEPTH = 3

RNG = "http://relaxng.org/ns/structure/1.0"
XSD = "http://www.w3.org/2001/XMLSchema"
XML = "http://www.w3.org/XML/1998/namespace"
PREFIXES = {
    "http://libvirt.org/schemas/domain/qemu/1.0": "qemu",
    "http://libvirt.org/schemas/domain/lxc/1.0": "lxc",
    "http://libvirt.org/schemas/domain/bhyve/1.0": "bhyve",
    "http://libvirt.org/schemas/domain/xen/1.0": "xen",
    "http://libvirt.org/schemas/domain/vmware/1.0": "vmware",
}
ANY_ELEMENT = "*"
ANY_ATTRIBUTE = "@*"


# --------------------------------------------------------------------------- vocabulary

def clark(ns: str, local: str) -> str:
    return "{%s}%s" % (ns, local) if ns else local


def is_foreign(name: str) -> bool:
    return name.startswith("{")


def pretty(name: str) -> str:
    """``{http://libvirt.org/schemas/domain/qemu/1.0}arg`` -> ``qemu:arg``."""
    if not is_foreign(name):
        return name
    ns, local = name[1:].split("}", 1)
    return "%s:%s" % (PREFIXES[ns], local) if ns in PREFIXES else name


@dataclass(frozen=True, order=True)
class Pair:
    context: Tuple[str, ...]  # last DEPTH element names, parent/owner last; () for the root
    name: str                 # element name, "@attribute", "*" or "@*" (wildcards)

    @property
    def is_attribute(self) -> bool:
        return self.name.startswith("@")

    @property
    def is_wildcard(self) -> bool:
        return self.name in (ANY_ELEMENT, ANY_ATTRIBUTE)

    def __str__(self) -> str:
        path = "/".join(pretty(n) for n in self.context)
        if self.is_attribute:
            return path + "@" + pretty(self.name[1:])
        return path + "/" + pretty(self.name) if path else pretty(self.name)


def child_context(context: Tuple[str, ...], name: str) -> Tuple[str, ...]:
    return (context + (name,))[-DEPTH:]


@dataclass
class Vocabulary:
    """Pairs allowed by a schema, each with the families (top-level sections) it occurs in."""
    pairs: Dict[Pair, Set[str]] = field(default_factory=lambda: defaultdict(set))
    notes: List[str] = field(default_factory=list)

    def __repr__(self) -> str:
        return "<%s: %d pairs>" % (type(self).__name__, len(self.pairs))

    def element_names(self) -> Set[str]:
        return {p.name for p in self.pairs if not p.is_attribute and not p.is_wildcard}

    def attribute_names(self) -> Set[str]:
        return {p.name for p in self.pairs if p.is_attribute and not p.is_wildcard}


def enter(context: Tuple[str, ...], family: Optional[str], name: str
          ) -> Tuple[str, Optional[str]]:
    """Entering element `name` under `context` in `family` (None above the families):
    (the family its pair is listed under, the family passed down to its content).
    A family is a top-level section: a child of <devices>, else a child of <domain>."""
    if family is None and (context == ("domain",) and name != "devices"
                           or context == ("domain", "devices")):
        family = pretty(name)
    return family or pretty(name), family


def owner_family(context: Tuple[str, ...], family: Optional[str]) -> str:
    """The family listing the attributes (and wildcards) of the element at `context`."""
    return family or (pretty(context[-1]) if context else "domain")


# --------------------------------------------------------------------------- RNG side

class _P:
    """A RelaxNG pattern, compiled: kind is element, attribute, ref, choice, group,
    optional (never fails), empty (text, data, value, empty) or notAllowed. `repeat`:
    it was a zeroOrMore or oneOrMore (its content may occur more than once)."""
    __slots__ = ("kind", "children", "names", "wildcard", "target", "label", "repeat")

    def __init__(self, kind: str, label: str = ""):
        self.kind = kind
        self.children: List[_P] = []
        self.names: List[str] = []      # element/attribute names, Clark notation
        self.wildcard = False           # anyName / nsName in the name class
        self.target: Optional[_P] = None  # for ref: the define's combined pattern
        self.label = label
        self.repeat = False


class _Grammar:
    def __init__(self, parent: Optional["_Grammar"]):
        self.parent = parent
        self.defines: Dict[str, List[Tuple[Optional[str], etree._Element, "_Grammar"]]] = {}
        self.start: List[Tuple[Optional[str], etree._Element, "_Grammar"]] = []
        self.pattern: Optional[etree._Element] = None  # a file that is one bare pattern
        self.compiled: Dict[str, _P] = {}


def _tag(node: etree._Element) -> Optional[str]:
    if not isinstance(node.tag, str) or not node.tag.startswith("{%s}" % RNG):
        return None  # comments, annotations in other namespaces
    return node.tag[len(RNG) + 2:]


def _kids(node: etree._Element) -> List[etree._Element]:
    return [c for c in node if _tag(c) is not None]


class RngReader:
    """Compiles one RelaxNG grammar (with everything it includes) into `_P` patterns."""

    def __init__(self) -> None:
        self.files: List[pathlib.Path] = []
        self._docs: Dict[pathlib.Path, etree._Element] = {}
        self._default_ns: Dict[int, str] = {}  # id(document root) -> ns given by include

    # -- loading

    def _load(self, path: pathlib.Path, inherited_ns: str = "") -> etree._Element:
        path = path.resolve()
        if path not in self._docs:
            root = etree.parse(str(path)).getroot()
            self._docs[path] = root
            self.files.append(path)
            self._default_ns[id(root)] = inherited_ns
        return self._docs[path]

    def _ns(self, node: etree._Element) -> str:
        """The ns attribute in force for a name (RelaxNG 4.8: inherited from ancestors)."""
        cur: Optional[etree._Element] = node
        while cur is not None:
            if cur.get("ns") is not None:
                return cur.get("ns")
            if cur.getparent() is None:
                return self._default_ns.get(id(cur), "")
            cur = cur.getparent()
        return ""

    def _merge(self, grammar_el: etree._Element, g: _Grammar, base: pathlib.Path,
               skip: Set[str], skip_start: bool) -> None:
        """Add a <grammar>'s components to g; names in skip are overridden by an include."""
        for node in _kids(grammar_el):
            kind = _tag(node)
            if kind == "define":
                if node.get("name") not in skip:
                    g.defines.setdefault(node.get("name"), []).append(
                        (node.get("combine"), node, g))
            elif kind == "start":
                if not skip_start:
                    g.start.append((node.get("combine"), node, g))
            elif kind == "div":
                self._merge(node, g, base, skip, skip_start)
            elif kind == "include":
                href = base.parent / node.get("href")
                overrides = {d.get("name") for d in node.iter("{%s}define" % RNG)}
                has_start = any(True for _ in node.iter("{%s}start" % RNG))
                included = self._load(href, self._ns(node))
                self._merge(included, g, href, skip | overrides, skip_start or has_start)
                # the include's own children are the overriding components
                self._merge(node, g, base, skip, skip_start)

    def grammar(self, path: pathlib.Path, parent: Optional[_Grammar] = None) -> _Grammar:
        root = self._load(path)
        g = _Grammar(parent)
        if _tag(root) == "grammar":
            self._merge(root, g, pathlib.Path(path).resolve(), set(), False)
        else:  # a file holding one bare pattern (for externalRef)
            g.pattern = root
        return g

    # -- compiling

    def start(self, g: _Grammar) -> _P:
        if g.pattern is not None:
            return self._compile(g.pattern, g)
        return self._combined(g.start, "start")

    def _define(self, g: _Grammar, name: str) -> _P:
        if name not in g.compiled:
            if name not in g.defines:
                raise KeyError("RelaxNG ref to undefined %r" % name)
            g.compiled[name] = _P("group", name)  # placeholder: refs may be recursive
            combined = self._combined(g.defines[name], name)
            g.compiled[name].kind = combined.kind
            g.compiled[name].children = combined.children
        return g.compiled[name]

    def _combined(self, parts, label: str) -> _P:
        """Several defines (or starts) of one name merge by their combine= method."""
        bodies = []
        for _combine, node, g in parts:
            body = _P("group", label)
            body.children = [self._compile(c, g) for c in _kids(node)]
            bodies.append(body)
        if len(bodies) == 1:
            return bodies[0]
        methods = {c for c, _n, _g in parts if c}
        out = _P("group" if methods == {"interleave"} else "choice", label)
        out.children = bodies
        return out

    def _names(self, nc: etree._Element, p: _P) -> None:
        kind = _tag(nc)
        if kind == "name":
            p.names.append(clark(nc.get("ns", self._ns(nc)), nc.text.strip()))
        elif kind == "choice":
            for c in _kids(nc):
                self._names(c, p)
        elif kind in ("anyName", "nsName"):
            p.wildcard = True

    def _compile(self, node: etree._Element, g: _Grammar) -> _P:
        kind = _tag(node)
        if kind in ("element", "attribute"):
            p = _P(kind, node.get("name", ""))
            content = _kids(node)
            if node.get("name") is not None:
                name = node.get("name").strip()
                if ":" in name:  # a QName: its prefix is bound in the document
                    prefix, name = name.split(":", 1)
                    p.names.append(clark(node.nsmap.get(prefix, ""), name))
                elif kind == "element":
                    p.names.append(clark(self._ns(node), name))
                else:  # attributes are in no namespace unless ns= says so on them
                    p.names.append(clark(node.get("ns", ""), name))
            else:
                self._names(content[0], p)
                content = content[1:]
            if kind == "element":  # attribute content is a datatype: nothing to collect
                p.children = [self._compile(c, g) for c in content]
            return p
        if kind in ("ref", "parentRef"):
            scope = g if kind == "ref" else g.parent
            p = _P("ref", node.get("name"))
            p.target = self._define(scope, node.get("name"))
            return p
        if kind == "externalRef":
            href = pathlib.Path(node.base or "").parent / node.get("href")
            p = _P("ref", node.get("href"))
            p.target = self.start(self.grammar(href))
            return p
        if kind == "grammar":  # nested grammar: its own defines, parentRef reaches out
            inner = _Grammar(g)
            self._merge(node, inner, pathlib.Path(node.base or "").resolve(), set(), False)
            return self.start(inner)
        if kind == "choice":
            p = _P("choice")
        elif kind in ("optional", "zeroOrMore"):
            p = _P("optional")
        elif kind in ("group", "interleave", "oneOrMore", "mixed"):
            p = _P("group")
        elif kind == "notAllowed":
            return _P("notAllowed")
        else:  # text, empty, data, value, list: content, not vocabulary
            return _P("empty")
        p.repeat = kind in ("zeroOrMore", "oneOrMore")
        p.children = [self._compile(c, g) for c in _kids(node)]
        return p


def _unsatisfiable(p: _P, memo: Dict[int, bool]) -> bool:
    """True where no document can match p (it requires a notAllowed)."""
    key = id(p)
    if key in memo:
        return memo[key]
    memo[key] = False  # a recursive pattern is assumed satisfiable while it is examined
    if p.kind == "notAllowed":
        result = True
    elif p.kind == "ref":
        result = _unsatisfiable(p.target, memo)
    elif p.kind == "choice":
        result = all(_unsatisfiable(c, memo) for c in p.children)
    elif p.kind in ("group", "element"):
        result = any(_unsatisfiable(c, memo) for c in p.children)
    else:  # optional, empty, attribute
        result = False
    memo[key] = result
    return result


def rng_vocabulary(path: pathlib.Path = LIBVIRT_DOMAIN_RNG, root: str = "domain") -> Vocabulary:
    """Every (context, name) pair that libvirt's grammar allows under <root>."""
    reader = RngReader()
    start = reader.start(reader.grammar(path))
    vocab = Vocabulary()
    unsat: Dict[int, bool] = {}
    seen: Set[Tuple[int, Tuple[str, ...], Optional[str]]] = set()
    stack: List[Tuple[_P, Tuple[str, ...], Optional[str]]] = [(start, (), None)]
    wildcard_notes = set()
    while stack:
        p, context, family = stack.pop()
        key = (id(p), context, family)
        if key in seen or _unsatisfiable(p, unsat):
            continue
        seen.add(key)
        if p.kind == "element":
            if not context and root not in p.names:
                continue  # the start allows only <root> here
            if p.wildcard:
                vocab.pairs[Pair(context, ANY_ELEMENT)].add(owner_family(context, family))
                wildcard_notes.add(str(Pair(context, ANY_ELEMENT)))
            for name in p.names:
                listed, inner = enter(context, family, name)
                vocab.pairs[Pair(context, name)].add(listed)
                stack.extend((c, child_context(context, name), inner) for c in p.children)
        elif p.kind == "attribute":
            fam = owner_family(context, family)
            if p.wildcard:
                vocab.pairs[Pair(context, ANY_ATTRIBUTE)].add(fam)
                wildcard_notes.add(str(Pair(context, ANY_ATTRIBUTE)))
            for name in p.names:
                vocab.pairs[Pair(context, "@" + name)].add(fam)
        elif p.kind == "ref":
            stack.append((p.target, context, family))
        else:
            stack.extend((c, context, family) for c in p.children)
    vocab.notes = ["wildcard (content not followed): %s" % w for w in sorted(wildcard_notes)]
    vocab.notes.append("files: %s" % ", ".join(f.name for f in reader.files))
    return vocab


# --------------------------------------------------------------------------- XSD side

@dataclass
class XsdVocabulary(Vocabulary):
    """virtc's pairs, plus its wildcards: (context, family) -> xs:any / xs:anyAttribute."""
    element_wildcards: Dict[Tuple[Tuple[str, ...], str], list] = field(
        default_factory=lambda: defaultdict(list))
    attribute_wildcards: Dict[Tuple[Tuple[str, ...], str], list] = field(
        default_factory=lambda: defaultdict(list))
    declared: Set[str] = field(default_factory=set)  # every element name declared anywhere

    def _unchecked(self, name: str) -> bool:
        """Some xs:any lets element `name` in without looking inside it: skip, or lax
        with no declaration for it."""
        return any(w.is_matching(name) and (w.process_contents == "skip" or
                                            w.process_contents == "lax" and
                                            name not in self.declared)
                   for ws in self.element_wildcards.values() for w in ws)

    def accepts(self, pair: Pair, family: str) -> bool:
        if family in self.pairs.get(pair, ()):
            return True
        where = (pair.context, family)
        if pair.context in (("domain",), ("domain", "devices")):
            where = (pair.context, owner_family(pair.context, None))  # a family's own root
        if pair.name == ANY_ELEMENT:
            return bool(self.element_wildcards.get(where))
        if pair.name == ANY_ATTRIBUTE:
            return bool(self.attribute_wildcards.get(where))
        if pair.is_attribute:
            wildcards = self.attribute_wildcards.get(where, ())
            name = pair.name[1:]
        else:
            wildcards, name = self.element_wildcards.get(where, ()), pair.name
        if any(w.is_matching(name) for w in wildcards):
            return True
        # inside another namespace's element that virtc lets in unchecked
        foreign = [n for n in pair.context if is_foreign(n)]
        return bool(foreign) and self._unchecked(foreign[0])


def load_xsd(path: pathlib.Path = VIRTC_DOMAIN_XSD):
    import xmlschema
    return xmlschema.XMLSchema10(str(path))


def xsd_vocabulary(schema, root: str = "domain") -> XsdVocabulary:
    """The same pairs, from virtc's XSD (an xmlschema.XMLSchema10, or a path to one)."""
    from xmlschema.validators import XsdAnyAttribute, XsdAnyElement

    if isinstance(schema, (str, pathlib.Path)):
        schema = load_xsd(pathlib.Path(schema))
    out = XsdVocabulary()
    globals_ = [g for g in schema.maps.elements.values()  # not the XSD meta-schema's own
                if not g.name.startswith(("{%s}" % XSD, "{%s}" % XML))]
    seen = set()
    stack = [(schema.elements[root], (), None)]
    while stack:
        decl, parent_context, family = stack.pop()
        for el in [decl] + list(decl.iter_substitutes()):
            listed, inner = enter(parent_context, family, el.name)
            out.pairs[Pair(parent_context, el.name)].add(listed)
            out.declared.add(el.name)
            context = child_context(parent_context, el.name)
            key = (id(el.type), el.name, context, inner)
            if key in seen:
                continue
            seen.add(key)
            owner = owner_family(context, inner)
            for name, attr in el.attributes.items():
                if isinstance(attr, XsdAnyAttribute):
                    out.attribute_wildcards[(context, owner)].append(attr)
                else:
                    out.pairs[Pair(context, "@" + name)].add(owner)
            if el.type.is_simple() or el.type.has_simple_content():
                continue
            for child in el.type.content.iter_elements():
                if not isinstance(child, XsdAnyElement):
                    stack.append((child, context, inner))
                    continue
                out.element_wildcards[(context, owner)].append(child)
                if child.process_contents != "skip":  # declared elements it admits are checked
                    stack.extend((g, context, inner) for g in globals_
                                 if child.is_matching(g.name))
    return out


# --------------------------------------------------------------------------- comparison

@dataclass(frozen=True)
class Exception_:
    pattern: str  # fnmatch pattern over str(Pair)
    reason: str
    line: int

    def matches(self, pair: Pair) -> bool:
        return fnmatch.fnmatchcase(str(pair), self.pattern)


def load_exceptions(path: pathlib.Path = EXCEPTIONS_FILE) -> List[Exception_]:
    """One entry a line: PATTERN REASON… ; # starts a comment line."""
    out = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        pattern, *reason = line.split(None, 1)
        if not reason:
            raise ValueError("%s:%d: exception %r has no reason" % (path.name, number, pattern))
        out.append(Exception_(pattern, reason[0], number))
    return out


@dataclass
class Coverage:
    rng: Vocabulary
    missing: Dict[Pair, Set[str]]          # not accepted by virtc (in these families)
    excepted: Dict[Pair, Exception_]       # not accepted, excepted (with the reason)
    unused: List[Exception_]               # exceptions that no missing pair needs

    def __repr__(self) -> str:
        return "<Coverage: %d pairs, %d missing, %d excepted>" % (
            len(self.rng.pairs), len(self.missing), len(self.excepted))

    def excepted_names(self) -> Set[str]:
        """Names with at least one excepted pair (so an upper bound on what is left out)."""
        return {p.name for p in self.excepted if not p.is_wildcard}

    def total_names(self) -> int:
        return len(self.rng.element_names()) + len(self.rng.attribute_names())

    def excepted_fraction(self) -> float:
        return len(self.excepted_names()) / self.total_names()


def by_family(pairs: Dict[Pair, Set[str]]) -> Dict[str, List[Pair]]:
    """Pairs grouped by family; in each, those seen from <domain> down come first."""
    groups: Dict[str, List[Pair]] = defaultdict(list)
    for pair in sorted(pairs, key=lambda p: (p.context[:1] != ("domain",), str(p))):
        for fam in pairs[pair]:
            groups[fam].append(pair)
    return dict(sorted(groups.items()))


def coverage(rng: Vocabulary, xsd: XsdVocabulary, exceptions: List[Exception_]) -> Coverage:
    """Each libvirt pair, in each family it occurs in, must be accepted there by virtc."""
    missing: Dict[Pair, Set[str]] = {}
    excepted: Dict[Pair, Exception_] = {}
    for pair, families in sorted(rng.pairs.items()):
        lacking = {f for f in families if not xsd.accepts(pair, f)}
        if not lacking:
            continue
        entry = next((e for e in exceptions if e.matches(pair)), None)
        if entry is None:
            missing[pair] = lacking
        else:
            excepted[pair] = entry
    used = set(excepted.values())
    return Coverage(rng, missing, excepted, [e for e in exceptions if e not in used])


def summary(cov: Coverage, limit: int = 5) -> str:
    """A few missing pairs per family, for a test failure."""
    lines = []
    for fam, pairs in by_family(cov.missing).items():
        shown = ", ".join(str(p) for p in pairs[:limit])
        more = " … (+%d)" % (len(pairs) - limit) if len(pairs) > limit else ""
        lines.append("  %-16s %4d  %s%s" % (fam, len(pairs), shown, more))
    return "\n".join(lines)


# --------------------------------------------------------------------------- CLI

def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--missing", action="store_true",
                    help="list the pairs virtc's schema does not accept, by family")
    ap.add_argument("--excepted", action="store_true",
                    help="list the pairs left out on purpose, with the reason")
    ap.add_argument("--stats", action="store_true", help="counts")
    ap.add_argument("--all", action="store_true", help="list every pair libvirt allows")
    ap.add_argument("--grep", metavar="WORD",
                    help="only pairs (or families) matching this regular expression")
    ap.add_argument("--rng", type=pathlib.Path, default=LIBVIRT_DOMAIN_RNG)
    ap.add_argument("--xsd", type=pathlib.Path, default=VIRTC_DOMAIN_XSD)
    ap.add_argument("--exceptions", type=pathlib.Path, default=EXCEPTIONS_FILE)
    args = ap.parse_args(argv)
    if not (args.missing or args.excepted or args.stats or args.all):
        args.missing = args.stats = True

    rng = rng_vocabulary(args.rng)
    if args.all:
        _print_groups(by_family(rng.pairs), args.grep)
        return 0
    try:
        xsd = xsd_vocabulary(load_xsd(args.xsd))
    except Exception as exc:  # a schema being edited may not load: say so plainly
        print("virtc's schema does not load: %s" % str(exc).strip().splitlines()[0],
              file=sys.stderr)
        return 2
    cov = coverage(rng, xsd, load_exceptions(args.exceptions))
    if args.missing:
        _print_groups(by_family(cov.missing), args.grep)
    if args.excepted:
        for pair, entry in sorted(cov.excepted.items()):
            if _wanted(str(pair), "", args.grep):
                print("%-50s %s" % (pair, entry.reason))
    if args.stats:
        _print_stats(cov)
    return 0


def _wanted(text: str, family: str, grep: Optional[str]) -> bool:
    return grep is None or bool(re.search(grep, text, re.I) or re.search(grep, family, re.I))


def _print_groups(groups: Dict[str, List[Pair]], grep: Optional[str]) -> None:
    for fam, pairs in groups.items():
        pairs = [p for p in pairs if _wanted(str(p), fam, grep)]
        if pairs:
            print("%s (%d)" % (fam, len(pairs)))
            for pair in pairs:
                print("  " + str(pair))


def _print_stats(cov: Coverage) -> None:
    rng = cov.rng
    elements, attributes = rng.element_names(), rng.attribute_names()
    print("libvirt: %d element names, %d attribute names, %d pairs (context depth %d)"
          % (len(elements), len(attributes), len(rng.pairs), DEPTH))
    print("missing from virtc: %d pairs (%d counting each family a pair occurs in)"
          % (len(cov.missing), sum(len(f) for f in cov.missing.values())))
    print("excepted: %d pairs, %d of %d names (%.2f%%, limit 2%%)"
          % (len(cov.excepted), len(cov.excepted_names()), cov.total_names(),
             100 * cov.excepted_fraction()))
    for entry in cov.unused:
        print("unused exception (line %d): %s" % (entry.line, entry.pattern))
    for note in rng.notes:
        print("note: " + note)


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `… | head` ends quietly
    sys.exit(main())
