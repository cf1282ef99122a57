"""Mutants of the real-tool corpus (tests/corpus), for tests/test_fuzz_corpus.py.

The golden documents (test_fuzz_mutants.py) speak the 2007 vocabulary; these mutants start
from the 128 documents virt-install and libvirt wrote, so they reach today's vocabulary:
controllers, channels, TPMs, UEFI loaders, every address type. Each mutant is one document
with one to three edits that matter on that vocabulary:

- elements deleted, duplicated, reordered, emptied, or moved under the wrong parent, and
  the children a domain or device cannot do without removed;
- attributes dropped, reordered, or transplanted from another element;
- an enumerated value swapped for another value the schema allows for the same element
  and attribute (controller model, disk bus, video model, interface type, address type…),
  read from schemas/domain.xsd itself, so that the mutants follow the vocabulary;
- numeric extremes (0, -1, 2**32, 2**64, forty nines, hex, '1_0', non-numeric) in sizes,
  ports, addresses, indexes and unit=;
- a changed domain type, OS type, arch or machine;
- about one in ten also damaged as bytes: truncated, a DOCTYPE with entities (nested ones,
  an external file) added, deep nesting injected, or an attribute written twice.

The originals are fixed (`originals`): each corpus document as it is, its seed-era core
(what the 2007 format page has of it), and that core as a Xen HVM and a Xen PV guest. They are made
by fixed edits, never by what virtc compiles, so a seed gives the same mutants from one
commit to the next, and many of them get through validation to the lowering and to every
backend.
"""
from __future__ import annotations

import copy
import pathlib
import random
import re
from typing import Callable, Dict, List, Tuple

from lxml import etree


ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
DOCS = sorted([*CORPUS.glob("print-xml/*.xml"), *CORPUS.glob("dumpxml/*.xml")])

# Values that break number parsing: zero, negative, past 32 and 64 bits, floats, hex
# without digits, signs, Python-only spellings (int() takes '1_0' and Arabic-Indic digits),
# words and empty text.
NUMBERS = ["0", "-1", "1", "65535", "65536", "4294967295", "4294967296",
           "18446744073709551615", "18446744073709551616", "9" * 40, "1e9", "1.5", "0x",
           "0x-1", "0x" + "f" * 20, "+5", "1_0", "\u0663", " 7 ", "", "abc", "-0"]
NUMERIC_ATTRS = {"unit", "port", "tlsPort", "websocket", "slot", "bus", "domain", "function",
                 "controller", "target", "index", "ports", "vectors", "size", "queues",
                 "iothread", "order", "vram", "vram64", "ram", "vgamem", "heads", "reg",
                 "cssid", "ssid", "devno", "iobase", "irq", "cid", "current", "period",
                 "bytes", "chassis", "chassisNr", "busNr", "memslots", "max_sectors", "id"}
MACHINES = ["pc", "q35", "pc-q35-7.2", "pc-i440fx-7.2", "pc-1.0", "isapc", "microvm", "virt",
            "pseries", "s390-ccw-virtio", "xenfv", "xenpv", "none", "", "pc,accel=tcg", "x" * 80]
# Elements a domain or a device cannot do without.
REQUIRED = {"name", "memory", "os", "type", "devices", "source", "target", "address",
            "model", "driver", "emulator", "mac", "loader", "boot", "backend"}


# ------------------------------------------------------------------ the schema's enumerations

def schema_enumerations() -> Tuple[Dict[Tuple[str, str], List[str]], Dict[str, List[str]]]:
    """{(element, attribute): values} and {element: values of its text}, from domain.xsd."""
    from virtc.compiler.schema_findings import _xsd_model   # shared with the explainer

    attrs: Dict[Tuple[str, str], set] = {}
    texts: Dict[str, set] = {}
    seen = set()

    def values(xtype) -> set:
        found = set(getattr(xtype, "enumeration", None) or ())
        for member in getattr(xtype, "member_types", None) or ():
            found |= values(member)
        return found

    def walk(decl) -> None:
        if id(decl) in seen or getattr(decl, "type", None) is None:
            return
        seen.add(id(decl))
        xtype, tag = decl.type, decl.local_name
        for name, attr in getattr(xtype, "attributes", {}).items():
            if name and (found := values(attr.type)):
                attrs.setdefault((tag, name), set()).update(found)
        if xtype.is_simple() or xtype.has_simple_content():
            if found := values(xtype if xtype.is_simple() else xtype.content):
                texts.setdefault(tag, set()).update(found)
        elif xtype.content is not None and hasattr(xtype.content, "iter_elements"):
            for child in xtype.content.iter_elements():
                walk(child)

    walk(_xsd_model("domain").elements["domain"])
    return ({k: sorted(v) for k, v in attrs.items() if len(v) > 1},
            {k: sorted(v) for k, v in texts.items() if len(v) > 1})


