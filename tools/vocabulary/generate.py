"""Write compiler/vocabulary.py's enumerations into virtc's domain schema.

    python tools/vocabulary/generate.py           rewrite the schema files that differ
    python tools/vocabulary/generate.py --check   only say which differ (exit 1 if any)

Each vocabulary entry names one `xs:simpleType`; its `xs:restriction` children are
rewritten, one `xs:enumeration` a line, with the entry's notes as comments above their
values. Nothing else in a file changes: not the restriction's base, not the comments or
the layout around it. Running it twice changes nothing the second time.

It refuses, and says why, when the schema and the vocabulary can't be matched up: an entry
whose simpleType is missing or defined twice, or an enumeration in the schema that no
entry owns (an inline one must first become a named simpleType with an entry).
"""
from __future__ import annotations

import argparse
import difflib
import importlib.util
import pathlib
import re
import sys
from typing import Dict, List, Tuple

ROOT = pathlib.Path(__file__).resolve().parents[2]
VOCABULARY = ROOT / "compiler" / "vocabulary.py"
SCHEMAS = ROOT / "schemas"

# A named simpleType that is a plain restriction: its opening (with any comments before
# the restriction), the restriction's body, and the indentation of its closing tag.
SIMPLE_TYPE = re.compile(
    r'(?P<open><xs:simpleType name="(?P<name>[^"]+)">[ \t]*\n'
    r'(?:[ \t]*<!--.*?-->[ \t]*\n)*'
    r'(?P<indent>[ \t]*)<xs:restriction base="[^"]+">[ \t]*\n)'
    r'(?P<body>.*?)'
    r'(?P<close>[ \t]*</xs:restriction>)', re.S)
ENUMERATION = re.compile(r'<xs:enumeration\b')
INLINE = re.compile(r'<xs:simpleType>\s*<xs:restriction\b[^>]*>\s*(?:<!--.*?-->\s*)*'
                    r'<xs:enumeration\b', re.S)
# What a restriction body may hold for the generator to own it: enumerations, comments.
OWNED_BODY = re.compile(r'(?:\s|<xs:enumeration value="[^"]*"\s*/>|<!--.*?-->)*', re.S)


class VocabularyError(Exception):
    """The schema and the vocabulary don't match up; the message says where."""


def load_vocabulary(path: pathlib.Path = VOCABULARY):
    """compiler/vocabulary.py of this checkout (not whatever virtc is installed)."""
    spec = importlib.util.spec_from_file_location("virtc_vocabulary_source", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def schema_files(schemas: pathlib.Path = SCHEMAS) -> List[pathlib.Path]:
    return [schemas / "domain.xsd"] + sorted((schemas / "domain").glob("*.xsd"))


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace(
        '"', "&quot;")


def restriction_body(entry, indent: str) -> str:
    """The lines between <xs:restriction …> and </xs:restriction> for `entry`."""
    inner = indent + "  "
    lines = []
    for value in entry.values:
        note = entry.notes.get(value)
        if note:
            if "--" in note:
                raise VocabularyError(f"{entry.name}: a note can't contain '--': {note!r}")
            lines.append(f"{inner}<!-- {note} -->\n")
        lines.append(f'{inner}<xs:enumeration value="{_xml_escape(value)}"/>\n')
    return "".join(lines)


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def rewrite(text: str, by_type: Dict[str, object], where: str,
            found: Dict[str, str]) -> str:
    """`text` with the restriction of every simpleType in `by_type` regenerated.

    Records in `found` which file defines each type; raises VocabularyError for an
    enumeration that no entry owns or a type defined twice.
    """
    out, last = [], 0
    owned_spans = []
    for m in SIMPLE_TYPE.finditer(text):
        name, body = m["name"], m["body"]
        if not ENUMERATION.search(body):
            continue                        # a pattern, a range: not a vocabulary
        entry = by_type.get(name)
        if entry is None:
            raise VocabularyError(
                f"{where}:{_line(text, m.start())}: simpleType {name} enumerates values but "
                f"no entry of compiler/vocabulary.py names it; add one")
        if name in found:
            raise VocabularyError(
                f"{where}: simpleType {name} is also defined in {found[name]}")
        if not OWNED_BODY.fullmatch(body):
            raise VocabularyError(
                f"{where}:{_line(text, m.start())}: simpleType {name} mixes its enumeration "
                f"with other facets; the generator only owns plain value lists")
        found[name] = where
        owned_spans.append((m.start(), m.end()))
        out.append(text[last:m.start("body")])
        out.append(restriction_body(entry, m["indent"]))
        last = m.end("body")
    out.append(text[last:])
    inline = INLINE.search(text)
    if inline:
        raise VocabularyError(
            f"{where}:{_line(text, inline.start())}: an inline enumeration; make it a named "
            f"simpleType with an entry in compiler/vocabulary.py")
    for m in ENUMERATION.finditer(text):
        if not any(a <= m.start() < b for a, b in owned_spans):
            raise VocabularyError(
                f"{where}:{_line(text, m.start())}: an enumeration outside a plain named "
                f"simpleType; the generator can't own it")
    return "".join(out)


def generate(vocabulary, files: List[pathlib.Path]) -> List[Tuple[pathlib.Path, str, str]]:
    """(file, old text, new text) for every schema file; raises VocabularyError."""
    by_type: Dict[str, object] = {}
    for entry in vocabulary.ENTRIES.values():
        if entry.xsd in by_type:
            raise VocabularyError(f"entries {by_type[entry.xsd].name} and {entry.name} both "
                                  f"name simpleType {entry.xsd}")
        by_type[entry.xsd] = entry
    found: Dict[str, str] = {}
    results = []
    for path in files:
        old = path.read_text(encoding="utf-8")
        where = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
        results.append((path, old, rewrite(old, by_type, where, found)))
    missing = sorted(e.name for e in vocabulary.ENTRIES.values() if e.xsd not in found)
    if missing:
        raise VocabularyError("no plain simpleType in the schema for: " + ", ".join(
            f"{n} ({vocabulary.ENTRIES[n].xsd})" for n in missing))
    return results


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="write nothing; list the files that differ and exit 1 if any do")
    args = ap.parse_args(argv)
    try:
        results = generate(load_vocabulary(), schema_files())
    except VocabularyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    changed = [(p, old, new) for p, old, new in results if old != new]
    for path, old, new in changed:
        rel = path.relative_to(ROOT)
        if args.check:
            sys.stdout.writelines(difflib.unified_diff(
                old.splitlines(True), new.splitlines(True), f"a/{rel}", f"b/{rel}"))
        else:
            path.write_text(new, encoding="utf-8")
            print(f"rewrote {rel}")
    if not changed:
        print(f"in sync: {len(results)} schema files")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
