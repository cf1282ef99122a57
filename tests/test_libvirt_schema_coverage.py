"""Coverage of libvirt's schema: every element and attribute name that libvirt's domain.rng
allows, virtc's schema accepts in the same place.

"The same place" is the pair (last three ancestor names, name), checked in each top-level
family it occurs in (disk, interface, os, …); see tests/rng_vocabulary.py. Exceptions live
in tests/libvirt_schema_exceptions.txt, each with its reason, and stay under 2% of names.

While the schema is being extended, the full list of what is missing is one command away:
    python tests/rng_vocabulary.py --missing [--grep WORD]
"""
import textwrap

import pytest

import rng_vocabulary as rv

EXCEPTION_LIMIT = 0.02


@pytest.fixture(scope="module")
def libvirt():
    if not rv.LIBVIRT_DOMAIN_RNG.exists():
        pytest.skip("%s is absent: Debian ships it in libvirt0 (libvirt-clients depends on it)"
                    % rv.LIBVIRT_DOMAIN_RNG)
    return rv.rng_vocabulary()


@pytest.fixture(scope="module")
def virtc():
    return rv.xsd_vocabulary(rv.load_xsd())


@pytest.fixture(scope="module")
def exceptions():
    return rv.load_exceptions()


@pytest.fixture(scope="module")
def cov(libvirt, virtc, exceptions):
    return rv.coverage(libvirt, virtc, exceptions)


def _strings(vocab):
    return {str(pair) for pair in vocab.pairs}


def _write(directory, name, text):
    path = directory / name
    path.write_text(textwrap.dedent(text).strip() + "\n")
    return path


# ------------------------------------------------------------------ the tool itself

def test_the_collector_follows_relaxng_structure(tmp_path):
    _write(tmp_path, "common.rng", """
        <grammar xmlns="http://relaxng.org/ns/structure/1.0">
          <define name="domain">
            <element name="domain">
              <interleave>
                <ref name="replaced"/>
                <optional><ref name="more"/></optional>
                <optional><element name="never"><notAllowed/></element></optional>
                <element name="chain"><attribute name="depth"/><ref name="chain"/></element>
                <element name="cmd" ns="urn:x"><element name="arg"><empty/></element></element>
                <externalRef href="external.rng"/>
                <grammar>
                  <start><element name="inner"><parentRef name="chain"/></element></start>
                </grammar>
              </interleave>
            </element>
          </define>
          <define name="replaced"><element name="old"><empty/></element></define>
          <define name="more"><element name="base"><empty/></element></define>
          <define name="chain">
            <optional><element name="chain"><ref name="chain"/></element></optional>
          </define>
        </grammar>""")
    _write(tmp_path, "external.rng", """
        <element name="external" xmlns="http://relaxng.org/ns/structure/1.0">
          <attribute name="a"/>
        </element>""")
    main = _write(tmp_path, "main.rng", """
        <grammar xmlns="http://relaxng.org/ns/structure/1.0">
          <start><ref name="domain"/></start>
          <include href="common.rng">
            <define name="replaced"><element name="new"><empty/></element></define>
          </include>
          <define name="more" combine="choice"><element name="added"><empty/></element></define>
        </grammar>""")
    assert _strings(rv.rng_vocabulary(main)) == {
        "domain",
        "domain/new",                       # the include's define overrides "old"
        "domain/base", "domain/added",      # combine="choice" merges
        "domain/chain", "domain/chain@depth",
        "domain/chain/chain", "domain/chain/chain/chain", "chain/chain/chain/chain",
        "domain/{urn:x}cmd", "domain/{urn:x}cmd/{urn:x}arg",  # ns= is inherited
        "domain/external", "domain/external@a",
        "domain/inner", "domain/inner/chain", "domain/inner/chain/chain",
        "inner/chain/chain/chain",
    }                                       # and no <never>: its content is notAllowed


