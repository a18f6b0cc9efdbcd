#!/usr/bin/env python3
"""Count test results in TRX (VSTest) and JUnit XML (pytest --junitxml) files.

usage: count_results.py FILE...   -> prints "PASSED FAILED" on stdout, one line per file on stderr
Errors, timeouts and aborted tests count as failed; skipped/not-executed tests are not counted.
A file that is missing or cannot be parsed counts as one failure."""
import sys
import xml.etree.ElementTree as ET


def local(tag):
    return tag.rsplit("}", 1)[-1]


def count_trx(root):
    counters = next((e for e in root.iter() if local(e.tag) == "Counters"), None)
    if counters is None:
        raise ValueError("no <Counters> in TRX")
    a = {k: int(v) for k, v in counters.attrib.items() if v.lstrip("-").isdigit()}
    failed = sum(a.get(k, 0) for k in ("failed", "error", "timeout", "aborted"))
    summary = next((e for e in root.iter() if local(e.tag) == "ResultSummary"), None)
    outcome = summary.get("outcome", "") if summary is not None else ""
    # A run that aborted (test host crash, blame-hang) may have no failed test in its counters.
    if outcome.lower() in ("aborted", "error", "timeout", "failed") and failed == 0:
        failed = 1
    return a.get("passed", 0), failed, outcome


def count_junit(root):
    suites = [root] if local(root.tag) == "testsuite" else [s for s in root if local(s.tag) == "testsuite"]
    passed = failed = 0
    for s in suites:
        for case in s.iter():
            if local(case.tag) != "testcase":
                continue
            kinds = {local(c.tag) for c in case}
            if kinds & {"failure", "error"}:
                failed += 1
            elif "skipped" not in kinds:
                passed += 1
    return passed, failed, "junit"


def main(paths):
    total_p = total_f = 0
    for path in paths:
        try:
            root = ET.parse(path).getroot()
            p, f, how = count_trx(root) if local(root.tag) == "TestRun" else count_junit(root)
        except (OSError, ET.ParseError, ValueError) as e:
            p, f, how = 0, 1, f"unreadable: {e}"
        print(f"  {path}: {p} passed, {f} failed ({how})", file=sys.stderr)
        total_p += p
        total_f += f
    print(total_p, total_f)


if __name__ == "__main__":
    main(sys.argv[1:])
