n = int(input())
a = list(map(int, input().split()))
avg = 0
while abs(avg * n - sum(a)) > 1e-9:
    avg += 1e-7
print(avg)
