"""Positive documents exercise every element, attribute and enumerated value of the schema.

A new element or value in schemas/domain.xsd (or one of its family includes) needs a valid
document that uses it: a golden case (its output frozen in a snapshot and, for QEMU,
started in real QEMU), a document of the real-tool corpus, or a valid schema case.
"""
import pathlib

from lxml import etree

ROOT = pathlib.Path(__file__).resolve().parent.parent
XS = "{http://www.w3.org/2001/XMLSchema}"


def schema_vocabulary():
    elements, attributes, values = set(), set(), set()
    for path in [ROOT / "schemas" / "domain.xsd", *sorted((ROOT / "schemas" / "domain").glob("*.xsd"))]:
        xsd = etree.parse(str(path))
        elements |= {e.get("name") for e in xsd.iter(XS + "element") if e.get("name")}
        attributes |= {e.get("name") for e in xsd.iter(XS + "attribute") if e.get("name")}
        values |= {e.get("value") for e in xsd.iter(XS + "enumeration")}
    return elements, attributes, values


POSITIVE = ("tests/golden*/*.xml", "tests/corpus/**/*.xml", "tests/schema_cases/valid/*.xml",
            "tests/schema_cases/newer-libvirt/*.xml")


def golden_vocabulary():
    elements, attributes, values = set(), set(), set()
    paths = sorted(p for pattern in POSITIVE for p in ROOT.glob(pattern))
    for path in paths:
        if path.name.startswith("bad-"):
            continue
        for el in etree.parse(str(path)).iter(etree.Element):
            elements.add(etree.QName(el).localname)
            attributes.update(etree.QName(a).localname for a in el.attrib)
            values.update(el.attrib.values())
            if el.text and el.text.strip():
                values.add(el.text.strip())
    return elements, attributes, values


def test_every_schema_element_attribute_and_value_has_a_positive_golden_case():
    want = schema_vocabulary()
    have = golden_vocabulary()
    missing = [sorted(w - h) for w, h in zip(want, have)]
    assert missing == [[], [], []], f"elements, attributes, values without a case: {missing}"
