h, w = map(int, input().split())
print(h * w - sum(input().count("#") for _ in range(h)))
