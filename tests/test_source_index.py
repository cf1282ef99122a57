"""Spans come from the source text, for every element, however lxml recycles its proxies."""
import gc

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
