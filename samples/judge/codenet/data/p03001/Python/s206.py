import sys

lines = sys.stdin.read().split("\n")
for i in range(1, int(lines[0]) + 1):
    n, k = map(int, lines[i].split())
    print(f"Case #{i}: {n // k}")
