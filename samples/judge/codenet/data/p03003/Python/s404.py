n = int(input())
t = list(map(int, input().split()))
if n == 1:
    print(0)
else:
    print(max(t[i] - t[i + 1] for i in range(n - 1)))
