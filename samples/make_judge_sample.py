#!/usr/bin/env python3
"""Write the sample CodeNet-layout judge export in samples/judge/codenet/.

Why a script: the expected outcomes in samples/judge/README.md and tests/sources/judge/test_pipeline.py
depend on every row, so the export must be reproducible byte for byte; the script is also the
readable place where each submission says which case it covers. Rerun it after a change:

    python samples/make_judge_sample.py

Six problems, 22 users, 74 rows. Four problems are kept by the default filters (acceptance rate at
most 0.5, at least 10 judged submissions); p03004 is too easy (10 of 12 accepted) and p03005 has too
few submissions. The mistakes are the ones beginners make: integer division, reading the input in
the wrong shape, an off-by-one range, a loop that times out, a missing edge case (N = 1), a wrong
initial value, a missing colon, an unterminated string, debug output. Also covered: an identical
resubmission (only a comment changed), '#' inside strings and f-strings next to real comments, C++
and Python 2 submissions, a row with a broken date, a missing code file, an unjudged row, two
submissions in the same second (listed out of order), a code file with DOS line endings, and a CSV
with DOS line endings, an empty memory field and a negative cpu time.
"""
from __future__ import annotations

import shutil
from pathlib import Path

OUT = Path(__file__).resolve().parent / "judge" / "codenet"
BASE_TIME = 1_590_969_600  # 2020-06-01T00:00:00Z

PROBLEMS = [
    # id, name, dataset (origin), time limit ms, memory limit KB
    ("p03000", "Average Score", "AtCoder", 2000, 1048576),
    ("p03001", "Count Multiples", "AtCoder", 2000, 1048576),
    ("p03002", "Count Walls", "AIZU", 1000, 131072),
    ("p03003", "Largest Drop", "AtCoder", 2000, 1048576),
    ("p03004", "Hello Judge", "AIZU", 1000, 131072),
    ("p03005", "Rare Problem", "AtCoder", 2000, 1048576),
]

DESCRIPTIONS = {
    "p03000": """<H1>Average Score</H1>
<p>There are <var>N</var> students. Student <var>i</var> scored <var>A<sub>i</sub></var> points.
Print the average score.</p>
<H2>Input</H2>
<pre>
<var>N</var>
<var>A<sub>1</sub></var> <var>A<sub>2</sub></var> &hellip; <var>A<sub>N</sub></var>
</pre>
<H2>Output</H2>
<p>Print the average. An absolute error of at most 10<sup>-6</sup> is allowed &amp; rounding is not required.</p>
<script>MathJax.Hub.Queue(["Typeset"]);</script>
""",
    "p03001": """<h1>Count Multiples</h1>
<p>Answer <var>T</var> queries. For each, given <var>N</var> and <var>K</var>, count the integers
between 1 and <var>N</var> (inclusive) that are multiples of <var>K</var>.</p>
<p>Constraints: 1 &le; N &le; 10<sup>12</sup>.</p>
<p>Print <code>Case #i: X</code> for the <var>i</var>-th query.</p>
""",
    "p03003": """<h1>Largest Drop</h1>
<p>Given temperatures <var>t<sub>1</sub></var>, &hellip;, <var>t<sub>N</sub></var>, print the largest
value of <var>t<sub>i</sub> - t<sub>i+1</sub></var>. It may be negative. If <var>N</var> = 1, print 0.</p>
""",
}

# ---------------------------------------------------------------------------------------- the code

CPP_WA = """#include <iostream>
int main() { long long n, k; std::cin >> n >> k; std::cout << n / k - 1 << std::endl; }
"""
CPP_AC = """#include <iostream>
int main() { long long n, k; std::cin >> n >> k; std::cout << n / k << std::endl; }
"""
# p03001, u107: correct but too slow (s202), then resubmitted unchanged but for a comment (s203).
COUNT_ONE_BY_ONE = """t = int(input())
for i in range(1, t + 1):
    n, k = map(int, input().split())
    count = 0
    for x in range(1, n + 1):
        if x % k == 0:
            count += 1
    print("Case #%d: %d" % (i, count))
"""

