t = int(input())
for i in range(1, t + 1):
    n, k = map(int, input().split())
    print(f"Case #{i}: {n // k}")
