"""The Xen backend: compile the IR into an xm config file.

    compile_domain(domain, XenContext(diags, networks)) -> xm text, or None after an error

Importing this package is cheap: Jinja2 loads only when a config is rendered.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional

from ...compiler.diagnostics import Diagnostics
from ...compiler.ir import Domain, Network
from . import tables, xm
from .common import Builder

__all__ = ["XenContext", "compile_domain"]


@dataclass(frozen=True)
class XenContext:
    diags: Diagnostics
    networks: Mapping[str, Network]   # compiler.networks.network_table()


def compile_domain(domain: Domain, ctx: XenContext) -> Optional[str]:
    """The xm config for `domain`; None when an error was reported to ctx.diags."""
    if not tables.DOMAIN_TYPES[domain.type]:
        ctx.diags.add(
            "XEN401", f"<domain type='{domain.type.value}'> can't be compiled for target "
            f"{xm.TARGET}; only type 'xen' describes a Xen guest", domain.span,
            hint="compile for the qemu target, or set <domain type='xen'>")
        return None
    builder = Builder(domain, ctx.diags, ctx.networks, xm.TARGET)
    config = xm.build_config(builder)
    if builder.failed:
        return None
    from .render import render

    return render("xm.j2", config)