CODE = {
    # ---- p03000 Average Score
    "s100": """# average score
n = int(input())
scores = list(map(int, input().split()))
total = sum(scores)
print(total // n)  # average
""",
    # Same program as s100, resubmitted with only its comments changed: a repeat.
    "s101": """# average score (resubmit)
n = int(input())
scores = list(map(int, input().split()))
total = sum(scores)   
print(total // n)
""",
    "s102": """# average score
n = int(input())
scores = list(map(int, input().split()))
total = sum(scores)
print(total / n)  # true division, not //
""",
    "s103": """n = int(input())
total = 0
for i in range(n):
    total += int(input())  # one score per line
print(total / n)
""",
    "s104": """n = int(input())
total = 0
for x in input().split():  # all scores are on one line
    total += int(x)
print(total / n)
""",
    "s105": CPP_WA,
    "s106": CPP_AC,
    "s107": """n = int(input())
a = [int(x) for x in input().split()]
print(round(sum(a) / n))
""",
    "s108": """n = int(input())
a = [int(x) for x in input().split()]
print(int(sum(a) / n))
""",
    "s109": """n = int(input())
a = [int(x) for x in input().split()]
print(sum(a) / n)
""",
    "s110": """n = int(input())
a = [int(x) for x in input().split()]
print("%.2f" % (sum(a) / n))
""",
    "s111": """print(sum(map(int, input().split())) // int(input()))
""",
    "s112": """n = int(input())
a = list(map(int, input().split()))
avg = 0
while abs(avg * n - sum(a)) > 1e-9:
    avg += 1e-7
print(avg)
""",
    "s113": """n = int(input())
print(sum(map(int, input().split())) / n)
""",
    "s114": """n = input()
print sum(map(int, raw_input().split())) / float(n)
""",
    # ---- p03001 Count Multiples
    "s200": """t = int(input())
for i in range(1, t + 1):
    n, k = map(int, input().split())
    count = 0
    for x in range(1, n):  # check every number
        if x % k == 0:
            count += 1
    print(f"Case #{i}: {count}")
""",
    "s201": """t = int(input())
for i in range(1, t + 1):
    n, k = map(int, input().split())
    print(f"Case #{i}: {n // k}")  # multiples of k up to n
""",
    "s202": COUNT_ONE_BY_ONE,
    # s202 again with a comment and trailing spaces: still a repeat.
    "s203": COUNT_ONE_BY_ONE.replace("    for x in range(1, n + 1):\n",
                                     "    # maybe faster now?\n    for x in range(1, n + 1):  \n"),
    "s204": """t = int(input())
for i in range(1, t + 1):
    n, k = map(int, input().split())
    print("Case #%d: %d" % (i, n // k))
""",
    "s205": """t = int(input())
for case in range(t):
    n, k = map(int, input().split())
    print("Case #{}: {}".format(case + 1, n // k))
""",
    "s206": """import sys

lines = sys.stdin.read().split("\\n")
for i in range(1, int(lines[0]) + 1):
    n, k = map(int, lines[i].split())
    print(f"Case #{i}: {n // k}")
""",
    "s207": """t = int(input())
for i in range(1, t + 1)
    n, k = map(int, input().split())
    print(f"Case #{i}: {n // k}")
""",
    "s208": """t = int(input())
for i in range(1, t + 1):
    n, k = map(int, input().split())
    print(n // k)
""",
    "s209": """t = int(input())
for i in range(1, t + 1):
    n, k = map(int, input().split())
    print(f"Case #{i}: {n // k}")
""",
    "s210": """t = int(input())
for i in range(1, t + 1):
    n, k = map(int, input().split())
    print(f"Case #{i}:{n // k}")
""",
    "s211": """t = int(input())
for i in range(1, t + 1):
    n, k = map(int, input().split())
    print(f"Case #{i}: {n // k}")  # a space after the colon
""",
    "s212": CPP_WA,
    "s213": """print("this row has a broken date")
""",
    # s214's file is not written: a missing code file.
    "s214": """for i in range(int(input())):
    n, k = map(int, input().split())
    print("Case #" + str(i) + ": " + str(n // k))
""",
    "s215": """for i in range(int(input())):
    n, k = map(int, input().split())
    print("Case #" + str(i + 1) + ": " + str(n // k))
""",
    # ---- p03002 Count Walls
    "s300": """h, w = map(int, input().split())
row = input()
print(row.count("#"))  # count the walls
""",
    "s301": """h, w = map(int, input().split())
walls = 0
for _ in range(h):
    row = input()
    walls += row.count("#")  # '#' is a wall
print(walls)
""",
    "s302": """h, w = map(int, input().split())
grid = [list(map(int, input())) for _ in range(h)]
print(sum(sum(row) for row in grid))
""",
    "s303": """h, w = map(int, input().split())
cells = []
for i in range(h):
    row = input()
    for j in range(w):
        cells.append((i, j, row[j], row))
print(sum(1 for c in cells if c[2] == "#"))
""",
    "s304": """import sys

data = sys.stdin.read().split()
print(sum(r.count("#") for r in data[2:]))  # rows start after H and W
""",
    "s305": """h, w = map(int, input().split())
print(sum(input().count(".") for _ in range(h)))
""",
    "s306": """h, w = map(int, input().split())
print(h * w - sum(input().count(".") for _ in range(w)))
""",
    "s307": """h, w = map(int, input().split())
print(h * w - sum(input().count("#") for _ in range(h)))
""",
    "s308": """h, w = map(int, input().split())
print(sum(input().count("#") for _ in range(h)))
""",
    "s309": CPP_WA,
    "s310": CPP_WA.replace("- 1", "+ 1"),
    "s311": CPP_AC,
    "s312": """h, w = map(int, input().split())
walls = 0
for _ in range(h):
    row = input()
    for c in row:
        print("checking", c)
        if c == "#":
            walls += 1
print(walls)
""",
    "s313": """h, w = map(int, input().split())
walls = 0
for _ in range(h):
    row = input()
    for c in row:
        if c == "#":
            walls += 1
print(walls)
""",
    # ---- p03003 Largest Drop
    # Written with DOS line endings (see CRLF below).
    "s400": """n = int(input())
t = list(map(int, input().split()))
print(max(t[i] - t[i + 1] for i in range(n - 1)))
""",
    "s401": '''def largest_drop(t):
    """Largest t[i] - t[i + 1]; 0 when there is no pair."""
    if len(t) < 2:
        return 0
    return max(t[i] - t[i + 1] for i in range(len(t) - 1))


n = int(input())
t = list(map(int, input().split()))
print(largest_drop(t))
''',
    "s402": """n = int(input())
t = list(map(int, input().split()))
best = 0
for i in range(n - 1):
    best = max(best, t[i] - t[i + 1])
print(best)
""",
    "s403": """n = int(input())
t = list(map(int, input().split()))
best = -10 ** 18  # drops can be negative
for i in range(n - 1):
    best = max(best, t[i] - t[i + 1])
print(best)
""",
    "s404": """n = int(input())
t = list(map(int, input().split()))
if n == 1:
    print(0)
else:
    print(max(t[i] - t[i + 1] for i in range(n - 1)))
""",
    "s405": """n = int(input())
t = list(map(int, input().split()))
print(max([t[i] - t[i + 1] for i in range(n - 1)] or [0]), end=" ")
""",
    "s406": """n = int(input())
t = list(map(int, input().split()))
print(max([t[i] - t[i + 1] for i in range(n - 1)] or [0]))
""",
    "s407": """n = int(input())
t = sorted(map(int, input().split()))
print(t[-1] - t[0])
""",
    "s408": """n = int(input())
t = list(map(int, input().split()))
print(max(t) - min(t))
""",
    "s409": CPP_WA,
    "s410": CPP_AC,
    "s411": """n = int(input())
t = list(map(int, input().split()))
print(max((a - b for a, b in zip(t, t[1:])), default=0))
""",
    "s412": """n = int(input())
t = list(map(int, input().split()))
if n == 1:
    print("0)
else:
    print(max(t[i] - t[i + 1] for i in range(n - 1)))
""",
    "s413": """n = int(input())
t = list(map(int, input().split()))
if n == 1:
    print("0")  # no pair of days
else:
    print(max(t[i] - t[i + 1] for i in range(n - 1)))
""",
    # ---- p03004 Hello Judge (10 of 12 accepted: too easy)
    "s500": 'print("Hello Judge")\n',
    **{f"s5{i:02d}": 'print("Hello, Judge!")\n' for i in range(1, 11)},
    "s511": 'print("hello, judge!")\n',
    # ---- p03005 Rare Problem (3 judged: too few)
    "s600": "print(input()[::-1] + 'x')\n",
    "s601": "print(input()[::-1])\n",
    "s602": "print(input())\n",
}
CODE.update({sid: CPP_AC for sid in ("s503", "s506", "s509")})  # the C++ rows of p03004
CRLF = {"s400"}

