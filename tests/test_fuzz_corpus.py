"""Robustness on today's vocabulary: mutants of the real-tool corpus, with a fixed seed.

tests/corpus_mutations.py makes the mutants (what it edits is described there). Every
mutant goes through the Python API, as `virtc compile` does: load (parse, validate, lower,
check), then compile for qemu, xen-xm and xen-xl when it loaded (each mutant with the
next QEMU and Xen dialect in turn), or the not-compiled report when no backend compiles
it. Each mutant runs under its own alarms (2 s of CPU time: a loop that runs away burns it,
however loaded the machine; 60 s of wall time: far from a wait that never ends, which burns
none; a machine shared by several test runs can keep a process waiting for a CPU longer
than it runs). What must hold: no exception, no hang, every
diagnostic with a code and a line inside the mutant, and every compile either returns its
output or says why with an error. A sample also runs through the real CLI process: exit 0
or 1, never a traceback, and the exit the API predicts.

VIRTC_FUZZ_SEED and VIRTC_FUZZ_CORPUS_MUTANTS replay or widen a run. A failure names the
mutant, its edits and the file it was written to.
"""
from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import traceback
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, Optional, Sequence, Tuple

import pytest

from corpus_mutations import ROOT, Mutator, mutants, originals, schema_enumerations
from virtc.compiler import ir
from virtc.compiler.diagnostics import Diagnostics, Severity
from virtc.pipeline import compile_domain, load_bytes, report_unlowered

SEED = int(os.environ.get("VIRTC_FUZZ_SEED", "20260111"))
COUNT = int(os.environ.get("VIRTC_FUZZ_CORPUS_MUTANTS", "2000"))
CLI_SAMPLE = 80
CLI_SINGLES = 16
PER_MUTANT_CPU_SECONDS = 2.0
PER_MUTANT_WALL_SECONDS = 60.0
TARGETS = ("qemu", "xen-xm", "xen-xl")
CODE = re.compile(r"^(XML0|XSD1|SEM[23]|QEMU[34]|XEN[45]|CAP5)\d\d$")


# ------------------------------------------------------------------ running one mutant

class Hang(Exception):
    pass


def _alarm(signum, frame):
    if signum == signal.SIGPROF:
        raise Hang(f"took more than {PER_MUTANT_CPU_SECONDS} s of CPU time")
    raise Hang(f"took more than {PER_MUTANT_WALL_SECONDS} s")


def _bad_diagnostics(diags, file: str, doc: bytes) -> List[str]:
    """Each diagnostic has a registered-looking code and points into the mutant itself."""
    lines = doc.count(b"\n") + 1
    return [f"{d.code} at {d.span}: {d.message}" for d in diags
            if not CODE.match(d.code or "") or d.span.file != file
            or not 1 <= d.span.line <= lines or d.span.column < 0]


def dialects(n: int) -> Dict[str, Optional[str]]:
    """Target → version for mutant n: every QEMU and Xen dialect takes its turn."""
    from virtc.backends.qemu.dialects import known_versions as qemu_versions
    from virtc.backends.xen.dialects import known_versions as xen_versions

    out: Dict[str, Optional[str]] = {"qemu": qemu_versions()[n % len(qemu_versions())]}
    for target in ("xen-xm", "xen-xl"):
        out[target] = xen_versions(target)[n % len(xen_versions(target))]
    return out


def check_mutant(name: str, doc: bytes, versions: Dict[str, Optional[str]]
                 ) -> Tuple[str, List[str]]:
    """(outcome, problems): the outcome says how far the mutant got, for the statistics."""
    file = name + ".xml"
    loaded = load_bytes(doc, file)
    problems = _bad_diagnostics(loaded.diagnostics, file, doc)
    if loaded.unlowered is not None:
        for target in TARGETS:
            diags = Diagnostics()
            report_unlowered(loaded, target, diags)
            if not diags.has_errors:
                problems.append(f"{target}: a domain no backend compiles, with no error")
        return "valid, compiled by no backend", problems
    if not loaded.ok:
        if not any(d.severity is Severity.ERROR for d in loaded.diagnostics):
            problems.append("loaded nothing, with no error")
        return "refused", problems
    if not isinstance(loaded.node, ir.Domain):
        return "not a domain", problems
    built = []
    for target in TARGETS:
        diags = Diagnostics()
        version = versions.get(target)
        out = compile_domain(loaded.node, target, diags, qemu_version=versions["qemu"],
                             xen_version=None if target == "qemu" else version)
        problems += [f"{target} {version}: {p}" for p in _bad_diagnostics(diags, file, doc)]
        if out is None and not diags.has_errors:
            problems.append(f"{target} {version}: no output and no error")
        if out is not None:
            built.append(target)
            shape = all(isinstance(a, str) for a in out) if target == "qemu" else \
                isinstance(out, str)
            if not shape or not out:
                problems.append(f"{target} {version}: output of the wrong shape: {out!r:.200}")
    return ("compiled" if built else "loaded, not compiled"), problems


def run_guarded(name: str, doc: bytes, versions: Dict[str, Optional[str]]
                ) -> Tuple[str, List[str]]:
    previous = {sig: signal.signal(sig, _alarm) for sig in (signal.SIGPROF, signal.SIGALRM)}
    signal.setitimer(signal.ITIMER_PROF, PER_MUTANT_CPU_SECONDS)
    signal.setitimer(signal.ITIMER_REAL, PER_MUTANT_WALL_SECONDS)
    try:
        return check_mutant(name, doc, versions)
    except Hang as exc:
        return "hang", [str(exc)]
    except Exception:   # the whole point: report every crash with its mutant
        return "crash", ["".join(traceback.format_exc().splitlines(True)[-6:])]
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


# ------------------------------------------------------------------ tests

