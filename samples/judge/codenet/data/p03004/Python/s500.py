print("Hello Judge")
