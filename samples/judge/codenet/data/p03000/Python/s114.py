n = input()
print sum(map(int, raw_input().split())) / float(n)
