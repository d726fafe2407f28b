#!/usr/bin/env python3
"""Reads the output of `swift test` under a sanitizer and fails on what is ours to fix.

Usage: check_sanitizer_log.py LOG

- Any AddressSanitizer or ThreadSanitizer error report fails.
- Leaks (LeakSanitizer, run with exitcode=0 so the tests finish) fail only when a frame of
  the allocation's stack lies in this project's Sources/: XCTest on Linux never frees its
  test-case objects and their names, and every such leak hangs from XCTest's own frames.
- The test run itself must have finished with no failures.
"""
import re
import sys

def main(path: str) -> int:
    text = open(path, errors="replace").read()
    problems = []
    for m in re.finditer(r"^(?:==\d+==)?(?:ERROR|WARNING): (AddressSanitizer|ThreadSanitizer)[^\n]*", text, re.M):
        problems.append(m.group(0))
    blocks = re.split(r"\n(?=(?:Direct|Indirect) leak of)", text)
    ours = 0
    for block in blocks[1:]:
        head = block.split("\n", 1)[0]
        body = block.split("\n\n", 1)[0]
        frames = re.findall(r"(/\S*/Sources/[^\s:]+:\d+)", body)
        if frames:
            ours += 1
            problems.append(f"{head} from {frames[0]}")
    finished = re.findall(r"Executed (\d+) tests?, with (?:(\d+) tests? skipped and )?(\d+) failures?", text)
    if not finished:
        problems.append("the test run did not finish (no 'Executed N tests' line)")
    elif int(finished[-1][2]) != 0:
        problems.append(f"{finished[-1][2]} test failures")
    total_leaks = len(blocks) - 1
    for p in problems:
        print("sanitizer:", p)
    if problems:
        return 1
    tests = finished[-1][0]
    leaks = (f"; {total_leaks} leak reports, none allocated from Sources/ (XCTest keeps its test-case objects to the end)"
             if total_leaks else "; no leak reports")
    print(f"sanitizer: {tests} tests, no error reports{leaks}")
    return 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
