n = int(input())
t = sorted(map(int, input().split()))
print(t[-1] - t[0])
