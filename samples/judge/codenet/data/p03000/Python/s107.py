n = int(input())
a = [int(x) for x in input().split()]
print(round(sum(a) / n))
