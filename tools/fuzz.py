#!/usr/bin/env python3
"""Long fuzz runs for virtc, by hand: `python tools/fuzz.py --examples 20000`.

Hypothesis drives two kinds of input through the CLI, in process:

- structural mutants of the golden documents (the edits of tests/test_fuzz_mutants.py:
  attribute values, text, deleted/duplicated/renamed elements), compiled for qemu and
  xen-xm and validated with --compile;
- byte-level damage to the same documents (flipped, inserted, deleted bytes, truncation),
  which reaches the parser's encoding and syntax paths.

Every outcome must be exit 0 or 1. A failure is shrunk by Hypothesis to a small input,
written to --crashes (default fuzz-crashes/), and the run stops with exit status 1.
See docs/fuzzing.md.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import pathlib
import random
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402
from lxml import etree  # noqa: E402

from test_fuzz_mutants import GOLDEN, _tree, mutate, run_cli  # noqa: E402

COMMANDS = (["compile", "--target", "qemu", "--qemu-version", "7.2"],
            ["compile", "--target", "xen-xm"],
            ["validate", "--compile", "--qemu-version", "7.2", "--progress", "never"])


def structural(rng: random.Random, tree) -> bytes:
    root = etree.fromstring(etree.tostring(tree))
    for _ in range(rng.randint(1, 6)):
        mutate(root, rng)
    return etree.tostring(root, encoding="utf-8")


def damaged(rng: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        op = rng.choice(("flip", "insert", "delete", "truncate"))
        at = rng.randrange(len(buf) + 1)
        if op == "flip" and at < len(buf):
            buf[at] ^= 1 << rng.randrange(8)
        elif op == "insert":
            buf[at:at] = bytes([rng.randrange(256)]) * rng.choice((1, 1, 2, 64))
        elif op == "delete":
            del buf[at:at + rng.randint(1, 16)]
        else:
            del buf[at:]
    return bytes(buf)


def check(doc: bytes, folder: str, crashes: pathlib.Path) -> None:
    path = os.path.join(folder, "fuzz.xml")
    with open(path, "wb") as fh:
        fh.write(doc)
    for command in COMMANDS:
        code, output = run_cli([*command, path])
        if code not in (0, 1) or "Traceback" in output:
            crashes.mkdir(parents=True, exist_ok=True)
            # Named by content: Hypothesis's shrinking writes each smaller failure once; the
            # one in the final report is the smallest.
            name = crashes / f"crash-{hashlib.sha256(doc).hexdigest()[:16]}.xml"
            name.write_bytes(doc)
            raise AssertionError(f"virtc {' '.join(command)} exited {code} on {name}:\n"
                                 f"{output[-2000:]}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=None, help="Hypothesis seed (repeat a run)")
    parser.add_argument("--crashes", default="fuzz-crashes", help="where failing inputs go")
    args = parser.parse_args(argv)
    originals = [(p.read_bytes(), tree) for p in GOLDEN if (tree := _tree(p)) is not None]
    crashes = pathlib.Path(args.crashes)

    @settings(max_examples=args.examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(which=st.integers(0, len(originals) - 1), rng=st.randoms(use_true_random=False),
           kind=st.sampled_from(("structural", "damaged", "both")))
    def run(which, rng, kind):
        data, tree = originals[which]
        doc = structural(rng, tree) if kind != "damaged" else data
        if kind != "structural":
            doc = damaged(rng, doc)
        with tempfile.TemporaryDirectory(prefix="virtc-fuzz-") as folder:
            check(doc, folder, crashes)

    if args.seed is not None:
        from hypothesis import seed
        run = seed(args.seed)(run)
    started = time.monotonic()
    try:
        run()
    except AssertionError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"{args.examples} examples, no crash ({time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
