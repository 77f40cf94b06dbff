"""Benchmark what one post can cost to render, against ordinary prose of the same length.

Run from the project root (or `make bench-render BENCH_ARGS="--rounds 9"`):

    .venv/bin/python bench/render.py [--rounds 5]

Posts are rendered once, when written or previewed (forum/markdown.py). Each row is a
60,000-character text (MAX_POST_LENGTH) built to be costly: the most of one construct that
FORMAT_LIMITS still lets through (the rest of the text ordinary prose), the worst texts
found before the limits existed (now shown as plain text), and one holding every
construct just under its limit. Each prints its median render time divided by the median
for 60,000 characters of ordinary prose (paragraphs, emphasis, links, a list, a quote),
measured in the same rounds, interleaved (CPU time of this process). Target, with
PASS/FAIL: no text costs more than 4 times ordinary prose. Exit status 1 when it fails.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from forum.markdown import render_post  # noqa: E402
from forum.render_limits import FORMAT_LIMITS  # noqa: E402

LENGTH = 60_000
TARGET = 4.0

PROSE = (
    "Racks are *heavy*, and the rails that hold them are rated for **forty kilograms** "
    "each. See [the manual](https://example.org/manual) before you lift one alone.\n\n"
    "- check the rails\n- check the screws\n\n> Measure twice.\n\n"
)

# The unit repeated up to each construct's limit.
UNITS = {
    "table cells": ("| a | b |\n|---|---|\n", "| x | y |\n"),
    "link brackets": ("", "[a](/x) "),
    "list items": ("", "- a\n"),
    "headings and rules": ("", "# a\n"),
    "emphasis marks": ("", "*a* "),
    "code fences": ("", "```python\nx = 1\n```\n"),
    "web and mail addresses": ("", "https://a.example/ "),
}


def fill(text: str) -> str:
    """`text`, then ordinary prose up to LENGTH characters."""
    text += "\n\n"
    return (text + PROSE * (LENGTH // len(PROSE) + 1))[:LENGTH]


def texts() -> dict[str, str]:
    rows = {}
    for name, limit, count in FORMAT_LIMITS:
        head, unit = UNITS[name]
        units = (limit - count(head) - count(PROSE) * (LENGTH // len(PROSE) + 1)) // count(unit)
        text = fill(head + unit * max(units, 0))
        while count(text) > limit:  # prose counts too: drop units until under the limit
            units -= max(1, units // 50)
            text = fill(head + unit * units)
        rows[f"{name} ({count(text):,} of {limit:,})"] = text
    rows["60,000 link brackets (before: 2.8 s)"] = "[" * LENGTH
    rows["7,500 task items (before: 20 s)"] = ("- [ ] x\n" * LENGTH)[:LENGTH]
    rows["7,500-row table"] = "|a|b|c|\n|-|-|-|\n" + ("|x|y|z|\n" * LENGTH)[: LENGTH - 16]
    rows["one code block of Python"] = (
        "```python\n" + ("def f(x): return x * 2\n" * 3000)[: LENGTH - 20] + "\n```"
    )
    every = "".join(
        head + unit * ((limit - count(head)) // count(unit) // 8)
        for (name, limit, count), (head, unit) in zip(FORMAT_LIMITS, UNITS.values(), strict=True)
    )
    rows["every construct, an eighth of each limit"] = fill(every)
    return rows


def timed(text: str) -> float:
    # CPU time of this process: on a shared machine, wall time mostly measures the others.
    start = time.process_time()
    render_post(text)
    return time.process_time() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    prose = fill("")
    rows = texts()
    times = {name: [] for name in rows}
    baseline = []
    for round_ in range(args.rounds):
        order = list(rows.items())
        if round_ % 2:
            order.reverse()
        for name, text in order:
            baseline.append(timed(prose))
            times[name].append(timed(text))
    base = statistics.median(baseline)
    print(f"render cost of a {LENGTH:,}-character post, as a multiple of ordinary prose")
    print(f"(ordinary prose: {base * 1000:.0f} ms of CPU, median of {len(baseline)})\n")
    print(f"{'text':58} {'ratio':>7} {'ms':>7}")
    worst = 0.0
    for name in rows:
        median = statistics.median(times[name])
        worst = max(worst, median / base)
        print(f"{name:58} {median / base:7.2f} {median * 1000:7.0f}")
    passed = worst <= TARGET
    print(f"\n  {'PASS' if passed else 'FAIL'}  worst text <= {TARGET:g} x prose   {worst:.2f}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
