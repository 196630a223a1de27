t = int(input())
for i in range(1, t + 1):
    n, k = map(int, input().split())
    print("Case #%d: %d" % (i, n // k))
