h, w = map(int, input().split())
grid = [list(map(int, input())) for _ in range(h)]
print(sum(sum(row) for row in grid))
