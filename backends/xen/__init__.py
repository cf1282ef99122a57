"""The Xen backend: compile the IR into an xm or xl config, and import configs back.

    compile_domain(domain, XenContext(diags, networks, dialect)) -> text, or None after an error
    import_config(text, file, source_format, diags) -> Domain, or None after an error

Importing this package is cheap: Jinja2 loads only when a config is rendered.
"""
from __future__ import annotations

from typing import Mapping, Optional

from ...compiler import uncompiled
from ...compiler.diagnostics import Diagnostics
from ...compiler.ir import Domain, Network
from ...compiler.rules.codes import XEN401, XEN440, XEN441
from . import tables
from .common import Builder
from .dialects import XenDialect, get_dialect
from ...compiler.node import Factory, Node

__all__ = ["XenContext", "compile_domain", "import_config", "TARGETS", "SOURCE_FORMATS"]

TARGETS = ("xen-xm", "xen-xl")
SOURCE_FORMATS = TARGETS


class XenContext(Node):
    diags: Diagnostics
    networks: Mapping[str, Network]   # compiler.networks.network_table()
    dialect: XenDialect = Factory(lambda: get_dialect("xen-xm"))


def compile_domain(domain: Domain, ctx: XenContext) -> Optional[str]:
    """The config for `domain` in ctx.dialect's target; None when an error was reported."""
    target = ctx.dialect.target
    if not tables.DOMAIN_TYPES[domain.type]:
        ctx.diags.add(
            XEN401, f"<domain type='{domain.type.value}'> can't be compiled for target "
            f"{target}; only type 'xen' describes a Xen guest", domain.span,
            hint="compile for the qemu target, or set <domain type='xen'>")
        return None
    from .crossing import report_uncompiled

    leftovers = domain.uncompiled
    if domain.qemu is not None:         # the qemu: namespace, lowered for QEMU only
        from ...compiler.platform.qemu_ns import as_uncompiled

        leftovers = tuple(sorted(leftovers + as_uncompiled(domain.qemu),
                                 key=lambda u: (u.span.line, u.span.column)))
    uncompiled.report(report_uncompiled(leftovers, ctx.diags, target), ctx.diags,
                      "Xen", XEN440, XEN441)
    families_ok = True
    if domain.devices.families:
        from .devices import build_families

        families_ok = build_families(domain, ctx.diags, target)
    builder = Builder(domain, ctx.diags, ctx.networks, target, ctx.dialect)
    if target == "xen-xl":
        from . import xl as dialect_module
    else:
        from . import xm as dialect_module
    config = dialect_module.build_config(builder)
    # uncompiled.report made an error of each guest-visible part (XEN440).
    if (builder.failed or not families_ok
            or any(not item.host_side for item in leftovers)):
        return None
    from .render import render

    return render(dialect_module.TEMPLATE, config)


def import_config(text: str, file: str, source_format: str,
                  diags: Diagnostics) -> Optional[Domain]:
    """Read an xm (Python literals, via `ast`) or xl.cfg config into the IR. Never executes it."""
    from .import_domain import config_to_domain

    if source_format == "xen-xl":
        from .parse_xl import parse_xl as parse
    elif source_format == "xen-xm":
        from .parse_xm import parse_xm as parse
    else:
        raise ValueError(f"unknown source format {source_format!r}")
    settings = parse(text, file, diags)
    if settings is None:
        return None
    return config_to_domain(settings, source_format, file, diags)
