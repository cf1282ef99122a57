"""Config parts shared by every Xen config dialect (xm today, xl later).

libvirt keeps the same split: src/libxl/xen_common.c formats what xm and xl share, and
xen_xm.c / xen_xl.c only their differences. Builders here fill an ordered `Config`; the
dialect module decides the order and the dialect-specific keys.
"""
from __future__ import annotations

from typing import Dict, Iterable, Mapping, Optional, Union

from ...compiler.diagnostics import Diagnostics, Severity, Span
from ...compiler.ir import BootDev, Domain, Network
from ...compiler.rules.codes import Code, XEN405, XEN406, XEN418, XEN422
from . import tables
from .dialects import XenDialect
from .literal import unencodable
from ...compiler.node import Node

ConfigValue = Union[int, str, list]


class Config(Dict[str, ConfigValue]):
    """Ordered key → value. Keys are set once: a second write is a backend bug."""

    def set(self, key: str, value: Optional[ConfigValue]) -> None:
        if value is None:
            return
        if key in self:
            raise AssertionError(f"xm key {key} written twice")
        self[key] = value


class Builder(Node, mutable=True):
    """What every builder needs: the domain, where to report, and the target's name."""

    domain: Domain
    diags: Diagnostics
    networks: Mapping[str, Network]
    target: str
    dialect: Optional[XenDialect] = None
    failed: bool = False

    @property
    def hvm(self) -> bool:
        return self.domain.os.is_hvm

    def has(self, flag: str) -> bool:
        return self.dialect is not None and self.dialect.has(flag)

    def report(self, rule: Code, message: str, span: Span, hint: Optional[str] = None) -> None:
        """Report `rule` at its severity; an error means that no config is written."""
        if self.diags.add(rule, message, span, hint).severity is Severity.ERROR:
            self.failed = True

    def no_separator(self, what: str, value: Optional[str], span: Span, entry: str) -> bool:
        """False (with XEN406) when a comma in `value` would split an xm `entry` string."""
        if value is None or "," not in value:
            return True
        self.report(
            XEN406, f"{what} {value!r} contains ',', which separates fields of an xm "
            f"{entry} entry", span, hint=f"choose a {what} without a comma")
        return False


def build_meta(b: Builder, config: Config) -> None:
    d = b.domain
    config.set("name", d.name)
    config.set("uuid", d.uuid)
    from .memory import build_memory    # maxmem, memory (backends/xen/memory.py)

    build_memory(b, config, xl=b.target == "xen-xl")
    from .platform.cpu import build_vcpus

    build_vcpus(b, config)
    if d.id is not None:
        b.report(XEN405, f"domain id {d.id} is assigned by Xen at run time; ignored", d.span)


def build_features(b: Builder, config: Config) -> None:
    """<features> and the timers Xen has keys for (platform.py)."""
    from .platform.features import build_features as features, build_timers

    features(b, config)
    build_timers(b, config)


def build_clock(b: Builder, config: Config) -> None:
    """localtime and rtc_timeoffset from <clock>, and <pm> (platform.py)."""
    from .platform.features import build_clock as clock, build_pm

    clock(b, config)
    build_pm(b, config)


def build_lifecycle(b: Builder, config: Config) -> None:
    d = b.domain
    config.set("on_poweroff", tables.LIFECYCLE[d.on_poweroff])
    config.set("on_reboot", tables.LIFECYCLE[d.on_reboot])
    # xl.cfg(5) and xend take coredump-destroy / coredump-restart as libvirt writes them.
    config.set("on_crash", ("coredump-" if d.on_crash_dump else "") + tables.LIFECYCLE[d.on_crash])


def build_hvm_boot(b: Builder, config: Config) -> None:
    """HVM boot order letters (hd when none is given), and notes on PV-only settings.

    An HVM guest boots from its firmware and emulated devices, so a kernel, initrd,
    command line, root or bootloader in the XML has no effect; it is said, not dropped.
    """
    os = b.domain.os
    letters = "".join(tables.BOOT_LETTERS[boot.dev] for boot in os.boot)
    config.set("boot", letters or tables.BOOT_LETTERS[BootDev.HD])
    for what, value, span in (("kernel", os.kernel, os.span_of("kernel")),
                              ("initrd", os.initrd, os.span_of("initrd")),
                              ("cmdline", os.cmdline, os.span_of("cmdline")),
                              ("root", os.root, os.span_of("root"))):
        if value is not None:
            b.report(XEN418, f"<os><{what}> is for paravirtualized guests; HVM guests boot "
                     "from <loader> and the boot devices; ignored", span)
    if b.domain.bootloader is not None:
        b.report(XEN418, "<bootloader> is for paravirtualized guests; ignored", b.domain.span)


def build_emulator(b: Builder, config: Config) -> None:
    config.set("device_model", b.domain.devices.emulator)


def check_encodable(b: Builder, config: Config) -> None:
    """Every string must survive UTF-8; report the keys whose text can't."""
    for key, value in config.items():
        items: Iterable = value if isinstance(value, list) else (value,)
        if any(isinstance(item, str) and unencodable(item) for item in items):
            b.report(XEN422, f"the value of {b.target} key {key} holds text UTF-8 can't encode "
                     "(a lone surrogate)", b.domain.span)
