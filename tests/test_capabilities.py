"""Capabilities documents: the schema, lowering, and checking domains against a host."""
import pathlib

import pytest

from virtc.pipeline import compile_domain, load_bytes, load_file
from virtc.cli.capabilities import load_capabilities, validate_against
from virtc.compiler.capabilities.format import format_capabilities
from virtc.compiler.diagnostics import Diagnostics
from virtc.compiler.rules import registry

CAPS = pathlib.Path("tests/capabilities")
DOMAINS = CAPS / "domains"
X86_ONLY = str(CAPS / "x86-only.xml")


def caps_codes(caps, domain):
    return [d for d in validate_against(caps, [domain]) if d.code.startswith("CAP")]


@pytest.mark.parametrize("name", ["spec-example.xml", "virsh-debian12-kvm.xml", "x86-only.xml"])
def test_spec_and_virsh_documents_validate(name):
    loaded = load_file(str(CAPS / name))
    assert loaded.kind == "capabilities"
    assert loaded.ok, loaded.diagnostics


def test_spec_example_reads_both_guests_and_the_2007_cpu_features():
    caps, diags = load_capabilities(str(CAPS / "spec-example.xml"))
    assert diags == []
    assert caps.host_arch == "x86_64" and caps.host.cpu.features == ("vmx",)
    xen, hvm = caps.guests
    assert (xen.os_type, xen.arch, xen.wordsize) == ("xen", "x86_64", 64)
    assert [m.name for m in hvm.machines] == ["pc", "isapc"]
    assert hvm.loader == "/usr/lib/xen/boot/hvmloader"
    assert [d.type for d in hvm.domains] == ["xen"]


def test_virsh_document_keeps_aliases_and_cpu_limits():
    caps, _ = load_capabilities(str(CAPS / "virsh-debian12-kvm.xml"))
    x86 = next(g for g in caps.guests if g.arch == "x86_64")
    pc = next(m for m in x86.machines if m.name == "pc")
    assert pc.canonical == "pc-i440fx-7.2" and pc.max_cpus == 255
    assert [d.type for d in x86.domains] == ["qemu", "kvm"]
    assert "svm" in caps.host.cpu.features


def test_unknown_guest_element_is_a_schema_error_with_a_suggestion():
    text = (CAPS / "x86-only.xml").read_bytes().replace(b"<cpuselection/>", b"<cpuselect/>", 1)
    loaded = load_bytes(text, "caps.xml")
    (diag,) = loaded.diagnostics
    assert diag.code == "XSD101" and "cpuselect" in diag.message
    assert "cpuselection" in diag.hint


def test_host_parts_virtc_does_not_read_are_accepted_unchecked():
    text = (CAPS / "virsh-debian12-kvm.xml").read_bytes().replace(
        b"<sibling id='0' value='10'/>", b"<sibling id='0' value='10' future='x'/><new/>")
    assert load_bytes(text, "caps.xml").ok


def test_an_arch_without_wordsize_or_with_two_emulators_is_reported():
    loaded = load_file(str(CAPS / "bad-arch-incomplete.xml"))
    found = {(d.code, d.span.line) for d in loaded.diagnostics}
    assert found == {("CAP507", 9), ("CAP507", 11)}


def test_written_capabilities_read_back_the_same():
    caps, _ = load_capabilities(str(CAPS / "virsh-debian12-kvm.xml"))
    again = load_bytes(format_capabilities(caps).encode(), "again.xml")
    assert again.ok, again.diagnostics
    strip = lambda c: [(g.os_type, g.arch, g.emulator, [(m.name, m.canonical, m.max_cpus)
                                                        for m in g.machines],
                        [d.type for d in g.domains], [f.name for f in g.features])
                       for g in c.guests]
    assert strip(again.node) == strip(caps)


# ---------------------------------------------------------------- checking domains (CAP5xx)

def test_ppc_on_an_x86_only_host_is_an_error_on_the_type_line_naming_the_arches():
    (diag,) = caps_codes(X86_ONLY, str(DOMAINS / "bad-arch-ppc.xml"))
    assert diag.code == "CAP502"
    assert diag.span.line == 6            # the <type arch='ppc'> line, not <os> or <domain>
    assert "'ppc'" in diag.message and "x86_64, i686" in diag.message


