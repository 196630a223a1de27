for i in range(int(input())):
    n, k = map(int, input().split())
    print("Case #" + str(i + 1) + ": " + str(n // k))
