"""QEMU backend: compile the IR into a qemu-system argv for one QEMU dialect.

    ctx = QemuContext(diags, get_dialect("7.2"), network_table())
    argv = compile_domain(domain, ctx)      # None when an error was reported in ctx.diags
"""
from __future__ import annotations

from typing import List, Optional

from ...compiler.ir import Domain
from .context import QemuContext
from .dialects import (DEFAULT_VERSION, Cap, Dialect, UnknownDialect, detect_version,
                       get_dialect, known_versions, nearest_dialect)

__all__ = [
    "QemuContext", "compile_domain", "Dialect", "Cap", "DEFAULT_VERSION", "UnknownDialect",
    "get_dialect", "known_versions", "detect_version", "nearest_dialect",
]


def compile_domain(domain: Domain, ctx: QemuContext) -> Optional[List[str]]:
    from .argv import build_argv
    from .dialects import libvirt_spelling
    from ...compiler.postparse.qemu import libvirt_shaped
    from ...compiler.node import replace

    # A document written for today's libvirt is spelled as libvirt writes it for this QEMU
    # (JSON -device, -accel, …); a 2007-style one keeps key=value, as the seed-era
    # snapshots freeze it, unless the dialect is named "X.Y+libvirt".
    if libvirt_shaped(domain):
        ctx = replace(ctx, dialect=libvirt_spelling(ctx.dialect))
    return build_argv(domain, ctx)
