"""What every builder receives: where to report, which dialect, which networks."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional

from ...compiler.diagnostics import Diagnostics, Severity, Span
from ...compiler.ir import Network
from .dialects import Cap, Dialect


@dataclass(frozen=True)
class QemuContext:
    diags: Diagnostics
    dialect: Dialect
    networks: Mapping[str, Network]
    emulator: Optional[str] = None   # --emulator override; else <emulator>; else qemu-system-<arch>

    def has(self, cap: Cap) -> bool:
        return self.dialect.has(cap)

    def unsupported(self, span: Span, what: str, hint: str,
                    severity: Optional[Severity] = None) -> None:
        """QEMU301: `what` has no spelling in this dialect's command line."""
        self.diags.add("QEMU301", f"{what} is not supported by QEMU {self.dialect.version}",
                       span, hint, severity)