def test_the_walker_follows_xsd_wildcards(tmp_path):
    xsd = _write(tmp_path, "domain.xsd", """
        <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
          <xs:element name="domain">
            <xs:complexType>
              <xs:sequence>
                <xs:element name="metadata">
                  <xs:complexType><xs:sequence>
                    <xs:any namespace="##other" processContents="skip" maxOccurs="unbounded"/>
                  </xs:sequence></xs:complexType>
                </xs:element>
                <xs:element name="open">
                  <xs:complexType><xs:sequence>
                    <xs:any processContents="skip" maxOccurs="unbounded"/>
                  </xs:sequence></xs:complexType>
                </xs:element>
                <xs:any namespace="##other" processContents="lax" maxOccurs="unbounded"/>
              </xs:sequence>
            </xs:complexType>
          </xs:element>
        </xs:schema>""")
    virtc = rv.xsd_vocabulary(xsd)
    P = rv.Pair
    accepted = [
        (P(("domain", "metadata"), "*"), "metadata"),
        (P(("domain",), "{urn:x}cmd"), "{urn:x}cmd"),
        (P(("domain", "{urn:x}cmd", "{urn:x}arg"), "@value"), "{urn:x}cmd"),  # not virtc's
        (P(("domain", "open"), "anything"), "open"),
    ]
    refused = [
        (P(("domain",), "unknown"), "unknown"),                # ##other: no namespace
        (P(("domain", "open", "anything"), "@x"), "open"),    # no-namespace content counts
    ]
    assert [virtc.accepts(p, f) for p, f in accepted] == [True] * len(accepted)
    assert [virtc.accepts(p, f) for p, f in refused] == [False] * len(refused)


# ------------------------------------------------------------------ libvirt and virtc

def test_the_collector_reads_all_of_libvirts_grammar(libvirt):
    # libvirt 9.0 allows 406 element and 321 attribute names under <domain>;
    # far fewer means includes, refs or combine= were not followed.
    assert len(libvirt.element_names()) > 350
    assert len(libvirt.attribute_names()) > 280
    assert len(libvirt.pairs) > 2000
    known = {
        "domain/devices/disk",
        "domain/devices/disk/source",
        "devices/disk/source@file",
        "domain/devices/interface@type",
        "devices/disk/backingStore/source",
        "disk/backingStore/backingStore/backingStore",  # the recursion ended
        "domain/qemu:commandline/qemu:arg@value",       # foreign names keep their namespace
        "domain/metadata/*",                            # a wildcard, compared as one
    }
    assert known - _strings(libvirt) == set()
    # notAllowed content, or vocabulary of other documents that shares the included files
    absent = {"privateData", "inactiveDomain", "permissions", "microcode"}
    assert absent & libvirt.element_names() == set()


def test_the_walker_reads_virtcs_schema(virtc):
    known = {"domain/devices/disk/source", "devices/disk/source@file"}
    assert known - _strings(virtc) == set()


def test_exceptions_have_reasons_and_are_all_needed(cov, exceptions):
    assert all(entry.reason for entry in exceptions)
    unused = ["line %d: %s" % (e.line, e.pattern) for e in cov.unused]
    assert unused == [], "these exceptions match nothing virtc lacks any more: remove them"


def test_exceptions_stay_under_two_percent_of_names(cov):
    names, total = cov.excepted_names(), cov.total_names()
    assert len(names) < EXCEPTION_LIMIT * total, (
        "%d of %d names have an exception: %s" % (len(names), total, sorted(names)))


def test_virtc_accepts_every_name_where_libvirt_allows_it(cov):
    if cov.missing:
        pytest.fail("virtc's schema lacks %d of libvirt's %d (context, name) pairs; by family:\n"
                    "%s\nFull list: python tests/rng_vocabulary.py --missing"
                    % (len(cov.missing), len(cov.rng.pairs), rv.summary(cov)), pytrace=False)
