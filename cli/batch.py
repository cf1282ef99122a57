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
from typing import Callable, Iterable, Iterator, List, Optional, Sequence, Tuple

from ..compiler.node import Factory, Node
from ..compiler.diagnostics import Diagnostic, Diagnostics


class InputError(Exception):
    """A path that can't be read, or a schema that can't be loaded: exit status 2."""


class Options(Node):
    """What to do with each file besides the built-in checks (the command's flags)."""

    compile: bool = False
    schemas: Tuple[Tuple[Optional[str], str], ...] = ()   # (kind or None for all, path)
    networks: Tuple[str, ...] = ()
    qemu_version: Optional[str] = None
    capabilities: Optional[str] = None                     # a capabilities document's path
    max_size: Optional[int] = None                         # bytes; None: the parser's default


class FileResult(Node, mutable=True):
    """One checked file: its kind, its IR when it lowered, and what was found."""

    path: str
    kind: Optional[str] = None
    node: object = None
    ok: bool = False
    diagnostics: List[Diagnostic] = Factory(list)
    order: int = 0                 # where its findings go in the report (input order)
    valid_domain: bool = False     # a domain that --compile compiles
    loaded: object = None          # the pipeline's Loaded, while a compile still needs it


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
    from ..pipeline import load_bytes
    from ..compiler.parse import DEFAULT_MAX_SIZE

    limit = opts.max_size or DEFAULT_MAX_SIZE
    try:
        with open(path, "rb") as fh:       # one byte past the limit is enough to refuse it
            source = fh.read(limit + 1)
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from None
    loaded = load_bytes(source, path, _host(opts.capabilities), max_size=limit,
                        for_backends=opts.compile)
    result = FileResult(path, loaded.kind, loaded.node, loaded.ok, list(loaded.diagnostics))
    result.loaded = loaded
    if opts.compile and loaded.unlowered is not None:
        # Nothing to wait for: the compile finding of a domain no backend compiles.
        result.diagnostics += _compiled(loaded, opts, None)
    if opts.schemas and loaded.kind:
        from ..compiler.external_schema import check_external

        for kind, schema in opts.schemas:
            if kind in (None, loaded.kind):
                result.diagnostics += check_external(schema, source, path)
    return result


def _host(path: Optional[str]):
    """The lowered capabilities document; its own diagnostics are the caller's to report."""
    if path is None:
        return None
    from .capabilities import load_capabilities_once

    return load_capabilities_once(path)[0]


def _check_star(item) -> FileResult:
    """Check one file and keep only what the rest of the run needs.

    Without --compile nothing needs the IR, so it is dropped here (in the worker): a run
    over many files then holds only their findings. With --compile, a domain whose
    output can't depend on the batch's networks is compiled at once; only the others
    (and the networks) are kept for the end of the run.
    """
    result = check_file(*item)
    opts: Options = item[1]
    if not opts.compile or result.node is None:
        _drop(result)
        return result
    from ..compiler import ir

    if isinstance(result.node, ir.Domain) and result.ok:
        result.valid_domain = True
        if not _uses_networks(result.node):
            _compile_one(result, opts, None)
            _drop(result)
    elif not isinstance(result.node, ir.Network):
        _drop(result)
    return result


def _drop(result: FileResult) -> None:
    """Let go of a file's IR: from here on only its findings are needed."""
    result.node = None
    result.loaded = None


def _uses_networks(domain) -> bool:
    """Whether compiling `domain` reads the network table: a type='network' interface is
    resolved through it (to a bridge, or a did-you-mean among its names), and so is a
    display's <listen type='network'> without an address (to the network's address)."""
    from ..compiler import ir

    if any(i.type is ir.NetType.NETWORK for i in domain.devices.interfaces):
        return True
    # (by tag and value: a domain without graphics doesn't import their family)
    return any(type(node).TAG == "graphics" and any(
        listen.type == "network" and listen.address is None for listen in node.listens)
        for node in domain.devices.families)


