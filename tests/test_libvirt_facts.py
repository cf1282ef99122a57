"""virtc's argv means what libvirt's means (issue 12, must-show 1).

For every document of the real-tool corpus (tests/corpus/dumpxml, `virsh dumpxml --inactive`
of libvirt 9.0), libvirt's own argv is stored beside it (tests/corpus/native, made once by
`virsh domxml-to-native qemu-argv` with libvirtd running; see tests/corpus/README.md). This
module compiles each document with virtc for the same QEMU (7.2) and compares the launch
facts of the two argvs, read by tests/libvirt_facts.py the way QEMU reads them: machine
family, accelerator, CPU model and topology, memory, each disk's file, driver and
bus/address, each NIC's MAC, model and address, video, display, controllers, channels,
serial ports, rng, balloon, TPM, watchdog, sound, filesystems, inputs and the rest.

- At least 95% of the compared facts agree.
- Every fact that differs is listed, with its reason, in docs/libvirt-differences.md
  ("Launch facts against libvirt's argv"): a row names the fact (a glob such as
  `nic[*].netdev`) and the documents (globs, or `*`).
- A corpus document virtc doesn't compile yet must be listed in the same section's table of
  documents not compiled, with the finding that stops it; and at least FLOOR documents
  compile, so a regression can't hide behind the list.

The fact reader is checked against the documents themselves too: the MACs, disk files and
PCI addresses it reads from libvirt's argv are the ones the dumpxml document holds.
"""
from __future__ import annotations

import fnmatch
import re
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
from lxml import etree

import virtc
from libvirt_facts import Argv, facts

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
DOC = ROOT / "docs" / "libvirt-differences.md"
SECTION = "## Launch facts against libvirt's argv"
QEMU_VERSION = "7.2"          # the corpus's QEMU (tests/corpus/README.md)
SHARE = 0.95
FLOOR = 63                    # documents that must compile (all but the one listed)

CASES = sorted(p.stem for p in (CORPUS / "dumpxml").glob("*.xml")
               if (CORPUS / "native" / f"{p.stem}.argv").exists())


def _libvirt(case: str) -> Dict[str, object]:
    return facts(Argv.from_shell((CORPUS / "native" / f"{case}.argv").read_text()))


_COMPILED: Dict[str, object] = {}


def _virtc(case: str):
    if case not in _COMPILED:
        _COMPILED[case] = virtc.compile(str(CORPUS / "dumpxml" / f"{case}.xml"),
                                        qemu_version=QEMU_VERSION)
    return _COMPILED[case]


def _section() -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    return text[start:end if end >= 0 else len(text)]


def _table(title: str) -> List[List[str]]:
    """The rows of the table under `### title` in the section, cells stripped of `…`."""
    part = _section()
    start = part.index(f"### {title}")
    end = part.find("\n### ", start + 4)
    rows = []
    for line in part[start:end if end >= 0 else len(part)].splitlines():
        if line.startswith("|") and not re.match(r"\|\s*-", line):
            rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    return rows[1:]        # the header


def _names(cell: str) -> List[str]:
    return re.findall(r"`([^`]+)`", cell)


def _listed_differences() -> List[Tuple[List[str], List[str]]]:
    """(fact globs, document globs) per row of the differences table."""
    return [(_names(row[0]), _names(row[1]) or ["*"]) for row in _table("Facts that differ")]


def _listed_not_compiled() -> Dict[str, str]:
    return {name: row[1] for row in _table("Documents not compiled yet")
            for name in _names(row[0])}


def differences(case: str) -> List[Tuple[str, object, object]]:
    """(fact, libvirt's value, virtc's value) for each fact the two argvs don't share."""
    ours = facts(Argv(_virtc(case).argv))
    theirs = _libvirt(case)
    return [(k, theirs.get(k), ours.get(k)) for k in sorted(set(ours) | set(theirs))
            if ours.get(k) != theirs.get(k)]


def _explained(case: str, fact: str) -> bool:
    generic = re.sub(r"\[\d+\]", "[*]", fact)
    return any(any(fnmatch.fnmatchcase(fact, g) or g == generic for g in globs)
               and any(fnmatch.fnmatchcase(case, d) for d in docs)
               for globs, docs in _listed_differences())


@pytest.mark.parametrize("case", CASES)
def test_every_difference_from_libvirt_is_listed(case):
    result = _virtc(case)
    if not result.ok:
        listed = _listed_not_compiled()
        assert case in listed, (
            f"{case} does not compile ({[str(d) for d in result.errors][:3]}); list it under "
            f"'Documents not compiled yet' in {DOC.name}, or make it compile")
        return
    unexplained = [f"{fact}: libvirt {lv!r}, virtc {vc!r}"
                   for fact, lv, vc in differences(case) if not _explained(case, fact)]
    assert not unexplained, (
        f"{case}: facts that differ from libvirt's argv and are not listed in "
        f"{DOC.name} ({SECTION[3:]}):\n" + "\n".join(unexplained))


