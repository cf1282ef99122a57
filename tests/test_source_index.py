"""Spans come from the source text, for every element, however lxml recycles its proxies."""
import gc

import pytest

from lxml import etree

from virtc.compiler.positions import SourceIndex


def test_spans_survive_proxy_recycling():
    lines = ["<root>"] + [f"  <e{i % 3} n='{i}'/>" for i in range(300)] + ["</root>"]
    source = "\n".join(lines).encode()
    root = etree.fromstring(source)
    index = SourceIndex("f.xml", source)
    for _ in range(3):                      # proxies are freed and ids reused between rounds
        for child in root:
            span = index.span(child)
            assert span.line == int(child.get("n")) + 2
            assert span.column == 3
        gc.collect()


def test_multi_line_start_tag_points_at_its_first_line():
    source = b"<a>\n  <b\n     x='1'\n     y='2'/>\n  <c/><c/>\n</a>"
    root = etree.fromstring(source)
    index = SourceIndex("f.xml", source)
    b, c1, c2 = root
    assert (index.span(b).line, index.span(b).column) == (2, 3)
    assert (index.span(c1).column, index.span(c2).column) == (3, 7)


def spans(index, elements):
    return [(index.span(e).line, index.span(e).column) for e in elements]


def test_prefixed_and_default_namespace_elements_are_found():
    source = (b"<domain xmlns:q='urn:q'>\n  <metadata><app xmlns='urn:a'><x/></app></metadata>\n"
              b"  <q:commandline>\n    <q:arg value='-s'/>\n  </q:commandline>\n</domain>")
    root = etree.fromstring(source)
    index = SourceIndex("f.xml", source)
    metadata, commandline = root
    app, = metadata
    assert spans(index, [metadata, app, app[0], commandline, commandline[0]]) == \
        [(2, 3), (2, 13), (2, 32), (3, 3), (4, 5)]


def test_markup_in_comments_cdata_and_instructions_is_not_a_tag():
    source = (b"<?xml version='1.0'?>\n<!-- <a> -->\n<a><!-- <b/> <b/> --><b/>"
              b"<c><![CDATA[<b/>]]></c><?pi <b/>?><b/>\n</a>")
    root = etree.fromstring(source)
    index = SourceIndex("f.xml", source)
    b1, c, b2 = [e for e in root if isinstance(e.tag, str)]
    assert spans(index, [root, b1, c, b2]) == [(3, 1), (3, 22), (3, 26), (3, 60)]


def test_columns_count_characters_in_the_documents_encoding():
    text = "<a>\n  <b x='é€'/><c/>\n</a>"
    for encoded in (text.encode(), b"\xef\xbb\xbf" + text.encode(), text.encode("utf-16"),
                    ("<?xml version='1.0' encoding='ISO-8859-1'?>\n"
                     + text.replace("€", "e")).encode("latin-1")):
        root = etree.fromstring(encoded)
        index = SourceIndex("f.xml", encoded)
        shift = 1 if encoded.startswith(b"<?xml") else 0
        assert spans(index, [root, root[0], root[1]]) == \
            [(1 + shift, 1), (2 + shift, 3), (2 + shift, 14)], encoded


def test_attribute_span_points_at_the_attributes_name():
    source = (b"<a xmlns:n='urn:n'>\n  <b x='1>2' y=\"'\"\n     n:z='3' xml:lang='en'\n"
              b"     w = '4'/>\n</a>")
    root = etree.fromstring(source)
    index = SourceIndex("f.xml", source)
    b = root[0]
    at = {name: (index.attribute_span(b, name).line, index.attribute_span(b, name).column)
          for name in ("x", "y", "{urn:n}z", "{http://www.w3.org/XML/1998/namespace}lang", "w")}
    assert at == {"x": (2, 6), "y": (2, 14), "{urn:n}z": (3, 6),
                  "{http://www.w3.org/XML/1998/namespace}lang": (3, 14), "w": (4, 6)}
    # An attribute the element doesn't have: the element itself.
    assert index.attribute_span(b, "z") == index.span(b)


def test_text_span_points_at_the_first_character_of_the_text():
    source = b"<a>\n  <b>  abc</b><c x='>'>\n    text\n  </c><d/><e><f/>tail</e><g><!--c-->x</g>\n</a>"
    root = etree.fromstring(source)
    index = SourceIndex("f.xml", source)
    b, c, d, e, g = root
    assert (index.text_span(b).line, index.text_span(b).column) == (2, 8)
    assert (index.text_span(c).line, index.text_span(c).column) == (3, 5)
    for no_text in (d, e, g):          # empty, children first, a comment first
        assert index.text_span(no_text) == index.span(no_text)


def test_byte_offsets_lines_and_character_offsets():
    source = "<a>\n  <b>é</b>\x00\n</a>".encode()
    index = SourceIndex("f.xml", source)
    nul = source.index(b"\x00")
    assert (index.byte_span(nul).line, index.byte_span(nul).column) == (2, 11)
    assert index.text[index.offset(2, 11)] == "\x00"
    assert index.char_span(index.offset(2, 3)) == index.byte_span(source.index(b"<b>"))
    assert (index.line_span(3).line, index.line_span(3).column) == (3, 1)
    assert index.offset(9, 9) == len(index.text)


