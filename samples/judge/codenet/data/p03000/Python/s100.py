# average score
n = int(input())
scores = list(map(int, input().split()))
total = sum(scores)
print(total // n)  # average
