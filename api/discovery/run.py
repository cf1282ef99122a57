"""Run one probe command with a hard time limit.

The emulator runs in its own session (process group) so that a timeout kills everything it
started: a wrapper script that hangs in a child would otherwise keep the output pipes open
and make the wait after the kill hang too.
"""
from __future__ import annotations

import os
import signal
import subprocess
from typing import Optional, Sequence
from ..compiler.node import Node


class ProbeError(Exception):
    """A probe that failed (`timed_out` False) or did not answer in time (True)."""

    def __init__(self, message: str, timed_out: bool = False):
        super().__init__(message)
        self.timed_out = timed_out


class Output(Node):
    stdout: str
    stderr: str


def run_bounded(argv: Sequence[str], timeout: float, stdin: Optional[str] = None) -> Output:
    """Run `argv`; return its output if it exits 0 within `timeout` seconds, else raise."""
    env = dict(os.environ, LC_ALL="C", LANG="C")
    try:
        proc = subprocess.Popen(list(argv), stdin=subprocess.PIPE if stdin is not None
                                else subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env, start_new_session=True,
                                text=True, errors="replace")
    except OSError as exc:
        raise ProbeError(f"cannot run it: {exc.strerror or exc}") from None
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        proc.communicate()
        raise ProbeError(f"no answer within {timeout:g} s", timed_out=True) from None
    if proc.returncode != 0:
        last = (err.strip().splitlines() or [""])[-1]
        detail = f": {last}" if last else ""
        raise ProbeError(f"`{' '.join(argv[1:])}` exited with status {proc.returncode}{detail}")
    return Output(out, err)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    except PermissionError:
        proc.kill()
