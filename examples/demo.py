"""`make demo`: the main job, run end to end."""
import apple_orange
import apple_shopping

if __name__ == "__main__":
    print("== Apple shopping: forward values and gradients ==")
    apple_shopping.main()
    print("== Apple and orange: the notes' figure, drawn from the graph ==")
    apple_orange.main()
