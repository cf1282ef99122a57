"""How bench.py times whole processes, and how it judges a figure against its budget.

On a shared machine the speed of everything drifts by tens of percent from one minute to the
next. Two things keep a comparison honest anyway: both commands of a comparison run in
alternation (round after round), so drift hits both alike, and every figure is printed
with its spread (the middle half of its runs), so a reader can see how noisy it was.
"""
from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent


def virtc_cmd() -> list:
    """The installed `virtc` beside this interpreter (a venv's), else the one on PATH."""
    here = Path(sys.executable).parent / "virtc"
    exe = str(here) if here.exists() else shutil.which("virtc")
    return [exe] if exe else [sys.executable, "-m", "virtc"]


def python_of(cmd: list) -> str:
    """The interpreter a console script runs under (its #! line)."""
    if len(cmd) > 1:
        return cmd[0]
    try:
        first = Path(cmd[0]).read_text(errors="replace").split("\n", 1)[0]
    except OSError:
        return sys.executable
    return first[2:].strip() if first.startswith("#!") else sys.executable


def run_once(cmd, ok=(0,), **kw) -> Tuple[float, float]:
    """Wall time and CPU time (user + system) of one run of `cmd`, in seconds; its output is
    discarded. CPU time leaves out waiting for a CPU that other work holds; wall time not."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in ok:
        raise SystemExit(f"{' '.join(map(str, cmd[:4]))}…: exit {proc.returncode}\n"
                         f"{stderr.decode(errors='replace')[:2000]}")
    return elapsed, usage.ru_utime + usage.ru_stime


class Spread:
    """The runs of one command: median and middle half (quartiles), in seconds."""

    def __init__(self, times: Sequence[float]):
        self.runs = list(times)            # in the order they ran: rounds pair up by index
        self.median = statistics.median(self.runs)
        if len(self.runs) >= 4:
            self.low, _, self.high = statistics.quantiles(self.runs, n=4)
        else:
            self.low, self.high = min(self.runs), max(self.runs)
        self.cpu: Optional[Spread] = None     # the same runs' CPU times, when measured

    def ms(self) -> str:
        return f"{1000 * self.median:.1f} ms (middle half {1000 * self.low:.0f}–" \
               f"{1000 * self.high:.0f})"


def alternated(cmds: Dict[str, list], repeat: int, ok=(0,), **kw) -> Dict[str, Spread]:
    """Run every command once per round, `repeat` rounds, after one unmeasured round that
    warms the page cache (and virtc's cached QEMU version). Each Spread is of wall times;
    its `cpu` attribute is the Spread of the same runs' CPU times."""
    for cmd in cmds.values():
        run_once(cmd, ok, **kw)
    wall: Dict[str, List[float]] = {name: [] for name in cmds}
    cpu: Dict[str, List[float]] = {name: [] for name in cmds}
    for _ in range(repeat):
        for name, cmd in cmds.items():
            w, c = run_once(cmd, ok, **kw)
            wall[name].append(w)
            cpu[name].append(c)
    out = {name: Spread(times) for name, times in wall.items()}
    for name, spread in out.items():
        spread.cpu = Spread(cpu[name])
    return out


def paired_median(a: Spread, b: Spread) -> float:
    """Median of the per-round differences a - b: less sensitive to drift than the
    difference of the medians, since each pair ran within the same half second."""
    return statistics.median(x - y for x, y in zip(a.runs, b.runs))


class Verdicts:
    """Every budget a run checks, for the summary and `--check`'s exit status."""

    def __init__(self):
        self.failed: List[str] = []
        self.checked = 0

    def judge(self, name: str, value: float, limit: float, unit: str, fmt: str = ".1f") -> str:
        """'PASS' or 'FAIL' for value <= limit; prints nothing, returns the phrase."""
        self.checked += 1
        verdict = "PASS" if value <= limit else "FAIL"
        if verdict == "FAIL":
            self.failed.append(f"{name}: {value:{fmt}}{unit} > {limit:{fmt}}{unit}")
        return f"budget <= {limit:{fmt}}{unit}: {verdict}"


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"
