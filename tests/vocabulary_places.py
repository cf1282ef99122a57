"""Where libvirt's RelaxNG and virtc's XSD enumerate values, and which vocabulary entry
(compiler/vocabulary.py) each such place belongs to.

A *place* is a path of element names from <domain>, ending with ``@attr`` for an
attribute (``domain/devices/disk/target@bus``) or not for an element's text
(``domain/on_crash``). Names are local: ``qemu:deprecation`` is ``deprecation``.

RNG side (`rng_places`): every place that takes a value in libvirt's grammar, with the
values it lists (``<value>``, or a ``<data>`` whose pattern is a plain alternation such as
``(ipv4)|(ipv6)``) in grammar order, and whether it also takes other text. XSD side
(`xsd_places`): every place where virtc's schema uses a simpleType with an enumeration,
with the type's name (None for an anonymous one).

Both walks follow recursive elements (<backingStore> inside <backingStore>) until the last
`DEPTH` names repeat; a vocabulary suffix longer than that would not be seen.

Command line, for whoever adds a vocabulary entry::

    python tests/vocabulary_places.py [--grep WORD]   libvirt's value lists, by place,
                                                      and the entry each one belongs to
"""
from __future__ import annotations

import argparse
import importlib.util
import pathlib
import re
import signal
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Set, Tuple

from lxml import etree

from rng_vocabulary import LIBVIRT_DOMAIN_RNG, VIRTC_DOMAIN_XSD, RngReader, _kids, _tag

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEPTH = 6

Place = Tuple[str, ...]     # ("domain", "devices", "disk", "target", "@bus")


def place_str(place: Place) -> str:
    return "/".join(place).replace("/@", "@")


def parse_suffix(suffix: str) -> Place:
    """``disk/target@bus`` -> ("disk", "target", "@bus")."""
    path, _, attr = suffix.partition("@")
    return tuple(path.split("/")) + (("@" + attr,) if attr else ())


def local(name: str) -> str:
    return name.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


# ------------------------------------------------------------------ libvirt's RelaxNG

@dataclass
class RngValues:
    values: List[str] = field(default_factory=list)  # in grammar order, without repeats
    open: bool = False                                # also takes text beyond the values

    def add(self, value: str) -> None:
        if value not in self.values:
            self.values.append(value)


# A pattern that is only an alternation of literal words: (a|b), (a)|(b), a|b.
_WORD = re.compile(r"\(?([A-Za-z0-9_-]+)\)?")


def pattern_values(pattern: str) -> Optional[List[str]]:
    """The words of a pattern such as ``(sync_pt|share_pt)``, or None if it is a real regex."""
    body = pattern.strip()
    if body.startswith("(") and body.endswith(")") and body.count("(") == 1:
        body = body[1:-1]
    words = []
    for alternative in body.split("|"):
        m = _WORD.fullmatch(alternative.strip())
        if m is None:
            return None
        words.append(m.group(1))
    return words


class _RngWalk:
    def __init__(self, path: pathlib.Path):
        self.reader = RngReader()
        self.grammar = self.reader.grammar(path)
        self.places: Dict[Place, RngValues] = defaultdict(RngValues)
        self._seen: Set[Tuple[int, Place]] = set()
        self._keep: List[etree._Element] = []   # keeps the ids of visited nodes unique

    def run(self, root: str) -> Dict[Place, RngValues]:
        for _combine, start, g in self.grammar.start:
            for node in _kids(start):
                self.walk(node, g, (), root)
        return dict(self.places)

    def _defines(self, g, node):
        scope = g if _tag(node) == "ref" else g.parent
        return scope.defines[node.get("name")]

    def walk(self, node, g, path: Place, root: str) -> None:
        kind = _tag(node)
        self._keep.append(node)
        key = (id(node), path[-DEPTH:])
        if key in self._seen:
            return
        self._seen.add(key)
        if kind == "element":
            kids = _kids(node)
            name = node.get("name")
            if name is None:               # a name class: anyName, nsName, a choice
                return                      # (foreign content: no vocabulary of libvirt's)
            name = local(name.strip())
            if not path and name != root:
                return
            for child in kids:
                self.walk(child, g, path + (name,), root)
        elif kind == "attribute":
            name = node.get("name")
            if name is not None:
                place = path + ("@" + local(name.strip()),)
                kids = _kids(node)
                if not kids:
                    self.places[place].open = True
                for child in kids:
                    self.content(child, g, place)
        elif kind in ("ref", "parentRef"):
            for _combine, define, dg in self._defines(g, node):
                for child in _kids(define):
                    self.walk(child, dg, path, root)
        elif kind == "externalRef":
            href = pathlib.Path(node.base or "").parent / node.get("href")
            sub = self.reader.grammar(href, g)
            for _combine, start, sg in sub.start:
                for child in _kids(start):
                    self.walk(child, sg, path, root)
        elif kind in ("value", "data", "text", "list"):
            if path:
                self.content(node, g, path)
        elif kind not in ("grammar", "empty", "notAllowed"):
            for child in _kids(node):
                self.walk(child, g, path, root)

    def content(self, node, g, place: Place) -> None:
        """The values an attribute (or an element's text) takes, following refs."""
        kind = _tag(node)
        self._keep.append(node)
        if kind == "value":
            self.places[place].add((node.text or "").strip())
        elif kind == "data":
            params = [p for p in _kids(node) if _tag(p) == "param"]
            words = None
            if len(params) == 1 and params[0].get("name") == "pattern":
                words = pattern_values(params[0].text or "")
            if words is None:
                self.places[place].open = True
            for word in words or ():
                self.places[place].add(word)
        elif kind in ("ref", "parentRef"):
            for _combine, define, dg in self._defines(g, node):
                for child in _kids(define):
                    self.content(child, dg, place)
        elif kind in ("choice", "group", "optional", "zeroOrMore", "oneOrMore", "interleave"):
            for child in _kids(node):
                self.content(child, g, place)
        elif kind in ("text", "list"):
            self.places[place].open = True
        # element/attribute/empty/notAllowed: not this place's values


