import sys

data = sys.stdin.read().split()
print(sum(r.count("#") for r in data[2:]))  # rows start after H and W