@pytest.fixture(scope="module")
def fuzz():
    enums, texts = schema_enumerations()
    mutator = Mutator(enums, texts)
    bases = originals()
    for name, data in bases[:2]:       # libxml2's schema and xmlschema compile once, here
        run_guarded(name, data, dialects(0))
        run_guarded(name, data.replace(b"<name>", b"<nmae>", 1), dialects(0))
    return mutator, bases, mutants(COUNT, SEED, mutator, bases)


def test_the_schema_gives_the_enumerations_the_mutants_swap(fuzz):
    mutator, _, _ = fuzz
    for key in [("controller", "model"), ("target", "bus"), ("address", "type"),
                ("interface", "type"), ("domain", "type"), ("disk", "device")]:
        assert len(mutator.enums[key]) >= 3, key
    assert {"vga", "virtio", "qxl"} <= set(mutator.enums[("model", "type")])
    assert {"hvm", "xen"} <= set(mutator.texts["type"])


def test_mutants_are_many_varied_and_reproducible(fuzz):
    mutator, bases, made = fuzz
    assert len(made) >= 1000
    assert len({doc for _, doc, _ in made}) > 0.95 * len(made)
    assert len({name.split("-", 1)[1] for name, _, _ in made}) > 100      # most originals
    again = mutants(20, SEED, mutator, bases)
    assert again == made[:20]


def test_every_mutant_loads_and_compiles_without_crash_or_hang(fuzz, tmp_path):
    _, _, made = fuzz
    failures: Dict[str, str] = {}
    outcomes: Dict[str, int] = {}
    for n, (name, doc, edits) in enumerate(made):
        outcome, problems = run_guarded(name, doc, dialects(n))
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        for problem in problems:
            # One example per kind of failure, so that one bug doesn't hide the others.
            kind = re.sub(r"'[^']*'|\d+", "…", problem.strip().splitlines()[-1])
            if kind not in failures:
                (tmp_path / f"{name}.xml").write_bytes(doc)
                failures[kind] = f"{tmp_path / name}.xml ({edits}):\n{problem}"
    assert not failures, "\n\n".join(failures.values())
    # The mutants reach every stage: refused, lowered, and built by a backend. The originals
    # are fixed (corpus_mutations.originals), so these shares move only when virtc's own
    # verdicts do, not with the draw: on 2026-11-30 69% were refused, 28% reached the
    # backends and 15% compiled (each for a dialect in turn, dialects(); the oldest can't
    # write everything). A compile finding is as good an outcome as an argv, and the compiled
    # share only grows as the backends do; so the floors are the refused share, the share
    # that reaches the backends, and the compiled share as it stands.
    assert outcomes.get("refused", 0) > 0.5 * len(made), outcomes
    reached = outcomes.get("loaded, not compiled", 0) + outcomes.get("compiled", 0)
    assert reached > 0.25 * len(made), outcomes
    assert outcomes.get("compiled", 0) > 0.12 * len(made), outcomes


def _cli(args: Sequence[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "virtc", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=60)


def _cli_problem(run: subprocess.CompletedProcess) -> Optional[str]:
    if run.returncode in (0, 1) and "Traceback" not in run.stderr \
            and "internal error" not in run.stderr:
        return None
    return f"{run.args[3:]}: exit {run.returncode}\n{run.stderr[-1500:]}"


def expected_exit(path: str, doc: bytes, target: str) -> int:
    """What `virtc compile --target TARGET` must exit with, from the Python API."""
    loaded = load_bytes(doc, path)
    if not loaded.ok or not isinstance(loaded.node, ir.Domain):
        return 1
    diags = Diagnostics(list(loaded.diagnostics))
    out = compile_domain(loaded.node, target, diags, qemu_version="7.2")
    return 0 if out is not None and not diags.has_errors else 1


def test_a_sample_through_the_real_cli_exits_0_or_1(fuzz, tmp_path):
    """One `validate --compile` process over the whole sample, then one `compile` process
    per mutant for part of it, half that compile and half that don't: each exits as the
    Python API says it must. (Each new process that explains a schema error first loads
    xmlschema, about a second, so not all eighty get a process of their own.)"""
    _, _, made = fuzz
    sample = random.Random(SEED).sample(made, CLI_SAMPLE)
    paths = []
    for name, doc, _ in sample:
        path = tmp_path / f"{name}.xml"
        path.write_bytes(doc)
        paths.append(str(path))
    batch = _cli(["validate", "--compile", "--format", "json", "--progress", "never", *paths])
    assert _cli_problem(batch) is None, _cli_problem(batch)
    report = json.loads(batch.stdout)
    assert report and {d["file"] for d in report} <= set(paths)
    assert all(CODE.match(d["code"]) and d["line"] >= 1 for d in report), report

    singles: Dict[int, list] = {0: [], 1: []}
    for n, (path, (_, doc, _)) in enumerate(zip(paths, sample)):
        target = TARGETS[n % 3]
        want = expected_exit(path, doc, target)
        if len(singles[want]) < CLI_SINGLES // 2:
            singles[want].append((["compile", path, "--target", target, "--qemu-version",
                                   "7.2", "--format", "json"], want))
    jobs = singles[0] + singles[1]
    assert len(singles[0]) >= 3 and len(singles[1]) >= 3, singles
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(lambda job: _cli(job[0]), jobs))
    bad = [problem for run in runs if (problem := _cli_problem(run))]
    bad += [f"{args[1:4]}: exit {run.returncode}, the API says {want}\n{run.stderr[-800:]}"
            for (args, want), run in zip(jobs, runs) if run.returncode != want]
    assert not bad, "\n\n".join(bad)
    for (args, want), run in zip(jobs, runs):
        if want == 0:
            assert json.loads(run.stdout), args