def test_facts_agree_with_libvirt():
    compiled = [c for c in CASES if _virtc(c).ok]
    total = agree = 0
    for case in compiled:
        ours, theirs = facts(Argv(_virtc(case).argv)), _libvirt(case)
        keys = set(ours) | set(theirs)
        total += len(keys)
        agree += sum(ours.get(k) == theirs.get(k) for k in keys)
    assert len(compiled) >= FLOOR, (
        f"only {len(compiled)} of {len(CASES)} corpus documents compile (floor {FLOOR})")
    if total:
        assert agree / total >= SHARE, (
            f"{agree} of {total} launch facts agree with libvirt ({agree / total:.1%}), "
            f"below {SHARE:.0%}")


def test_listed_differences_name_real_facts():
    """A row that matches no fact of any argv (a typo in a glob) explains nothing."""
    every = set()
    for case in CASES:
        every.update(re.sub(r"\[\d+\]", "[*]", k) for k in _libvirt(case))
        if _virtc(case).ok:
            every.update(re.sub(r"\[\d+\]", "[*]", k) for k in facts(Argv(_virtc(case).argv)))
    for globs, _docs in _listed_differences():
        for g in globs:
            assert any(fnmatch.fnmatchcase(k, g) or k == g for k in every), \
                f"{DOC.name}: `{g}` names no launch fact"


# The reader itself: what it takes from libvirt's argv is what the document says.

def _xml(case: str):
    return etree.parse(str(CORPUS / "dumpxml" / f"{case}.xml"))


@pytest.mark.parametrize("case", CASES)
def test_reader_finds_the_documents_macs_files_and_pci_slots(case):
    doc, got = _xml(case), _libvirt(case)
    macs = [m.get("address") for m in doc.findall("devices/interface/mac")]
    assert [got.get(f"nic[{i}].mac") for i in range(len(macs))] == macs
    files = [s.get("file") for s in doc.findall("devices/disk/source")
             if s.get("file") and s.getparent().get("device") != "floppy"]
    read = {v for k, v in got.items() if re.fullmatch(r"disk\[\d+\]\.file", k)}
    assert set(files) <= read
    slots = {(int(a.get("bus"), 16), int(a.get("slot"), 16), int(a.get("function"), 16))
             for a in doc.iter("address") if a.get("type") == "pci"
             and a.getparent().tag in ("interface", "disk", "video", "memballoon", "rng")}
    seen = set()
    for key, value in got.items():
        m = re.fullmatch(r"(\w+)\[(\d+)\]\.addr", key)
        if m:
            bus = str(got.get(f"{m[1]}[{m[2]}].bus", "pci.0"))
            slot, _, func = str(value).partition(".")
            number = 0 if bus in ("pcie.0", "pci.0") else int(bus.split(".")[-1])
            seen.add((number, int(slot, 16), int(func or "0", 16)))
    assert slots <= seen


def test_reader_reads_both_option_syntaxes():
    """The same device in key=value and in JSON gives the same facts."""
    kv = Argv(["qemu-system-x86_64", "-device",
               "virtio-net-pci,netdev=n0,id=net0,mac=52:54:00:00:00:01,bus=pci.1,addr=0x0",
               "-netdev", "user,id=n0", "-m", "1048576K", "-smp", "2"])
    js = Argv(["qemu-system-x86_64", "-device",
               '{"driver":"virtio-net-pci","netdev":"n0","id":"net0",'
               '"mac":"52:54:00:00:00:01","bus":"pci.1","addr":"0x0"}',
               "-netdev", '{"type":"user","id":"n0"}', "-m", "1024",
               "-smp", "2,sockets=2,cores=1,threads=1"])
    assert facts(kv) == facts(js)


def test_every_listed_difference_still_happens():
    """A row no compiled document needs any more is stale: it would hide a regression."""
    seen = set()
    for case in CASES:
        if _virtc(case).ok:
            seen.update((case, re.sub(r"\[\d+\]", "[*]", fact))
                        for fact, _, _ in differences(case))
    for globs, docs in _listed_differences():
        assert any(fnmatch.fnmatchcase(c, d) and (fnmatch.fnmatchcase(f, g) or f == g)
                   for c, f in seen for g in globs for d in docs), \
            f"{DOC.name}: no compiled document differs in {globs} any more; drop the row"
