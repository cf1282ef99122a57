"""Mutation fuzzing of the golden documents, with a fixed seed.

Each mutant is a golden document with a few random edits: an attribute value changed, text
changed, an element deleted or duplicated, an attribute added, a tag misspelt. The mutants
are validated in one batch and compiled for both targets through the CLI, in process.
Every outcome must be exit 0 or 1: never a traceback, never exit 70 (internal error).

tools/fuzz.py runs the same mutations for longer, with any seed (docs/fuzzing.md).
"""
from __future__ import annotations

import contextlib
import copy
import io
import os
import pathlib
import random
import re
from typing import List, Sequence, Tuple

import pytest
from lxml import etree

from virtc.cli import main

ROOT = pathlib.Path(__file__).resolve().parent.parent
GOLDEN = sorted((ROOT / "tests" / "golden").glob("*.xml")) + sorted(
    (ROOT / "tests" / "golden_xen").glob("*.xml"))
SEED = int(os.environ.get("VIRTC_FUZZ_SEED", "20070101"))
COUNT = int(os.environ.get("VIRTC_FUZZ_MUTANTS", "600"))

# Values that have broken parsers and code generators before: empty, huge, negative,
# separators, quotes, line breaks, non-ASCII, and names other fields use.
VALUES = ["", " ", "-1", "0", "1", "65536", "4294967296", "99999999999999999999999", "1e9",
          "0x10", "yes", "no", "on", "true", "kvm", "xen", "qemu", "hvm", "linux", "vda",
          "hda", "hdc", "fda", "sda", "xvda", "cdrom", "network", "bridge", "user", "tcp",
          "udp", "unix", "file", "pty", "vnc", "sdl", "bind", "connect", "telnet", "usb",
          "ps2", "virtio", "ide", "scsi", "fdc", "default", "br0", "virbr0",
          "00:16:3e:00:00:01", "ff:ff:ff:ff:ff:ff", "52:54:00", "127.0.0.1", "::1",
          "224.0.0.1", "5900", "5899", "65536", "/tmp/a,b", "/tmp/a=b", "a\nb", "'\"", "é€😀",
          "-x", "..", "/", "%s", "${HOME}", "$(id)", "c4a5b6c7-0000-4000-8000-00000000000",
          "x" * 300]
TAGS = ["disk", "interface", "graphics", "serial", "console", "parallel", "input", "source",
        "target", "boot", "kernel", "cmdline", "features", "acpi", "clock", "uuid", "vcpu",
        "memory", "currentMemory", "emulator", "devices", "os", "type", "mac", "script",
        "driver", "readonly", "protocol", "model", "on_reboot", "bootloader", "root"]


def _elements(root) -> List:
    return [e for e in root.iter() if isinstance(e.tag, str)]


def mutate(root, rng: random.Random) -> str:
    """Apply one random edit to the tree in place; describe it."""
    elems = _elements(root)
    el = rng.choice(elems)
    op = rng.choice(["tweak", "tweak", "tweak", "attr", "attr", "text", "delete", "duplicate",
                     "add-attr", "rename", "add-child"])
    if op == "tweak":   # a small change to a real value: usually still valid, so it compiles
        keys = sorted(el.attrib)
        key = rng.choice(keys) if keys and (rng.random() < 0.7 or not el.text) else None
        old = el.get(key) if key else (el.text or "")
        at = rng.randint(0, len(old))
        new = old[:at] + rng.choice(list(",=:@ '\"\\-é€0123456789") + [",,", "\n"]) + old[at:]
        if key:
            el.set(key, new)
        else:
            el.text = new
        return f"{el.tag}{'@' + key if key else ' text'}: {old!r} -> {new!r}"
    if op == "attr" and el.attrib:
        key = rng.choice(sorted(el.attrib))
        el.set(key, rng.choice(VALUES))
        return f"{el.tag}@{key}={el.get(key)!r}"
    if op == "text":
        el.text = rng.choice(VALUES)
        return f"{el.tag} text={el.text!r}"
    if op == "delete" and el.getparent() is not None:
        el.getparent().remove(el)
        return f"delete {el.tag}"
    if op == "duplicate" and el.getparent() is not None:
        el.addnext(copy.deepcopy(el))
        return f"duplicate {el.tag}"
    if op == "rename":
        old, el.tag = el.tag, rng.choice(TAGS)
        return f"rename {old} -> {el.tag}"
    if op == "add-child":
        child = etree.SubElement(el, rng.choice(TAGS))
        if rng.random() < 0.5:
            child.set(rng.choice(["type", "dev", "file", "path", "bus", "mode"]),
                      rng.choice(VALUES))
        return f"add <{child.tag}> to {el.tag}"
    key = rng.choice(["type", "dev", "file", "path", "bus", "port", "listen", "address",
                      "bridge", "mode", "device", "arch", "machine", "unknown"])
    el.set(key, rng.choice(VALUES))
    return f"{el.tag}@{key}={el.get(key)!r} (added)"