@pytest.mark.parametrize("fixture,code,line,offered", [
    ("bad-os-type", "CAP501", 6, "it offers: hvm"),
    ("bad-domain-type", "CAP503", 1, "domain types offered: qemu"),
    ("bad-machine", "CAP504", 6, "pc-i440fx-7.2, pc, pc-q35-7.2, q35, isapc"),
    ("bad-emulator", "CAP505", 10, "emulators offered: /usr/bin/qemu-system-x86_64"),
])
def test_each_mismatch_names_what_the_host_offers(fixture, code, line, offered):
    (diag,) = caps_codes(X86_ONLY, str(DOMAINS / f"{fixture}.xml"))
    assert (diag.code, diag.span.line) == (code, line)
    assert offered in diag.message


def test_a_close_machine_name_gets_a_did_you_mean():
    (diag,) = caps_codes(X86_ONLY, str(DOMAINS / "bad-machine.xml"))
    assert "did you mean 'pc-i440fx-7.2'" in diag.hint


def test_features_the_guest_cannot_have_are_errors_at_each_feature():
    diags = caps_codes(str(CAPS / "no-pae-i686.xml"), str(DOMAINS / "bad-feature.xml"))
    assert [(d.code, d.span.line) for d in diags] == [("CAP506", 9), ("CAP506", 10)]
    assert "does not offer feature 'pae'" in diags[0].message
    assert "cannot turn on feature 'acpi'" in diags[1].message
    assert "features offered: nonpae" in diags[0].message


@pytest.mark.parametrize("fixture", ["ok-kvm-x86_64", "ok-default-arch"])
def test_domains_the_host_can_run_pass(fixture):
    assert caps_codes(X86_ONLY, str(DOMAINS / f"{fixture}.xml")) == []


def test_a_host_that_reports_no_features_does_not_fail_feature_checks():
    # The format page's Xen example lists empty <features>: nothing to hold a domain to.
    domain = (pathlib.Path("tests/golden/spec-xen-hvm.xml"))
    codes = [d.code for d in caps_codes(str(CAPS / "spec-example.xml"), str(domain))]
    assert "CAP506" not in codes


def test_without_capabilities_there_are_no_cap_checks():
    assert not [d for d in load_file(str(DOMAINS / "bad-arch-ppc.xml")).diagnostics
                if d.code.startswith("CAP")]


def test_a_domain_given_as_capabilities_is_a_usage_finding():
    caps, diags = load_capabilities(str(DOMAINS / "ok-default-arch.xml"))
    assert caps is None and [d.code for d in diags] == ["XML004"]


# ---------------------------------------------------------------- compile defaults

def test_compile_takes_default_emulator_and_machine_from_capabilities():
    caps, _ = load_capabilities(X86_ONLY)
    domain = load_file(str(DOMAINS / "ok-default-arch.xml")).node
    diags = Diagnostics()
    argv = compile_domain(domain, "qemu", diags, qemu_version="7.2", capabilities=caps)
    assert argv[0] == "/usr/bin/qemu-system-x86_64"
    assert any("pc-i440fx-7.2" in a for a in argv), argv


def test_compile_keeps_the_domains_own_emulator_and_machine():
    caps, _ = load_capabilities(X86_ONLY)
    domain = load_file(str(DOMAINS / "ok-kvm-x86_64.xml")).node
    argv = compile_domain(domain, "qemu", Diagnostics(), qemu_version="7.2", capabilities=caps)
    assert any("q35" in a for a in argv) and not any("pc-i440fx" in a for a in argv)


# ---------------------------------------------------------------- rules

def test_every_cap_rule_is_documented():
    rules = {c: r for c, r in registry().items() if c.startswith("CAP")}
    assert set(rules) >= {"CAP501", "CAP502", "CAP503", "CAP504", "CAP505", "CAP506",
                          "CAP507", "CAP510", "CAP511", "CAP512"}
    for rule in rules.values():
        assert rule.family == "capabilities"
        assert rule.summary and rule.why and rule.example and rule.fix
