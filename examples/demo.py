"""`make demo`: the main job, run end to end.

Prints the apple-shopping numbers, draws the book's apple-and-orange figure into
out/ (with the backprop step-through page), and trains a small network on the
two-moons data with a progress bar.
"""
import apple_orange
import apple_shopping
import train_small

if __name__ == "__main__":
    print("== Apple shopping: forward values and gradients ==")
    apple_shopping.main()
    print("\n== Apple and orange: the book's figure, drawn from the graph ==")
    apple_orange.main()
    print("\n== Training a small network (two moons, 2-16-16-2, Adam) ==")
    train_small.main([])
