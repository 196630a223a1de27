n = int(input())
t = list(map(int, input().split()))
print(max(t) - min(t))
