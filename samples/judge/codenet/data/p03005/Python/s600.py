print(input()[::-1] + 'x')