PY3 = ("Python", "Python (3.8.2)", "py")
PYPY = ("Python", "PyPy3 (7.3.0)", "py")
PY2 = ("Python", "Python (2.7.6)", "py")
CPP = ("C++", "C++ (GCC 9.2.1)", "cpp")

# submission id, user, minutes after the problem's start, language, status, cpu ms, memory KB
ROWS: dict[str, list[tuple]] = {
    "p03000": [
        ("s100", "u100", 0, PY3, "Wrong Answer", 17, 9000),
        ("s101", "u100", 3, PY3, "Wrong Answer", 18, 9000),
        ("s102", "u100", 9, PY3, "Accepted", 18, 9100),
        ("s103", "u101", 2, PYPY, "Runtime Error", 60, 60000),
        ("s104", "u101", 15, PYPY, "Accepted", 58, 61000),
        ("s105", "u102", 4, CPP, "Wrong Answer", 2, 3500),
        ("s106", "u102", 8, CPP, "Accepted", 2, 3500),
        ("s107", "u103", 5, PY3, "Wrong Answer", 20, 9000),
        ("s108", "u103", 11, PY3, "Wrong Answer", 20, 9000),
        ("s109", "u103", 14, PY3, "Accepted", 21, 9000),
        ("s110", "u103", 30, PY3, "Wrong Answer", 20, 9000),
        ("s111", "u104", 6, PY3, "Wrong Answer", 18, ""),
        ("s112", "u104", 20, PY3, "Time Limit Exceeded", 2205, 9000),
        ("s113", "u105", 7, PY3, "Judge Not Available", "", ""),
        ("s114", "u106", 10, PY2, "Wrong Answer", 10, 6000),
    ],
    "p03001": [
        ("s200", "u100", 0, PY3, "Wrong Answer", 25, 9000),
        ("s201", "u100", 6, PY3, "Accepted", 20, 9000),
        ("s202", "u107", 1, PY3, "Time Limit Exceeded", -1, 9000),
        ("s203", "u107", 4, PY3, "Time Limit Exceeded", 2210, 9000),
        ("s204", "u107", 12, PY3, "Accepted", 22, 9000),
        ("s205", "u108", 2, PY3, "Accepted", 21, 9000),
        ("s206", "u108", 40, PY3, "Accepted", 19, 9000),
        ("s207", "u109", 3, PY3, "Compile Error", "", ""),
        ("s208", "u109", 5, PY3, "Wrong Answer", 20, 9000),
        ("s209", "u109", 7, PY3, "Accepted", 20, 9000),
        # Same second: listed AC first, but s210 < s211 puts the WA first.
        ("s211", "u110", 8, PY3, "Accepted", 20, 9000),
        ("s210", "u110", 8, PY3, "Wrong Answer", 20, 9000),
        ("s212", "u111", 9, CPP, "Wrong Answer", 1, 3000),
        ("s213", "u111", "yesterday", PY3, "Accepted", 20, 9000),
        ("s214", "u112", 10, PY3, "Wrong Answer", 20, 9000),
        ("s215", "u112", 13, PY3, "Accepted", 20, 9000),
    ],
    "p03002": [
        ("s300", "u101", 0, PY3, "Wrong Answer", 18, 9000),
        ("s301", "u101", 5, PY3, "Accepted", 19, 9000),
        ("s302", "u102", 1, PY3, "Runtime Error", 18, 9000),
        ("s303", "u102", 4, PY3, "Memory Limit Exceeded", 900, 262144),
        ("s304", "u102", 9, PY3, "Accepted", 30, 12000),
        ("s305", "u113", 2, PY3, "Wrong Answer", 18, 9000),
        ("s306", "u113", 6, PY3, "Wrong Answer", 18, 9000),
        ("s307", "u113", 10, PY3, "Wrong Answer", 18, 9000),
        ("s308", "u114", 3, PY3, "Accepted", 18, 9000),
        ("s309", "u115", 2, CPP, "Wrong Answer", 1, 3000),
        ("s310", "u115", 4, CPP, "Wrong Answer", 1, 3000),
        ("s311", "u115", 7, CPP, "Accepted", 1, 3000),
        ("s312", "u116", 5, PY3, "Output Limit Exceeded", 120, 9000),
        ("s313", "u116", 8, PY3, "Accepted", 40, 9000),
    ],
    "p03003": [
        ("s400", "u100", 0, PY3, "Runtime Error", 18, 9000),
        ("s401", "u100", 7, PY3, "Accepted", 18, 9000),
        ("s402", "u103", 1, PY3, "Wrong Answer", 18, 9000),
        ("s403", "u103", 4, PY3, "Runtime Error", 18, 9000),
        ("s404", "u103", 8, PY3, "Accepted", 18, 9000),
        ("s405", "u117", 2, PY3, "WA: Presentation Error", 18, 9000),
        ("s406", "u117", 3, PY3, "Accepted", 18, 9000),
        ("s407", "u118", 2, PY3, "Wrong Answer", 18, 9000),
        ("s408", "u118", 5, PY3, "Wrong Answer", 18, 9000),
        ("s409", "u119", 1, CPP, "Wrong Answer", 1, 3000),
        ("s410", "u119", 2, CPP, "Accepted", 1, 3000),
        ("s411", "u120", 3, PY3, "Accepted", 18, 9000),
        ("s412", "u121", 4, PY3, "Compile Error", "", ""),
        ("s413", "u121", 6, PY3, "Accepted", 18, 9000),
    ],
    "p03004": [
        ("s500", "u100", 0, PY3, "Wrong Answer", 17, 9000),
        ("s501", "u100", 1, PY3, "Accepted", 17, 9000),
        *[(f"s5{i:02d}", f"u1{i:02d}", i, CPP if i % 3 == 0 else PY3, "Accepted", 1, 3000) for i in range(2, 11)],
        ("s511", "u111", 20, PY3, "Wrong Answer", 17, 9000),
    ],
    "p03005": [
        ("s600", "u104", 0, PY3, "Wrong Answer", 17, 9000),
        ("s601", "u104", 5, PY3, "Accepted", 17, 9000),
        ("s602", "u105", 6, PY3, "Wrong Answer", 17, 9000),
    ],
}
MISSING_CODE = {"s214"}
DOS_CSV = {"p03000"}
HEADER = ("submission_id,problem_id,user_id,date,language,original_language,filename_ext,status,cpu_time,memory,"
          "code_size,accuracy")


