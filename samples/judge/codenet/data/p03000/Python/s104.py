n = int(input())
total = 0
for x in input().split():  # all scores are on one line
    total += int(x)
print(total / n)