def test_an_element_of_another_tree_falls_back_to_its_line():
    source = b"<a>\n  <b/>\n  <b\n    x='1'/>\n</a>"
    other = etree.fromstring(b"<z>\n  <b/>\n  <b\n    x='1'/>\n  <c/>\n</z>")
    index = SourceIndex("f.xml", source)
    index.span(etree.fromstring(source))             # the index now belongs to its own tree
    assert spans(index, [other[0], other[1]]) == [(2, 3), (3, 3)]


def test_one_scan_serves_every_question():
    source = b"<a>" + b"".join(b"<b%d/>" % i for i in range(50)) + b"</a>"
    root = etree.fromstring(source)
    index = SourceIndex("f.xml", source)
    for el in reversed(list(root)):
        index.span(el).line            # read: spans find their place lazily
    first = index._tags
    assert [index.span(el).column for el in root] == [4 + 5 * i + (i > 9) * (i - 10)
                                                     for i in range(50)]
    assert index._tags is first and len(first) == 51


def test_an_element_span_is_found_when_read_and_then_is_an_ordinary_span():
    """index.span(el) defers the search for the column until the span is read; after that,
    and for everything a user or a rule does with it, it is the span the search gives."""
    import copy
    import pickle

    from virtc.compiler.diagnostics import Span

    source = b"<a>\n  <b x='1'/>\n  <c/>\n</a>"
    root = etree.fromstring(source)
    index = SourceIndex("f.xml", source)
    b, c = root
    lazy = index.span(c)
    assert index._tags is None                      # nothing searched yet
    assert lazy == Span("f.xml", 3, 3) and hash(lazy) == hash(Span("f.xml", 3, 3))
    assert index.span(c) == lazy and str(lazy) == "f.xml:3:3"
    assert index.span(b) < lazy                     # ordering reads both
    for again in (pickle.loads(pickle.dumps(index.span(b))), copy.deepcopy(index.span(b))):
        assert again == Span("f.xml", 2, 3) and "_later" not in vars(again)
    assert pickle.loads(pickle.dumps(SourceIndex("g.xml", source).span(c))) == \
        Span("g.xml", 3, 3)                         # pickled before it was ever read
    assert Span().line == 0 and Span("f").column == 0
    with pytest.raises(AttributeError):
        lazy.nonsense


def test_a_finding_lets_go_of_the_document_it_was_found_in():
    """A batch keeps every finding to the end: their spans must not keep each file's tree
    and source alive (benchmarks/bench.py figure 4: memory stays flat)."""
    import weakref

    from virtc.compiler.diagnostics import Diagnostics

    source = b"<a>\n  <b/>\n</a>"
    root = etree.fromstring(source)
    index = SourceIndex("f.xml", source)
    diags = Diagnostics()
    diags.add("SEM201", "m", index.span(root[0]))
    other = Diagnostics()
    other.extend(Diagnostics().items + [type(diags.items[0])(
        "SEM201", diags.items[0].severity, "m", index.span(root), None)])
    gone = weakref.ref(index)
    del index, root
    gc.collect()
    assert gone() is None
    assert (diags.items[0].span.line, diags.items[0].span.column) == (2, 3)
    assert (other.items[0].span.line, other.items[0].span.column) == (1, 1)


def _batch_peak_kib(tmp_path, files: int, valid: bool) -> int:
    """The peak memory of `virtc validate -j 1` over `files` copies of a domain whose
    <devices> carries a 200 kB comment, as `virtc` runs it (the cyclic collector off)."""
    import pathlib
    import subprocess
    import sys

    root = pathlib.Path(__file__).resolve().parent.parent
    text = (root / "tests" / "broken" / "SEM207-duplicate-mac.xml").read_text()
    if valid:
        text = text.replace("52:54:00:00:00:01", "52:54:00:00:00:02", 1)
    text = text.replace("<devices>", "<devices><!-- " + ("x" * 70 + "\n") * 3000 + " -->", 1)
    folder = tmp_path / f"{files}-{valid}"
    folder.mkdir()
    for i in range(files):
        (folder / f"d{i:03}.xml").write_text(text)
    code = ("import gc, resource, sys\n"
            "from virtc.cli import main\n"
            "gc.disable()\n"
            f"sys.argv = ['virtc', 'validate', '-j', '1', {str(folder)!r}]\n"
            "main()\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    return int(proc.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize("valid", [True, False], ids=["clean", "findings"])
def test_a_batch_holds_no_documents_it_has_finished_with(tmp_path, valid):
    """A lazy span keeps its document's tree and source until it is read. A batch of 60
    files (clean, or each with a finding) must not keep them all: its peak memory stays
    within a few MB of a batch of 3 (each document here is worth about 0.7 MB held)."""
    few = _batch_peak_kib(tmp_path, 3, valid)
    many = _batch_peak_kib(tmp_path, 60, valid)
    assert many - few < 12_000, (few, many)


def test_a_lazy_span_read_from_two_threads_at_once_gives_both_its_place():
    """An IR shared between threads (a server rendering one compile's nodes) may read a
    span's line in two threads at once: the second must not find it half made."""
    import threading
    import time

    from virtc.compiler.diagnostics import Span

    def locate(where):
        time.sleep(0.2)
        return where

    span = Span.later("f.xml", locate, (4, 7))
    got = []

    def read():
        try:
            got.append((span.line, span.column))
        except AttributeError as exc:
            got.append(exc)

    threads = [threading.Thread(target=read) for _ in range(2)]
    for t in threads:
        t.start()
        time.sleep(0.05)
    for t in threads:
        t.join()
    assert got == [(4, 7), (4, 7)]
