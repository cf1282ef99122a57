#!/usr/bin/env python3
"""virtc's speed and memory, side by side with the tools users already have.

Run from a clone, after a regular install into a virtualenv, so that start-up is measured as
users get it (precompiled .pyc, no editable-install finder, no site-wide .pth imports):

    python3 -m venv /tmp/benchvenv && /tmp/benchvenv/bin/pip install .
    /tmp/benchvenv/bin/python benchmarks/bench.py            # all four figures
    /tmp/benchvenv/bin/python benchmarks/bench.py --quick    # fewer repetitions

With a libvirtd running (see docs/readme-performance.md for starting one in the foreground),
figure 2 compares against `virsh domxml-to-native`; otherwise against `virt-xml-validate`.

It prints medians and ratios:

1. batch validate: `virtc validate` over 2,000 generated valid domains, against
   `xmllint --noout --relaxng domain.rng` over the same files (libvirt's schema; xmllint
   checks structure only, virtc also runs its semantic rules), per document;
2. one cold `virtc compile --target qemu`, against `virsh domxml-to-native qemu-argv` when a
   libvirtd answers, otherwise against `virt-xml-validate` on the same file;
3. one cold `virtc validate` of a valid file;
4. peak memory (max RSS) of a 10,000-file `virtc validate`, beside a 1,000-file run to show
   whether it stays flat.

Timings are wall-clock medians of whole processes, as a pre-commit hook or CI sees them.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIBVIRT_RNG = Path("/usr/share/libvirt/schemas/domain.rng")
SAMPLE = ROOT / "examples" / "kvm-demo2.xml"

# Domains the generator varies: every top-level example plus the positive golden cases.
TEMPLATES = sorted(p for p in list((ROOT / "examples").glob("*.xml"))
                   + list((ROOT / "tests" / "golden").glob("*.xml"))
                   if not p.name.startswith("bad-"))


def virtc_cmd() -> list:
    """The installed `virtc` beside this interpreter (a venv's), else the one on PATH."""
    here = Path(sys.executable).parent / "virtc"
    exe = str(here) if here.exists() else shutil.which("virtc")
    return [exe] if exe else [sys.executable, "-m", "virtc"]


def environment_notes() -> list:
    """What could make the start-up figures unrepresentative, said plainly."""
    notes = []
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        notes.append("PYTHONDONTWRITEBYTECODE is set: an editable install recompiles every module "
                     "on each run (unset it, or install normally)")
    probe = subprocess.run([_python_of(virtc_cmd()), "-c", "import virtc, sys; "
                            "print(virtc.__file__); print(sys.prefix != sys.base_prefix)"],
                           capture_output=True, text=True, cwd="/")
    lines = probe.stdout.split()
    if lines:
        notes.append(f"virtc from {Path(lines[0]).parent}" +
                     ("" if lines[1:] == ["True"] else " (not in a venv: site-wide .pth files "
                      "may add start-up time)"))
    return notes


def _python_of(cmd: list) -> str:
    """The interpreter a console script runs under (its #! line)."""
    if len(cmd) > 1:
        return cmd[0]
    try:
        first = Path(cmd[0]).read_text(errors="replace").split("\n", 1)[0]
    except OSError:
        return sys.executable
    return first[2:].strip() if first.startswith("#!") else sys.executable


def accepted_by_both() -> list:
    """The templates both virtc and libvirt's schema accept, so both tools do the same job."""
    keep = []
    for path in TEMPLATES:
        if subprocess.run(virtc_cmd() + ["validate", str(path)], capture_output=True).returncode:
            continue
        if shutil.which("xmllint") and LIBVIRT_RNG.exists() and subprocess.run(
                ["xmllint", "--noout", "--relaxng", str(LIBVIRT_RNG), str(path)],
                capture_output=True).returncode:
            continue
        keep.append(path)
    return keep


_TEXTS: list = []


def generate(folder: Path, count: int) -> list:
    """`count` valid domains: the templates with their names made unique."""
    folder.mkdir(parents=True, exist_ok=True)
    if not _TEXTS:
        _TEXTS.extend(t.read_text(encoding="utf-8") for t in accepted_by_both())
    texts = _TEXTS
    paths = []
    for i in range(count):
        text = texts[i % len(texts)]
        start, end = text.index("<name>") + 6, text.index("</name>")
        text = f"{text[:start]}guest-{i:05d}{text[end:]}"
        path = folder / f"d{i:05d}.xml"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def timed(cmd, repeat: int, **kw) -> float:
    """Median wall time of `cmd` in seconds (output discarded), after one unmeasured run
    that warms the page cache (and virtc's cached QEMU version)."""
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)
        times.append(time.perf_counter() - start)
        if proc.returncode not in (0,):
            raise SystemExit(f"{' '.join(map(str, cmd[:4]))}…: exit {proc.returncode}\n"
                             f"{proc.stderr.decode(errors='replace')[:2000]}")
    return statistics.median(times)


def max_rss_mib(cmd) -> float:
    """Peak resident memory of one run of `cmd` (its own process tree), in MiB."""
    script = ("import resource, subprocess, sys\n"
              "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
              "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", script, *map(str, cmd)],
                         capture_output=True, text=True, check=True).stdout
    return int(out.strip()) / 1024


def libvirtd_answers() -> bool:
    if not shutil.which("virsh"):
        return False
    try:
        proc = subprocess.run(["virsh", "-c", "qemu:///system", "version"],
                              capture_output=True, timeout=10)
    except subprocess.TimeoutExpired:
        return False
    return proc.returncode == 0


