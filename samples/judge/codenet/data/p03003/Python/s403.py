n = int(input())
t = list(map(int, input().split()))
best = -10 ** 18  # drops can be negative
for i in range(n - 1):
    best = max(best, t[i] - t[i + 1])
print(best)
