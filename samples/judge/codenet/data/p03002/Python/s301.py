h, w = map(int, input().split())
walls = 0
for _ in range(h):
    row = input()
    walls += row.count("#")  # '#' is a wall
print(walls)
