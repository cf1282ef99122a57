"""What every builder receives: where to report, which dialect, which networks."""
from __future__ import annotations

from typing import Mapping, Optional

from ...compiler.diagnostics import Diagnostics, Span
from ...compiler.ir import Network
from ...compiler.rules.codes import QEMU301, Code
from .dialects import Cap, Dialect
from ...compiler.node import Node


class QemuContext(Node):
    diags: Diagnostics
    dialect: Dialect
    networks: Mapping[str, Network]
    emulator: Optional[str] = None   # --emulator override; else <emulator>; else qemu-system-<arch>
    # Where helper sockets go (backends/qemu/host.py); None: /run/virtc/<name>, and the
    # argv's helpers are the user's to start (`virtc run` passes its own directory).
    runtime_dir: Optional[str] = None
    qmp: Optional[str] = None        # a QMP socket to add (`virtc run --qmp PATH`)

    def has(self, cap: Cap) -> bool:
        return self.dialect.has(cap)

    def unsupported(self, span: Span, what: str, hint: str, *, rule: Code = QEMU301) -> None:
        """`what` has no spelling in this dialect's command line: QEMU301 when the guest
        can't run as described; `rule=QEMU316` when it runs without it, QEMU317 for KVM."""
        self.diags.add(rule, f"{what} is not supported by QEMU {self.dialect.version}",
                       span, hint)
