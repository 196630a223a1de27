n = int(input())
a = [int(x) for x in input().split()]
print("%.2f" % (sum(a) / n))
