"""The book's apple-shopping graph: 2 apples at 100 each, 10% tax.

Forward: 100 x 2 = 200, 200 x 1.1 = 220.
Backward from d(price) = 1: apple 2.2, apple count 110, tax 200.

Run it to print the numbers and draw the graph into out/ (or --out DIR):
apple_shopping.svg / .png in the book's style, and apple_shopping_steps/index.html,
which steps through backprop one node at a time.
"""
from pathlib import Path

from picture_files import DEFAULT_OUT, out_dir_from_command_line, save_backprop_steps, save_graph_pictures

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


def main(out_dir: Path = DEFAULT_OUT):
    nodes = apple_shopping()
    print(f"forward:  apple total = {nodes['apple total'].data:g}, price = {nodes['price'].data:g}")
    for name in ("apple", "apple count", "tax", "apple total"):
        print(f"backward: d price / d {name:<11} = {nodes[name].grad:.6g}")
    for path in save_graph_pictures(nodes["price"], out_dir, "apple_shopping"):
        print(f"picture:  {path}")
    save_backprop_steps(nodes["price"], out_dir, "apple_shopping")


if __name__ == "__main__":
    main(out_dir_from_command_line(__doc__))
