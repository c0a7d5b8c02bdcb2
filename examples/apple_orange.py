"""The book's apple-and-orange graph: 2 apples at 100, 3 oranges at 150, 10% tax.

Forward: 100 x 2 = 200, 150 x 3 = 450, 200 + 450 = 650, 650 x 1.1 = 715.
Backward from d(price) = 1: the last x node sends 1.1 to the sum and 650 to the
tax; the + node passes 1.1 unchanged to both branches; apple 2.2, apple_num 110,
orange 3.3, orange_num 165, tax 650.

Run it to print the numbers and draw into out/ (or --out DIR):
apple_orange.svg/.png (the book's figure), apple_orange_local.svg/.png (with each
edge's local derivative), apple_orange_record.svg/.png (micrograd's boxes) and
apple_orange_steps/index.html (backprop one node at a time).
"""
from pathlib import Path

from picture_files import DEFAULT_OUT, out_dir_from_command_line, save_backprop_steps, save_graph_pictures

from autograd import Value


def apple_orange():
    """The graph after backward(); the inputs and the price by name (the mock's names)."""
    apple, apple_num = Value(100.0, name="apple"), Value(2.0, name="apple_num")
    orange, orange_num = Value(150.0, name="orange"), Value(3.0, name="orange_num")
    tax = Value(1.1, name="tax")
    price = (apple * apple_num + orange * orange_num) * tax
    price.name = "price"
    price.backward()
    return {"apple": apple, "apple_num": apple_num, "orange": orange, "orange_num": orange_num,
            "tax": tax, "price": price}


def main(out_dir: Path = DEFAULT_OUT):
    nodes = apple_orange()
    price = nodes["price"]
    print(f"forward:  price = {price.data:g}")
    for name in ("apple", "apple_num", "orange", "orange_num", "tax"):
        print(f"backward: d price / d {name:<10} = {nodes[name].grad:.6g}")
    pictures = [
        *save_graph_pictures(price, out_dir, "apple_orange"),
        *save_graph_pictures(price, out_dir, "apple_orange_local", show_local_grad=True),
        *save_graph_pictures(price, out_dir, "apple_orange_record", style="record"),
    ]
    for path in pictures:
        print(f"picture:  {path}")
    save_backprop_steps(price, out_dir, "apple_orange")


if __name__ == "__main__":
    main(out_dir_from_command_line(__doc__))
