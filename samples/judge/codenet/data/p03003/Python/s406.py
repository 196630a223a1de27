n = int(input())
t = list(map(int, input().split()))
print(max([t[i] - t[i + 1] for i in range(n - 1)] or [0]))
