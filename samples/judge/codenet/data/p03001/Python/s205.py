t = int(input())
for case in range(t):
    n, k = map(int, input().split())
    print("Case #{}: {}".format(case + 1, n // k))
