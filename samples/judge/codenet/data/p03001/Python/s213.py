print("this row has a broken date")
