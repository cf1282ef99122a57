"""JUnit XML: one testcase per checked file, failing when the file has errors.

CI systems (GitLab, Jenkins, Azure) show each file as a test. Warnings and notes of a
passing file go to its system-out so they stay visible without failing the build.
No timestamps or durations: the same input gives byte-identical output.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Dict, List, Sequence
from xml.etree import ElementTree as ET

from ...compiler.diagnostics import Diagnostic, Severity
from .text import format_one


def render(diags: Sequence[Diagnostic], files: Sequence[str]) -> str:
    by_file: Dict[str, List[Diagnostic]] = defaultdict(list)
    for d in diags:
        by_file[d.span.file].append(d)
    names = list(files) + sorted(set(by_file) - set(files))
    failures = sum(any(d.severity is Severity.ERROR for d in by_file[f]) for f in names)

    suites = ET.Element("testsuites", name="virtc", tests=str(len(names)),
                        failures=str(failures), errors="0")
    suite = ET.SubElement(suites, "testsuite", name="virtc validate", tests=str(len(names)),
                          failures=str(failures), errors="0", skipped="0")
    for name in names:
        case = ET.SubElement(suite, "testcase", classname="virtc", name=name, file=name)
        found = by_file.get(name, [])
        errors = [d for d in found if d.severity is Severity.ERROR]
        if errors:
            first = errors[0]
            failure = ET.SubElement(case, "failure", type=first.code,
                                    message=f"{len(errors)} error{'' if len(errors) == 1 else 's'}"
                                            f"; first: line {first.span.line}: {first.code} "
                                            f"{first.message}")
            failure.text = "\n".join(format_one(d) for d in found) + "\n"
        elif found:
            ET.SubElement(case, "system-out").text = "\n".join(format_one(d) for d in found) + "\n"
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
