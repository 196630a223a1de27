n = int(input())
t = list(map(int, input().split()))
print(max((a - b for a, b in zip(t, t[1:])), default=0))
