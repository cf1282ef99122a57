"""Every broken document's first finding is on the defect's line and names what is wrong.

The corpus is tests/broken/*.xml (see broken_cases.py for the header format). Every
family is exact, backends included: the IR keeps a span for each sub-element a backend
can complain about, so no finding points at a parent instead of the defect.
"""
import pytest

from broken_cases import cases, diagnose
from virtc.pipeline import load_bytes
from virtc.compiler.diagnostics import Severity
from virtc.compiler.rules import get
from virtc.cli.report.text import format_one

CASES = cases()
EXACT_FAMILIES = ("XML", "XSD", "SEM")


def test_corpus_is_large_enough():
    assert len(CASES) >= 30
    assert len({c.path.read_bytes() for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_first_finding_is_at_the_defect(case):
    diags = diagnose(case)
    rule = get(case.code)
    assert rule is not None, f"{case.code} is not registered"
    shown = "\n".join(format_one(d) for d in diags)
    # The first finding of the rule's own severity: a warning rule's fixture may compile
    # with notes, and a forced wrong target (target=…) adds that target's refusal.
    same = [d for d in diags if d.severity is rule.severity]
    assert same, f"no {rule.severity.value} at all:\n{shown}"
    first = same[0]
    assert (first.code, first.span.line) == (case.code, case.line), shown
    text = first.message + (" " + first.hint if case.code == "XML001" and first.hint else "")
    for word in case.words:
        assert word in text, f"{word!r} not named in: {first.message}"
    if rule.severity is not Severity.ERROR and "target" not in case.options:
        assert not [d for d in diags if d.severity is Severity.ERROR], shown


def test_no_case_settles_for_a_parent_position():
    assert [c.id for c in CASES if "reported" in c.options] == []


def test_exact_families_are_the_bulk_of_the_corpus():
    exact = [c for c in CASES if c.code.startswith(EXACT_FAMILIES)]
    assert len(exact) >= 30


SPEC_UNCLOSED = "tests/golden/bad-net-user-mac-as-printed.xml"
SPEC_SOURCE_NAME = "tests/golden/bad-spec-qemu-as-printed.xml"


def _libxml2_position(path):
    from lxml import etree

    try:
        etree.fromstring(open(path, "rb").read(), etree.XMLParser())
    except etree.XMLSyntaxError as exc:
        # exc.position is this parse's first error; exc.error_log may hold older entries.
        return exc.position
    raise AssertionError("expected a syntax error")


def test_spec_unclosed_quote_at_libxml2_position():
    diags = load_bytes(open(SPEC_UNCLOSED, "rb").read(), SPEC_UNCLOSED).diagnostics
    (d,) = diags
    assert d.code == "XML001"
    assert (d.span.line, d.span.column) == _libxml2_position(SPEC_UNCLOSED)
    assert "address" in d.hint and "never closed" in d.hint


def test_spec_source_name_at_line_23_with_network_hint():
    diags = load_bytes(open(SPEC_SOURCE_NAME, "rb").read(), SPEC_SOURCE_NAME).diagnostics
    assert (diags[0].code, diags[0].span.line) == ("XSD102", 23)
    assert "network=" in diags[0].hint


def test_syntax_error_positions_do_not_leak_between_files():
    """A batch reads many broken files in one process; each keeps its own position."""
    other = next(c for c in CASES if c.id == "XML001-unclosed-quote")
    load_bytes(other.path.read_bytes(), other.rel)
    diags = load_bytes(open(SPEC_UNCLOSED, "rb").read(), SPEC_UNCLOSED).diagnostics
    assert (diags[0].span.line, diags[0].span.column) == _libxml2_position(SPEC_UNCLOSED)
