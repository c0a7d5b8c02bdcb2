from autograd import Value


def test_apple_shopping_numbers():
    apple, count, tax = Value(100.0), Value(2.0), Value(1.1)
    price = apple * count * tax
    price.backward()
    assert abs(price.data - 220) < 1e-9
    assert abs(apple.grad - 2.2) < 1e-12 and abs(count.grad - 110) < 1e-9 and abs(tax.grad - 200) < 1e-9