# ------------------------------------------------------------------ tree edits

def _elements(root) -> list:
    return list(root.iter(etree.Element))


def _inner(root) -> list:
    return [e for e in root.iter(etree.Element) if e.getparent() is not None]


def _local(el) -> str:
    return etree.QName(el).localname


class Mutator:
    """The edits. Each takes the root and a Random, edits in place and describes itself."""

    def __init__(self, enums, texts) -> None:
        self.enums, self.texts = enums, texts
        self.tree_ops: List[Callable] = [
            self.delete, self.delete, self.duplicate, self.reorder, self.drop_attribute,
            self.transplant_attribute, self.shuffle_attributes, self.enum_swap,
            self.enum_swap, self.enum_swap, self.number, self.number, self.number,
            self.drop_required, self.wrong_parent, self.identity, self.identity]

    def delete(self, root, rng):
        el = rng.choice(_inner(root))
        el.getparent().remove(el)
        return f"delete <{_local(el)}>"

    def duplicate(self, root, rng):
        el = rng.choice(_inner(root))
        el.addnext(copy.deepcopy(el))
        return f"duplicate <{_local(el)}>"

    def reorder(self, root, rng):
        parents = [e for e in _elements(root) if len(e) >= 2]
        parent = rng.choice(parents)
        child = rng.choice(list(parent))
        parent.remove(child)
        parent.insert(rng.randrange(len(parent) + 1), child)
        return f"move <{_local(child)}> within <{_local(parent)}>"

    def drop_attribute(self, root, rng):
        el = rng.choice([e for e in _elements(root) if e.attrib] or [root])
        if not el.attrib:
            return "no attribute to drop"
        name = rng.choice(sorted(el.attrib))
        del el.attrib[name]
        return f"drop <{_local(el)}>@{name}"

    def transplant_attribute(self, root, rng):
        donors = [e for e in _elements(root) if e.attrib]
        if not donors:
            return "no attribute to transplant"
        donor, el = rng.choice(donors), rng.choice(_elements(root))
        name = rng.choice(sorted(donor.attrib))
        el.set(name, donor.get(name))
        return f"<{_local(el)}>@{name}={donor.get(name)!r} (from <{_local(donor)}>)"

    def shuffle_attributes(self, root, rng):
        el = rng.choice([e for e in _elements(root) if len(e.attrib) > 1] or [root])
        items = list(el.attrib.items())
        rng.shuffle(items)
        el.attrib.clear()
        for k, v in items:
            el.set(k, v)
        return f"reorder attributes of <{_local(el)}>"

    def enum_swap(self, root, rng):
        sites = [(e, a) for e in _elements(root) for a in e.attrib
                 if (_local(e), a) in self.enums]
        sites += [(e, None) for e in _elements(root) if _local(e) in self.texts]
        el, attr = rng.choice(sites)
        choices = self.enums[(_local(el), attr)] if attr else self.texts[_local(el)]
        old = el.get(attr) if attr else el.text
        new = rng.choice([v for v in choices if v != old] or choices)
        if attr:
            el.set(attr, new)
        else:
            el.text = new
        return f"<{_local(el)}>{'@' + attr if attr else ' text'}: {old!r} -> {new!r}"

    def number(self, root, rng):
        sites = [(e, a) for e in _elements(root) for a, v in e.attrib.items()
                 if a in NUMERIC_ATTRS or re.fullmatch(r"(0x)?[0-9a-fA-F]*[0-9][0-9a-fA-F]*", v)]
        sites += [(e, None) for e in _elements(root)
                  if len(e) == 0 and e.text and e.text.strip().isdigit()]
        if not sites:
            return "no number to change"
        el, attr = rng.choice(sites)
        new = rng.choice(NUMBERS)
        if attr:
            el.set(attr, new)
        else:
            el.text = new
        return f"<{_local(el)}>{'@' + attr if attr else ' text'} = {new!r}"

    def drop_required(self, root, rng):
        victims = [e for e in _inner(root) if _local(e) in REQUIRED]
        if rng.random() < 0.2 or not victims:    # a device with nothing inside
            el = rng.choice([e for e in _inner(root) if len(e)] or [root])
            for child in list(el):
                el.remove(child)
            return f"empty <{_local(el)}>"
        el = rng.choice(victims)
        parent = el.getparent()
        parent.remove(el)
        return f"remove required <{_local(el)}> from <{_local(parent)}>"

    def wrong_parent(self, root, rng):
        devices = [e for e in _inner(root) if _local(e.getparent()) == "devices"]
        el = rng.choice(devices or _inner(root))
        targets = [e for e in _elements(root) if e is not el and el not in e.iterancestors()
                   and e is not el.getparent()]
        if not targets:
            return "no other parent"
        parent = rng.choice(targets)
        el.getparent().remove(el)
        parent.append(el)
        return f"move <{_local(el)}> under <{_local(parent)}>"

    def identity(self, root, rng):
        os_type = root.find("os/type")
        which = rng.choice(["domain", "os", "arch", "machine"])
        if which == "domain":
            old = root.get("type")
            root.set("type", rng.choice(self.enums[("domain", "type")]))
            return f"domain type {old!r} -> {root.get('type')!r}"
        if os_type is None:
            return "no <os><type> to change"
        if which == "os":
            os_type.text = rng.choice(self.texts.get("type", ["hvm", "xen", "linux", "exe"]))
            return f"os type -> {os_type.text!r}"
        if which == "arch":
            os_type.set("arch", rng.choice(self.enums[("type", "arch")] + ["", "x86-64"]))
            return f"arch -> {os_type.get('arch')!r}"
        os_type.set("machine", rng.choice(MACHINES))
        return f"machine -> {os_type.get('machine')!r}"

    # -------------------------------------------------------------- byte edits

    @staticmethod
    def text_edit(doc: bytes, rng) -> Tuple[bytes, str]:
        op = rng.choice(["truncate", "truncate", "entity", "laughs", "external", "nesting",
                         "nesting", "duplicate-attribute"])
        if op == "truncate":
            at = rng.randrange(len(doc))
            return doc[:at], f"truncate at byte {at}"
        body = doc.split(b"?>", 1)[-1] if doc.startswith(b"<?xml") else doc
        if op in ("entity", "laughs", "external"):
            subset = {"entity": b'<!ENTITY e "vda">',
                      "laughs": b'<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
                                b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;">',
                      "external": b'<!ENTITY e SYSTEM "file:///etc/passwd">'}[op]
            ref = b"&c;" if op == "laughs" else b"&e;"
            body = body.replace(b"</name>", ref + b"</name>", 1)
            return b"<!DOCTYPE domain [" + subset + b"]>\n" + body, f"{op} DOCTYPE"
        if op == "nesting":     # the hostile tests' deep nesting, at an element's start
            at = rng.choice([m.end() for m in re.finditer(rb"<[a-z][^<>]*[^/<>]>", body)])
            depth = rng.choice([50, 300, 5000])
            return body[:at] + b"<x>" * depth + b"</x>" * depth + body[at:], f"nest {depth}"
        found = list(re.finditer(rb"<[a-z]+ ([a-zA-Z]+=(['\"])[^'\"]*\2)", body))
        m = rng.choice(found)         # the root element always has one: type=
        return (body[:m.end()] + b" " + m.group(1) + body[m.end():],
                f"duplicate attribute {m.group(1).decode()}")


