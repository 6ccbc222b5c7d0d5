package countries

DE := 1
