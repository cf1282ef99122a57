"""Checking many files at once, as CI and pre-commit do: `virtc validate PATH…`.

Files are checked independently (in a process pool with `-j N`), then, with `--compile`,
every domain that validated is compiled for its default target against one network table:
the built-in `default`, the `--network` files and every network document in the batch.
Results come back in input order whatever the pool does, so output is deterministic.
"""
from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Sequence, Tuple

from .compiler.diagnostics import Diagnostic, Diagnostics


class InputError(Exception):
    """A path that can't be read, or a schema that can't be loaded: exit status 2."""


@dataclass(frozen=True)
class Options:
    compile: bool = False
    schemas: Tuple[Tuple[Optional[str], str], ...] = ()   # (kind or None for all, path)
    networks: Tuple[str, ...] = ()
    qemu_version: Optional[str] = None
    capabilities: Optional[str] = None                     # a capabilities document's path


@dataclass
class FileResult:
    path: str
    kind: Optional[str] = None
    node: object = None
    ok: bool = False
    diagnostics: List[Diagnostic] = field(default_factory=list)


def collect(paths: Sequence[str]) -> List[str]:
    """The files to check: each file named, and every *.xml under each directory named.

    Hidden directories (.git, .tox…) under a named directory are skipped. The result is
    sorted and free of duplicates, so output order never depends on the file system.
    """
    found = set()
    for path in paths:
        if os.path.isdir(path):
            for top, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found.update(os.path.join(top, n) for n in names if n.endswith(".xml"))
        elif os.path.exists(path):
            found.add(os.path.normpath(path) if os.path.isabs(path) else path)
        else:
            raise InputError(f"{path}: no such file or directory")
    return sorted(found)


def check_file(path: str, opts: Options) -> FileResult:
    """Load one file (parse, schema, lowering, semantic rules) and apply `--schema` files."""
    from .api import load_bytes

    try:
        with open(path, "rb") as fh:
            source = fh.read()
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from None
    loaded = load_bytes(source, path, _host(opts.capabilities))
    result = FileResult(path, loaded.kind, loaded.node, loaded.ok, list(loaded.diagnostics))
    if opts.schemas and loaded.kind:
        from .external_schema import check_external

        for kind, schema in opts.schemas:
            if kind in (None, loaded.kind):
                result.diagnostics += check_external(schema, source, path)
    return result


_HOSTS: dict = {}


def _host(path: Optional[str]):
    """The lowered capabilities document, read once per process (workers included).

    Its own diagnostics are reported once, by the caller, not with every file.
    """
    if path is None:
        return None
    if path not in _HOSTS:
        from .capabilities_cli import load_capabilities

        _HOSTS[path] = load_capabilities(path)[0]
    return _HOSTS[path]


def _check_star(item) -> FileResult:
    return check_file(*item)


def run(files: Sequence[str], opts: Options, jobs: int = 1,
        progress: Optional[Callable[[int, int], None]] = None) -> List[FileResult]:
    """Check `files`, in parallel when `jobs` > 1; results are in the order of `files`."""
    items = [(f, opts) for f in files]
    results: List[FileResult] = []
    if jobs > 1 and len(files) > 1:
        from concurrent.futures import ProcessPoolExecutor

        chunk = max(1, min(32, len(files) // (jobs * 4)))
        with ProcessPoolExecutor(max_workers=min(jobs, len(files))) as pool:
            for result in pool.map(_check_star, items, chunksize=chunk):
                results.append(result)
                if progress:
                    progress(len(results), len(files))
    else:
        for item in items:
            results.append(_check_star(item))
            if progress:
                progress(len(results), len(files))
    if opts.compile:
        compile_all(results, opts)
    return results


def compile_all(results: List[FileResult], opts: Options) -> None:
    """Compile each valid domain for its default target; backend findings join its file's."""
    from .api import compile_domain, default_target, load_networks
    from .compiler import ir
    from .compiler.networks import DEFAULT_NETWORK, network_table

    domains = [r for r in results if r.ok and isinstance(r.node, ir.Domain)]
    if not domains:
        return
    side = Diagnostics()
    try:
        explicit = load_networks(opts.networks, side)
    except OSError as exc:
        raise InputError(f"{exc.filename}: {exc.strerror or exc}") from None
    # Networks named with --network win over same-named ones found in the batch.
    table = network_table([r.node for r in results if isinstance(r.node, ir.Network)])
    table.update({name: net for name, net in explicit.items() if net is not DEFAULT_NETWORK})
    for path in opts.networks:   # a broken --network file is reported under its own name
        own = [d for d in side if d.span.file == path]
        if own:
            results.append(FileResult(path, "network", None, False, own))
    for r in domains:
        diags = Diagnostics()
        compile_domain(r.node, default_target(r.node), diags, networks=table,
                       qemu_version=opts.qemu_version, capabilities=_host(opts.capabilities))
        r.diagnostics += diags.items


class Progress:
    """A one-line progress bar on stderr, only on a terminal and only for long runs.

    It appears once a run has taken `delay` seconds, so quick runs (a pre-commit hook on
    a few files) print nothing extra, and it is erased before results are printed.
    """

    def __init__(self, stream=None, delay: float = 1.0, enabled: Optional[bool] = None):
        self.stream = stream or sys.stderr
        self.delay = delay
        self.enabled = self._is_tty() if enabled is None else enabled
        self.start = time.monotonic()
        self.last = 0.0
        self.shown = False

    def _is_tty(self) -> bool:
        try:
            return self.stream.isatty() and os.environ.get("TERM") != "dumb"
        except (AttributeError, ValueError):
            return False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if not self.enabled or now - self.start < self.delay or (now - self.last < 0.1 and done < total):
            return
        self.last = now
        width = 30
        filled = width * done // max(total, 1)
        self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} files")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