# ------------------------------------------------------------------ originals and mutants

# The 2007 format page's vocabulary, which every backend has compiled from the start: the
# children kept, by parent (a parent not listed keeps all of its own).
SEED_CHILDREN = {
    "domain": {"name", "uuid", "memory", "currentMemory", "vcpu", "os", "features", "clock",
               "on_poweroff", "on_reboot", "on_crash", "devices", "bootloader"},
    "features": {"acpi", "apic", "pae"},
    "clock": set(),
    "devices": {"emulator", "disk", "interface", "graphics", "input", "serial", "console",
                "parallel"},
    "disk": {"source", "target", "readonly"},
    "interface": {"source", "mac", "model", "script", "target"},
    "graphics": set(),
    "input": set(),
    "serial": {"source", "target"},
    "console": {"source", "target"},
    "parallel": {"source", "target"},
}
SEED_KINDS = {"graphics": {"vnc", "sdl"}, "input": {"mouse", "tablet"}}


def _as_xen(root, pv: bool) -> None:
    """Make a corpus domain a Xen one: an HVM guest with hvmloader, or a PV guest."""
    root.set("type", "xen")
    os_el = root.find("os")
    for child in list(os_el):
        if _local(child) != "type":
            os_el.remove(child)
    os_type = os_el.find("type")
    os_type.attrib.pop("machine", None)
    os_type.text = "linux" if pv else "hvm"
    etree.SubElement(os_el, "kernel" if pv else "loader").text = (
        "/boot/vmlinuz" if pv else "/usr/lib/xen/boot/hvmloader")
    if pv:                 # a PV guest sees its disks through blkfront: xvda, xvdb, …
        for n, target in enumerate(root.iterfind("devices/disk/target")):
            target.set("bus", "xen")
            target.set("dev", "xvd" + "abcdefghijklmnopqrstuvwxyz"[n % 26])