def _compile_one(result: FileResult, opts: Options, table: Optional[dict]) -> None:
    result.diagnostics += _compiled(result.loaded, opts, table)


def _compiled(loaded, opts: Options, table: Optional[dict]) -> List[Diagnostic]:
    """What the orchestrator's backend stage (api/pipeline.py) adds for one loaded file."""
    from ..pipeline import CompileOptions, compile_loaded

    options = CompileOptions(networks=table, qemu_version=opts.qemu_version,
                             capabilities=_host(opts.capabilities))
    return compile_loaded(loaded, options).diagnostics[len(loaded.diagnostics):]


def _checked(files: Sequence[str], opts: Options, jobs: int,
             progress: Optional[Callable[[int, int], None]]) -> Iterator[FileResult]:
    items = [(f, opts) for f in files]
    if jobs > 1 and len(files) > 1:
        from concurrent.futures import ProcessPoolExecutor

        from ..compiler.validate import settle

        settle()             # no thread of this process may be compiling when it forks

        chunk = max(1, min(32, len(files) // (jobs * 4)))
        with ProcessPoolExecutor(max_workers=min(jobs, len(files))) as pool:
            yield from _counted(pool.map(_check_star, items, chunksize=chunk), len(files),
                                progress)
    else:
        yield from _counted(map(_check_star, items), len(files), progress)


def _counted(results: Iterable[FileResult], total: int,
             progress: Optional[Callable[[int, int], None]]) -> Iterator[FileResult]:
    for done, result in enumerate(results, 1):
        yield result
        if progress:
            progress(done, total)


def run(files: Sequence[str], opts: Options, jobs: int = 1,
        progress: Optional[Callable[[int, int], None]] = None) -> Iterator[FileResult]:
    """Check `files`, in parallel when `jobs` > 1, yielding one result per file.

    Results come in the order of `files` (a pool's results are put back in order); with
    --compile, the domains that wait for the batch's networks come after the others, then
    one result per broken --network file. `FileResult.order` tells where each belongs.
    Results carry no IR: callers keep what they need (the findings) and let the rest go.
    """
    collect = len(files) > 100
    if collect:
        # `virtc` switches the cyclic collector off for a short run (cli.run); a long one
        # turns it back on so that its memory stays flat (benchmarks/bench.py figure 4).
        import gc

        gc.enable()
    waiting: List[FileResult] = []
    networks = []
    any_domain = False
    for order, result in enumerate(_checked(files, opts, jobs, progress)):
        if collect and order == 0:
            # What the first file imported (modules, classes, tables) lives as long as the
            # process: moved out of the collector's sight, each later collection walks only
            # what the files since made. That is a few percent of a long batch (figure 6).
            gc.freeze()
        result.order = order
        any_domain = any_domain or result.valid_domain
        if result.node is not None and result.valid_domain:
            waiting.append(result)
            continue
        if result.node is not None:
            networks.append(result.node)
            _drop(result)
        yield result
    if opts.compile and any_domain:
        yield from compile_rest(waiting, networks, opts, len(files))


def compile_rest(waiting: List[FileResult], networks: list, opts: Options,
                 order: int) -> Iterator[FileResult]:
    """Compile the domains that use networks, against one table: the built-in `default`,
    the `--network` files and every network document in the batch."""
    from ..pipeline import load_networks
    from ..compiler.networks import DEFAULT_NETWORK, network_table

    side = Diagnostics()
    try:
        explicit = load_networks(opts.networks, side)
    except OSError as exc:
        raise InputError(f"{exc.filename}: {exc.strerror or exc}") from None
    # Networks named with --network win over same-named ones found in the batch.
    table = network_table(networks)
    table.update({name: net for name, net in explicit.items() if net is not DEFAULT_NETWORK})
    for r in waiting:
        _compile_one(r, opts, table)
        _drop(r)
        yield r
    for path in opts.networks:   # a broken --network file is reported under its own name
        own = [d for d in side if d.span.file == path]
        if own:
            yield FileResult(path, "network", None, False, own, order=order)
            order += 1


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
