n = int(input())
a = [int(x) for x in input().split()]
print(int(sum(a) / n))
