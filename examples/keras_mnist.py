"""A Keras-style classifier: 784-300-100-10 built, summarised, fit, evaluated (not in the book).

flatten 28x28 -> dense 300 relu -> dense 100 relu -> dense 10 softmax:
235,500 + 30,100 + 1,010 = 266,610 parameters. Trained with sparse categorical
cross entropy and SGD (learning rate 0.01, Keras' default), then evaluate,
predict (probabilities) and predicted classes, as in Geron's *Hands-On Machine Learning*
(ch. 10), which trains it on Fashion-MNIST's 55,000 images for 30 epochs; here the 10,000
MNIST test images are split 7,000 for training, 1,000 for validation and 2,000 for the final test.
"""
import argparse

from example_data import add_data_argument

import nn


def build_model(seed=None) -> nn.Sequential:
    rng = nn.init.generator(seed)
    return nn.Sequential(
        nn.Flatten(input_shape=(28, 28)),
        nn.Linear(784, 300, activation="relu", seed=rng),
        nn.Linear(300, 100, activation="relu", seed=rng),
        nn.Linear(100, 10, activation="softmax", seed=rng),
    )


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_argument(parser)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--train-size", type=int, default=7000)
    parser.add_argument("--valid-size", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)

    x, t = nn.load_mnist(args.data, normalize=True, flatten=False, split="test")
    x = x.reshape(-1, 28, 28)  # images as 28x28, as keras.datasets gives them; Flatten makes the rows
    train_end = args.train_size
    valid_end = train_end + args.valid_size
    x_train, t_train = x[:train_end], t[:train_end]
    x_valid, t_valid = x[train_end:valid_end], t[train_end:valid_end]
    x_test, t_test = x[8000:], t[8000:]

    model = build_model(seed=args.seed)
    summary = model.summary(print_fn=None)
    print(summary)
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
    history = model.fit(x_train, t_train, epochs=args.epochs, batch_size=args.batch_size,
                        validation_data=(x_valid, t_valid), verbose=0 if args.quiet else 1, seed=args.seed)
    print("history.params:", history.params)
    print("history.epoch:", history.epoch)
    for key, values in history.history.items():
        print(f"  {key:<13}", " ".join(f"{v:.4f}" for v in values))

    test_loss, test_accuracy = model.evaluate(x_test, t_test)
    print(f"model.evaluate(x_test, t_test) = [{test_loss:.4f}, {test_accuracy:.4f}]")
    probabilities = model.predict(x_test[:3])
    print("model.predict(x_test[:3]).round(2) =\n", probabilities.round(2))
    predicted = model.predict_classes(x_test[:3])
    print("predicted classes:", predicted, " true classes:", t_test[:3])
    return {"summary": summary, "history": history, "evaluate": [test_loss, test_accuracy],
            "probabilities": probabilities, "predicted_classes": predicted, "true_classes": t_test[:3],
            "num_parameters": model.num_parameters()}


if __name__ == "__main__":
    main()
