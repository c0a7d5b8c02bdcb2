"""The notes' apple-shopping graph: 2 apples at 100 each, 10% tax.

Forward: 100 x 2 = 200, 200 x 1.1 = 220.
Backward from d(price) = 1: apple 2.2, apple count 110, tax 200.
"""
from autograd import Value


def apple_shopping():
    apple = Value(100.0, name="apple")
    apple_count = Value(2.0, name="apple count")
    tax = Value(1.1, name="tax")
    apple_total = apple * apple_count
    apple_total.name = "apple total"
    price = apple_total * tax
    price.name = "price"
    price.backward()
    return {"apple": apple, "apple count": apple_count, "tax": tax,
            "apple total": apple_total, "price": price}


def main():
    nodes = apple_shopping()
    print(f"forward:  apple total = {nodes['apple total'].data:g}, price = {nodes['price'].data:g}")
    for name in ("apple", "apple count", "tax", "apple total"):
        print(f"backward: d price / d {name:<11} = {nodes[name].grad:.6g}")


if __name__ == "__main__":
    main()