def compile_sample(tmp: Path) -> Path:
    """The sample domain, naming an emulator that exists here: libvirt refuses to build an
    argv for a missing binary, and both tools should do the same job."""
    text = SAMPLE.read_text(encoding="utf-8")
    emulator = shutil.which("qemu-system-x86_64")
    if emulator:
        start, end = text.index("<emulator>") + 10, text.index("</emulator>")
        text = text[:start] + emulator + text[end:]
    path = tmp / SAMPLE.name
    path.write_text(text, encoding="utf-8")
    return path


def bench_batch(tmp: Path, repeat: int) -> dict:
    files = generate(tmp / "batch", 2000)
    # Default -j: one process per CPU for a batch this size. -j 1 is the single-core cost.
    virtc = timed(virtc_cmd() + ["validate", str(tmp / "batch")], repeat)
    serial = timed(virtc_cmd() + ["validate", "-j", "1", str(tmp / "batch")], repeat)
    row = {"virtc_s": virtc, "virtc_per_doc_ms": 1000 * virtc / len(files),
           "serial_s": serial, "serial_per_doc_ms": 1000 * serial / len(files)}
    if shutil.which("xmllint") and LIBVIRT_RNG.exists():
        xmllint = timed(["xmllint", "--noout", "--relaxng", str(LIBVIRT_RNG), *map(str, files)],
                        repeat)
        row.update(xmllint_s=xmllint, xmllint_per_doc_ms=1000 * xmllint / len(files),
                   ratio=virtc / xmllint, serial_ratio=serial / xmllint)
    return row


def bench_compile(tmp: Path, repeat: int) -> dict:
    sample = compile_sample(tmp)
    virtc = timed(virtc_cmd() + ["compile", "--target", "qemu", str(sample)], repeat)
    row = {"virtc_ms": 1000 * virtc}
    if libvirtd_answers():
        other = timed(["virsh", "-c", "qemu:///system", "domxml-to-native", "qemu-argv",
                       str(sample)], repeat)
        row.update(reference="virsh domxml-to-native qemu-argv", reference_ms=1000 * other)
    elif shutil.which("virt-xml-validate"):
        other = timed(["virt-xml-validate", str(sample)], repeat)
        row.update(reference="virt-xml-validate (no libvirtd answered)", reference_ms=1000 * other)
    if "reference_ms" in row:
        row["ratio"] = row["virtc_ms"] / row["reference_ms"]
    return row


def bench_cold_validate(repeat: int) -> dict:
    """virtc's cold validate, with the floor under it measured in the same minute.

    The interpreter's start and `import lxml.etree` are paid by any Python tool that reads
    XML; on a shared machine they drift from run to run, so they are printed beside it.
    """
    python = [sys.executable]
    return {"virtc_ms": 1000 * timed(virtc_cmd() + ["validate", str(SAMPLE)], repeat),
            "python_ms": 1000 * timed(python + ["-c", "pass"], repeat),
            "lxml_ms": 1000 * timed(python + ["-c", "import lxml.etree"], repeat)}


def bench_memory(tmp: Path) -> dict:
    generate(tmp / "mem10k", 10000)
    small = tmp / "mem1k"
    small.mkdir()
    for p in sorted((tmp / "mem10k").iterdir())[:1000]:
        os.link(p, small / p.name)
    # -j 1: one process holds everything the run keeps, so its peak is the whole story.
    return {"1k_files_mib": max_rss_mib(virtc_cmd() + ["validate", "-j", "1", str(small)]),
            "10k_files_mib": max_rss_mib(virtc_cmd() + ["validate", "-j", "1",
                                                        str(tmp / "mem10k")])}


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = ap.parse_args()
    repeat = 3 if args.quick else 11
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {_cpu_model()}, Python "
          f"{platform.python_version()}, {platform.platform()}")
    for note in environment_notes():
        print(f"note: {note}")
    with tempfile.TemporaryDirectory(prefix="virtc-bench-") as tmp:
        tmp = Path(tmp)
        b = bench_batch(tmp, max(3, repeat // 2))
        print(f"1. batch validate, 2000 domains: virtc {b['virtc_s']:.2f} s "
              f"({b['virtc_per_doc_ms']:.3f} ms/doc, default -j = {os.cpu_count()}); -j 1 "
              f"{b['serial_s']:.2f} s ({b['serial_per_doc_ms']:.3f} ms/doc)", end="")
        if "ratio" in b:
            print(f"; xmllint --relaxng {b['xmllint_s']:.2f} s ({b['xmllint_per_doc_ms']:.3f} "
                  f"ms/doc); ratio {b['ratio']:.1f}x, -j 1 {b['serial_ratio']:.1f}x "
                  f"(target <= 3x)")
        else:
            print("; xmllint or libvirt's domain.rng not installed")
        c = bench_compile(tmp, repeat * 2)
        print(f"2. cold compile --target qemu: virtc {c['virtc_ms']:.0f} ms", end="")
        if "ratio" in c:
            print(f"; {c['reference']} {c['reference_ms']:.0f} ms; ratio {c['ratio']:.2f}x "
                  f"(target <= 1.0x against virsh domxml-to-native)")
        else:
            print("; no reference tool installed")
        v = bench_cold_validate(repeat * 2)
        print(f"3. cold validate of one valid file: virtc {v['virtc_ms']:.0f} ms (target <= 60 ms);"
              f" floor: python -c pass {v['python_ms']:.0f} ms, import lxml.etree "
              f"{v['lxml_ms']:.0f} ms")
        m = bench_memory(tmp)
        print(f"4. peak memory (-j 1): 1,000 files {m['1k_files_mib']:.1f} MiB; 10,000 files "
              f"{m['10k_files_mib']:.1f} MiB (target: flat)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
