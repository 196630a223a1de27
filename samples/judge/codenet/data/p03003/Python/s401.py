def largest_drop(t):
    """Largest t[i] - t[i + 1]; 0 when there is no pair."""
    if len(t) < 2:
        return 0
    return max(t[i] - t[i + 1] for i in range(len(t) - 1))


n = int(input())
t = list(map(int, input().split()))
print(largest_drop(t))
