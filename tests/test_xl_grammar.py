"""xl.cfg read with libxlu's own grammar (tools/libxl/libxlu_cfg_l.l, libxlu_cfg_y.y,
libxlu_cfg.c): every atom is text until a key reads it as a number, with strtol base 0."""
from __future__ import annotations

import pytest

from virtc.backends.xen import import_config
from virtc.backends.xen.parse_xl import parse_xl, strtol
from virtc.compiler.diagnostics import Diagnostics

PV = 'name = "g"\nkernel = "/k"\n'


def imported(text: str, source_format: str = "xen-xl"):
    diags = Diagnostics()
    domain = import_config(text, "in.cfg", source_format, diags)
    return domain, diags


@pytest.mark.parametrize("text, value", [
    ("0", 0), ("10", 10), ("010", 8), ("0x1f", 31), ("0X1F", 31), ("-3600", -3600),
    ("+5", 5), (" 42", 42), ("09", None), ("1abc", None), ("0x", None), ("", None),
    ("1.5", None), ("12 ", None),
])
def test_numbers_are_read_as_strtol_base_0_reads_them(text, value):
    assert strtol(text) == value


def test_a_number_atom_read_as_a_string_is_the_text_it_was_written_as():
    # libxlu stores `0123` as the text "0123": a VNC password of digits keeps its zero.
    domain, diags = imported(PV + 'vfb = [ "vnc=1" ]\nname = 0123\n')
    assert domain is not None and domain.name == "0123", [d.message for d in diags]


def test_a_number_key_may_be_a_quoted_string_as_libxlu_reads_it():
    # xlu_cfg_get_long runs strtol on the atom's text, quoted or not.
    domain, diags = imported(PV + 'memory = "0x200"\nvcpus = "2"\n')
    assert not diags.has_errors, [d.message for d in diags]
    assert domain.memory_kib == 512 * 1024 and domain.vcpus == 2


def test_an_atom_that_is_no_number_is_reported_where_a_number_is_wanted():
    # `1abc` lexes as a NUMBER token in libxlu; only reading it as a number fails.
    diags = Diagnostics()
    settings = parse_xl(PV + "vcpus = 1abc\n", "in.cfg", diags)
    assert settings is not None and settings["vcpus"].value == "1abc" and not len(diags)
    domain, diags = imported(PV + "vcpus = 1abc\n")
    [error] = [d for d in diags if d.severity.value == "error"]
    assert (error.code, error.span.line) == ("XEN427", 3)


def test_xm_keeps_pythons_reading_of_quoted_numbers():
    # xend converts with int(): "0x10" is no number there, " 2" is.
    domain, diags = imported(PV + 'vcpus = " 2"\n', "xen-xm")
    assert domain is not None and domain.vcpus == 2
    domain, diags = imported(PV + 'vcpus = "0x10"\n', "xen-xm")
    assert domain is None and [d.code for d in diags] == ["XEN427"]


def test_list_items_may_be_number_atoms():
    diags = Diagnostics()
    settings = parse_xl('serial = [ 0, "pty" ]\n', "in.cfg", diags)
    assert settings["serial"].value == [0, "pty"]
    assert settings["serial"].value[0].text == "0"


@pytest.mark.parametrize("source_format", ["xen-xm", "xen-xl"])
def test_a_misspelt_key_is_a_warning_on_its_line_with_the_key_virtc_reads(source_format):
    domain, diags = imported(PV + "vpcus = 2\nshadow_memory = 8\n", source_format)
    assert domain is not None and domain.vcpus == 1
    found = {(d.code, d.span.line): d.hint for d in diags}
    assert set(found) == {("XEN426", 3), ("XEN426", 4)}
    assert "did you mean vcpus?" in found[("XEN426", 3)]
    assert "did you mean" not in found[("XEN426", 4)]   # a real xm key, no near spelling
