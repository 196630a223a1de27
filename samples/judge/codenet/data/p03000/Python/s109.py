n = int(input())
a = [int(x) for x in input().split()]
print(sum(a) / n)
