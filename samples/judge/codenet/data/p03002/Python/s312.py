h, w = map(int, input().split())
walls = 0
for _ in range(h):
    row = input()
    for c in row:
        print("checking", c)
        if c == "#":
            walls += 1
print(walls)