def _accuracy(status: str) -> str:
    return "4/4" if status == "Accepted" else ("" if status in ("Compile Error", "Judge Not Available") else "1/4")


def write(out: Path = OUT) -> None:
    if out.exists():
        shutil.rmtree(out)
    (out / "metadata").mkdir(parents=True)
    with open(out / "metadata" / "problem_list.csv", "w", newline="") as f:
        f.write("id,name,dataset,time_limit,memory_limit,rating,tags,complexity\n")
        for pid, name, origin, tl, ml in PROBLEMS:
            f.write(f"{pid},{name},{origin},{tl},{ml},,,\n")
    (out / "problem_descriptions").mkdir()
    for pid, markup in DESCRIPTIONS.items():
        (out / "problem_descriptions" / f"{pid}.html").write_text(markup, encoding="utf-8")
    for index, (pid, rows) in enumerate(ROWS.items()):
        start = BASE_TIME + index * 86400
        eol = "\r\n" if pid in DOS_CSV else "\n"
        lines = [HEADER]
        for sid, user, minutes, (language, original, ext), status, cpu, memory in rows:
            code = CODE[sid]
            data = code.replace("\n", "\r\n").encode() if sid in CRLF else code.encode()
            date = str(start + 60 * minutes) if isinstance(minutes, int) else minutes
            lines.append(",".join(str(v) for v in (sid, pid, user, date, language, original, ext, status, cpu, memory,
                                                    len(data), _accuracy(status))))
            if sid not in MISSING_CODE:
                path = out / "data" / pid / language / f"{sid}.{ext}"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
        with open(out / "metadata" / f"{pid}.csv", "w", newline="") as f:
            f.write(eol.join(lines) + eol)


if __name__ == "__main__":
    write()
    print(f"wrote {OUT}")