def _seed_core(root) -> None:
    """Keep what the 2007 page has (SEED_CHILDREN, SEED_KINDS): a fixed reduction of the
    document, not one that follows what virtc compiles, so that many mutants get through to
    every backend."""
    for el in list(root.iter(etree.Element)):
        parent = el.getparent()
        if parent is None or el.getparent() is None:
            continue
        keep = SEED_CHILDREN.get(_local(parent))
        kinds = SEED_KINDS.get(_local(el))
        if (keep is not None and _local(el) not in keep) or (
                kinds is not None and el.get("type") not in kinds):
            parent.remove(el)
    for target in root.iterfind("devices/*/target"):
        for child in list(target):
            target.remove(child)


def originals() -> List[Tuple[str, bytes]]:
    """Fixed originals, made from the corpus by fixed edits and never by what virtc makes of
    them: each document as it is, its seed-era core (`_seed_core`), and that core as a Xen
    HVM and as a Xen PV guest (`_as_xen`). So a seed draws the same mutants, byte for byte,
    however much more the backends compile from one commit to the next; what a backend can't
    compile is a finding, an outcome as good as any other."""
    out = []
    for path in DOCS:
        name = f"{path.parent.name}-{path.stem}"
        data = path.read_bytes()
        out.append((name, data))
        core = etree.fromstring(data)
        _seed_core(core)
        out.append((f"{name}-core", etree.tostring(core, encoding="utf-8")))
        for kind in ("xen-hvm", "xen-pv"):
            root = copy.deepcopy(core)
            _as_xen(root, pv=kind == "xen-pv")
            out.append((f"{name}-{kind}", etree.tostring(root, encoding="utf-8")))
    return out


def mutants(count: int, seed: int, mutator: Mutator, bases) -> List[Tuple[str, bytes, str]]:
    """(name, document, edits): name is the mutant's number and its original."""
    rng = random.Random(seed)
    out = []
    for n in range(count):
        base, data = rng.choice(bases)
        root = etree.fromstring(data)
        edits = [rng.choice(mutator.tree_ops)(root, rng)
                 for _ in range(rng.choice((1, 1, 2, 3)))]
        doc = etree.tostring(root, encoding="utf-8", xml_declaration=rng.random() < 0.5)
        if rng.random() < 0.1:
            doc, edit = mutator.text_edit(doc, rng)
            edits.append(edit)
        out.append((f"{n:04d}-{base}", doc, "; ".join(edits)))
    return out
