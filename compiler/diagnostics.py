"""One diagnostic model for every stage: parse, schema, semantic rules and backends."""
from __future__ import annotations

from typing import Iterable, Iterator, List, Optional, Union

from .node import Factory, Node
from .rules.codes import Code, Severity, by_code

__all__ = ["Code", "CompileError", "Diagnostic", "Diagnostics", "Severity", "Span"]


class Span(Node, order=True):
    """Where an IR node or a problem comes from. Lines and columns are 1-based; 0 = unknown."""

    file: str = "<input>"
    line: int = 0
    column: int = 0

    @classmethod
    def later(cls, file: str, locate, where) -> "Span":
        """A span whose line and column are `locate(where)`, called when either is first
        read (positions.SourceIndex.span: finding an element's column costs a search of the
        source, and a valid document reads few of its spans). Otherwise an ordinary Span:
        equal, hashed, ordered, copied and pickled by its values."""
        span = cls.__new__(cls)
        span.__dict__.update(file=file, _later=(locate, where))
        return span

    def __getattr__(self, name: str):
        later = self.__dict__.get("_later")         # only line and column can be missing
        if later is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        locate, where = later
        line, column = locate(where)
        # Set before letting go: another thread reading meanwhile finds _later, not nothing
        # (and a failed locate leaves the span to try again).
        self.__dict__.update(line=line, column=column)
        self.__dict__.pop("_later", None)
        return getattr(self, name)

    def __reduce__(self):
        return type(self), (self.file, self.line, self.column)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


# A span from Span.later has no line or column until one is read. Their defaults stay in
# Span._defaults (which __init__ fills in) but not as class attributes, which would answer
# the read before __getattr__ could.
del Span.line, Span.column


class Diagnostic(Node):
    """One finding: a stable code, its severity, what is wrong, where, and what to do."""

    code: str
    severity: Severity
    message: str
    span: Span
    hint: Optional[str] = None

    def __str__(self) -> str:
        """The command line's form: `file:line:col: severity: CODE message`."""
        return f"{self.span}: {self.severity.value}: {self.code} {self.message}"

    def to_dict(self) -> dict:
        return {
            "file": self.span.file,
            "line": self.span.line,
            "column": self.span.column,
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
            "hint": self.hint,
        }


class Diagnostics(Node, mutable=True):
    """An ordered collector. Stages append; callers decide what an error means."""

    items: List[Diagnostic] = Factory(list)

    def add(self, code: Union[Code, str], message: str, span: Span,
            hint: Optional[str] = None) -> Diagnostic:
        """Report `code` (a constant from compiler.rules.codes) at the severity it carries;
        no caller chooses another. A code spelled as a string is still accepted, and an
        unknown one is a KeyError."""
        rule = code if isinstance(code, Code) else by_code(code)
        diag = Diagnostic(rule.code, rule.severity, message, span, hint)
        span.line       # a lazy span (Span.later) finds its place now and lets go of the
        #                 document: a batch keeps its findings, not the files they are in
        self.items.append(diag)
        return diag

    def extend(self, diags: Iterable[Diagnostic]) -> None:
        for diag in diags:
            diag.span.line
            self.items.append(diag)

    @property
    def has_errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.items)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


class CompileError(Exception):
    """Raised by the public API when a document has errors; carries every diagnostic."""

    def __init__(self, diagnostics: List[Diagnostic]):
        self.diagnostics = list(diagnostics)
        first = next((d for d in self.diagnostics if d.severity is Severity.ERROR), None)
        super().__init__(f"{first.span}: {first.code} {first.message}" if first else "compile failed")