def rng_places(path: pathlib.Path = LIBVIRT_DOMAIN_RNG, root: str = "domain"
               ) -> Dict[Place, RngValues]:
    """Every place under <root> that takes a value: listed values, other text, or both."""
    return _RngWalk(path).run(root)


def rng_define_values(name: str, path: pathlib.Path = LIBVIRT_DOMAIN_RNG) -> RngValues:
    """The values of one named define of libvirt's grammar (virYesNo, virOnOff, …)."""
    walk = _RngWalk(path)
    for _combine, define, g in walk.grammar.defines[name]:
        for child in _kids(define):
            walk.content(child, g, ("define", name))
    return walk.places.get(("define", name), RngValues())


# ------------------------------------------------------------------ virtc's XSD

def xsd_places(path: pathlib.Path = VIRTC_DOMAIN_XSD, root: str = "domain"
               ) -> Dict[Place, Set[Optional[str]]]:
    """Every place where virtc's schema takes an enumerated simpleType: its names."""
    import xmlschema
    from xmlschema.validators import XsdAnyAttribute, XsdAnyElement

    schema = xmlschema.XMLSchema10(str(path))
    places: Dict[Place, Set[Optional[str]]] = defaultdict(set)

    def types_of(xtype, place: Place) -> None:
        if xtype is None:
            return
        if xtype.is_union():
            for member in xtype.member_types:
                types_of(member, place)
        elif getattr(xtype, "enumeration", None):
            places[place].add(local(xtype.name) if xtype.name else None)

    seen = set()
    stack = [(schema.elements[root], (root,))]
    while stack:
        decl, path_ = stack.pop()
        key = (id(decl), path_[-DEPTH:])
        if key in seen:
            continue
        seen.add(key)
        for name, attr in decl.attributes.items():
            if not isinstance(attr, XsdAnyAttribute):
                types_of(attr.type, path_ + ("@" + local(name),))
        xtype = decl.type
        if xtype.is_simple():
            types_of(xtype, path_)
        elif xtype.has_simple_content():
            types_of(xtype.content, path_)
        else:
            for child in xtype.content.iter_elements():
                if not isinstance(child, XsdAnyElement):
                    stack.append((child, path_ + (local(child.name),)))
    return dict(places)


# ------------------------------------------------------------------ routing

def load_vocabulary():
    """compiler/vocabulary.py of this checkout."""
    spec = importlib.util.spec_from_file_location(
        "virtc_vocabulary_checkout", ROOT / "compiler" / "vocabulary.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Router:
    """Which entry a place belongs to: the one with the longest matching `where` suffix."""

    def __init__(self, entries: Iterable):
        self.suffixes: List[Tuple[Place, object]] = []
        for entry in entries:
            for suffix in entry.where:
                self.suffixes.append((parse_suffix(suffix), entry))

    def matches(self, place: Place) -> List[Tuple[Place, object]]:
        return [(s, e) for s, e in self.suffixes if place[-len(s):] == s]

    def route(self, place: Place):
        """The entry for `place`, or None; ValueError if two entries tie."""
        found = self.matches(place)
        if not found:
            return None
        longest = max(len(s) for s, _e in found)
        best = {e.name: e for s, e in found if len(s) == longest}
        if len(best) > 1:
            raise ValueError("%s: equally long suffixes of %s" % (
                place_str(place), ", ".join(sorted(best))))
        return next(iter(best.values()))


# ------------------------------------------------------------------ CLI

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--grep", metavar="WORD", help="only places matching this regex")
    args = ap.parse_args(argv)
    router = Router(load_vocabulary().ENTRIES.values())
    for place, found in sorted(rng_places().items()):
        text = place_str(place)
        if not found.values:
            continue
        if args.grep and not re.search(args.grep, text):
            continue
        try:
            entry = router.route(place)
            owner = entry.name if entry else "-"
        except ValueError as exc:
            owner = "AMBIGUOUS (%s)" % exc
        print("%-60s %-28s %s%s" % (text, owner, " ".join(found.values),
                                     " (+ other text)" if found.open else ""))
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main())
