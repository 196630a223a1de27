n = int(input())
t = list(map(int, input().split()))
best = 0
for i in range(n - 1):
    best = max(best, t[i] - t[i + 1])
print(best)
