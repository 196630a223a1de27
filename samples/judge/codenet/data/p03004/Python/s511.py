print("hello, judge!")