def _tree(path: pathlib.Path):
    try:
        return etree.parse(str(path))
    except etree.XMLSyntaxError:   # a golden case that is broken on purpose
        return None


def mutants(count: int, seed: int) -> List[Tuple[str, bytes, str]]:
    """(name, document, description of the edits)."""
    rng = random.Random(seed)
    originals = [(p.stem, tree) for p in GOLDEN if (tree := _tree(p)) is not None]
    out = []
    for n in range(count):
        name, tree = rng.choice(originals)
        root = copy.deepcopy(tree.getroot())
        edits = [mutate(root, rng) for _ in range(rng.choice((1, 1, 1, 2, 3)))]
        out.append((f"{n:04d}-{name}", etree.tostring(root, encoding="utf-8"),
                    "; ".join(edits)))
    return out


def run_cli(args: Sequence[str]) -> Tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue() + err.getvalue()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mutants")
    made = []
    for name, doc, edits in mutants(COUNT, SEED):
        path = folder / f"{name}.xml"
        path.write_bytes(doc)
        made.append((str(path), edits))
    return made


def test_there_are_enough_mutants_and_they_differ(corpus):
    assert len(corpus) >= 500
    docs = {pathlib.Path(p).read_bytes() for p, _ in corpus}
    assert len(docs) > 0.9 * len(corpus)


def test_validate_in_one_batch_never_crashes(corpus):
    code, output = run_cli(["validate", "--compile", "--qemu-version", "7.2", "--progress",
                            "never", *[p for p, _ in corpus]])
    assert code in (0, 1), output[-2000:]
    assert "internal error" not in output and "Traceback" not in output


@pytest.mark.parametrize("target", ["qemu", "xen-xm"])
def test_compile_never_crashes(corpus, target):
    outcomes = {0: 0, 1: 0}
    crashes = {}
    for path, edits in corpus:
        code, output = run_cli(["compile", path, "--target", target, "--qemu-version", "7.2",
                                "--format", "json"])
        if code in outcomes and "Traceback" not in output:
            outcomes[code] += 1
            continue
        # One example per kind of crash, so a single bug doesn't hide the others.
        kind = re.sub(r"'[^']*'", "'…'", output.strip().splitlines()[-1] if output else "")
        crashes.setdefault(kind, f"exit {code}: {path} ({edits})")
    assert not crashes, "\n".join(f"{k}\n    e.g. {v}" for k, v in crashes.items())
    # Mutants that still compile are what exercise the backends: there must be some.
    assert outcomes[0] >= 10, outcomes


CAPABILITIES = sorted((ROOT / "tests" / "capabilities").glob("*.xml"))
HOST_DOMAINS = sorted((ROOT / "tests" / "capabilities" / "domains").glob("*.xml"))


def test_mutated_capabilities_documents_never_crash(tmp_path):
    """Host documents come from other machines too: validate them, and check against them."""
    rng = random.Random(SEED)
    originals = [tree for p in CAPABILITIES if (tree := _tree(p)) is not None]
    for n in range(200):
        root = copy.deepcopy(rng.choice(originals).getroot())
        mutate(root, rng)
        host = tmp_path / f"caps{n:03d}.xml"
        host.write_bytes(etree.tostring(root, encoding="utf-8"))
        domain = str(rng.choice(HOST_DOMAINS))
        for args in (["validate", str(host)],
                     ["validate", "--capabilities", str(host), domain],
                     ["compile", "--capabilities", str(host), domain, "--qemu-version", "7.2"]):
            code, output = run_cli(args)
            assert code in (0, 1), (args, output[-2000:])
            assert "internal error" not in output and "Traceback" not in output
