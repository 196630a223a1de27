print("Hello, Judge!")
