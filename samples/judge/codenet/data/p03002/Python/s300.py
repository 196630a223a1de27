h, w = map(int, input().split())
row = input()
print(row.count("#"))  # count the walls
