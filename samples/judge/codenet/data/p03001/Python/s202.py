t = int(input())
for i in range(1, t + 1):
    n, k = map(int, input().split())
    count = 0
    for x in range(1, n + 1):
        if x % k == 0:
            count += 1
    print("Case #%d: %d" % (i, count))
