h, w = map(int, input().split())
cells = []
for i in range(h):
    row = input()
    for j in range(w):
        cells.append((i, j, row[j], row))
print(sum(1 for c in cells if c[2] == "#"))
