"""Keras-style training on Sequential: summary table, compile/fit/evaluate/predict, History."""
import re

import numpy as np
import pytest

import nn
from nn import functional as F


def keras_classifier(seed=0):
    rng = nn.init.generator(seed)
    return nn.Sequential(nn.Flatten(input_shape=(28, 28)),
                         nn.Linear(784, 300, activation="relu", seed=rng),
                         nn.Linear(300, 100, activation="relu", seed=rng),
                         nn.Linear(100, 10, activation="softmax", seed=rng))


def test_summary_shows_the_notes_table():
    text = keras_classifier().summary(print_fn=None)
    lines = text.splitlines()
    assert lines[0] == 'Model: "sequential"'
    assert lines[2].split() == ["Layer", "(type)", "Output", "Shape", "Param", "#"]
    rows = [line.split() for line in lines[4:8]]
    assert rows == [["flatten", "(Flatten)", "(None,", "784)", "0"],
                    ["linear", "(Linear)", "(None,", "300)", "235,500"],
                    ["linear_1", "(Linear)", "(None,", "100)", "30,100"],
                    ["linear_2", "(Linear)", "(None,", "10)", "1,010"]]
    assert "Total params: 266,610" in lines and "Trainable params: 266,610" in lines
    assert "Non-trainable params: 0" in lines


def test_summary_prints_once_and_infers_the_input_from_a_first_linear(capsys):
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2), nn.Softmax())
    assert model.summary() is None  # a notebook would show a returned table a second time
    text = capsys.readouterr().out
    assert text.strip() == model.summary(print_fn=None).strip()
    assert "relu (ReLU)                 (None, 3)                 0" in text
    assert "Total params: 23" in text


def moons_model(seed=0):
    rng = nn.init.generator(seed)
    return nn.Sequential(nn.Linear(2, 16, activation="tanh", seed=rng),
                         nn.Linear(16, 2, activation="softmax", seed=rng))


def test_fit_returns_a_history_and_learns():
    x, t = nn.data.moons(300, noise=0.1, seed=0)
    model = moons_model()
    model.compile(loss="sparse_categorical_crossentropy", optimizer=nn.optim.SGD(model.parameters(), lr=0.5),
                  metrics=["accuracy"])
    history = model.fit(x[:200], t[:200], epochs=15, batch_size=20, validation_data=(x[200:], t[200:]),
                        verbose=0, seed=1)
    assert history.epoch == list(range(15))
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(values) == 15 for values in history.history.values())
    assert history.params == {"epochs": 15, "steps": 10, "batch_size": 20, "verbose": 0}
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert history.history["val_accuracy"][-1] > 0.85
    loss, accuracy = model.evaluate(x[200:], t[200:])
    assert loss == pytest.approx(history.history["val_loss"][-1]) and accuracy == history.history["val_accuracy"][-1]
    probabilities = model.predict(x[200:])
    assert probabilities.shape == (100, 2) and np.allclose(probabilities.sum(axis=1), 1.0)
    assert np.array_equal(model.predict_classes(x[200:]), probabilities.argmax(axis=1))
    assert np.mean(model.predict_classes(x[200:]) == t[200:]) == pytest.approx(accuracy)


def test_the_fused_softmax_loss_equals_the_loss_on_probabilities():
    x, t = nn.data.moons(50, seed=2)
    model = moons_model()
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
    fused_loss = model.evaluate(x, t)[0]
    unfused_loss = F.cross_entropy_error(model(x), t).item()
    assert fused_loss == pytest.approx(unfused_loss, abs=1e-6)
    one_hot = np.eye(2)[t]
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    assert model.evaluate(x, one_hot)[0] == pytest.approx(fused_loss)


def test_other_losses_and_optimizers_by_name():
    x, t = nn.data.moons(100, seed=0)
    regression = nn.Sequential(nn.Linear(2, 8, activation="tanh", seed=0), nn.Linear(8, 1, seed=1))
    regression.compile(loss="mse", optimizer="adam")
    history = regression.fit(x, t.reshape(-1, 1).astype(float), epochs=20, batch_size=10, verbose=0, seed=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    binary = nn.Sequential(nn.Linear(2, 8, activation="tanh", seed=0), nn.Linear(8, 1, activation="sigmoid", seed=1))
    binary.compile(loss="binary_crossentropy", optimizer="rmsprop", metrics=["acc"])
    history = binary.fit(x, t.reshape(-1, 1).astype(float), epochs=20, batch_size=10, verbose=0, seed=0)
    assert history.history["accuracy"][-1] > 0.8
    assert set(binary.predict_classes(x).tolist()) <= {0, 1}


def test_fit_shows_a_progress_bar(capsys):
    x, t = nn.data.moons(40, seed=0)
    model = moons_model()
    model.compile(optimizer="sgd", metrics=["accuracy"])
    model.fit(x, t, epochs=2, batch_size=10)
    err = capsys.readouterr().err
    assert "Epoch 1/2" in err and "Epoch 2/2" in err and "4/4" in err and "accuracy=" in err


def test_training_api_errors_name_the_problem():
    model = moons_model()
    with pytest.raises(RuntimeError, match=r"call compile\(loss=..., optimizer=...\) before fit\(\)"):
        model.fit(np.zeros((2, 2)), [0, 1])
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        model.compile(loss="hinge")
    with pytest.raises(ValueError, match="unknown optimizer 'lbfgs'"):
        model.compile(optimizer="lbfgs")
    with pytest.raises(ValueError, match="unknown metric 'f1'"):
        model.compile(metrics=["f1"])


def test_fit_and_evaluate_on_no_samples_say_so_before_training():
    model = moons_model()
    model.compile(optimizer="sgd", metrics=["accuracy"])
    before = model.state_dict()
    empty = np.zeros((0, 2)), np.zeros(0, dtype=np.intp)
    no_sample = r"needs at least one sample; got x of shape \(0, 2\) and targets of shape \(0,\)"
    with pytest.raises(ValueError, match="fit " + no_sample):
        model.fit(*empty, verbose=0)
    with pytest.raises(ValueError, match="fit's validation_data " + no_sample):
        model.fit(*nn.data.moons(20, seed=0), verbose=0, validation_data=empty)
    with pytest.raises(ValueError, match="evaluate " + no_sample):
        model.evaluate(*empty)
    assert all(np.array_equal(model.state_dict()[name], before[name]) for name in before)  # nothing trained


def test_predict_on_no_samples_gives_an_empty_array_of_the_output_shape():
    model = keras_classifier()  # Flatten cannot reshape 0 rows, so the shape must come from elsewhere
    probabilities = model.predict(np.zeros((0, 28, 28)))
    assert probabilities.shape == (0, 10) and probabilities.dtype == np.float64
    assert model.predict_classes(np.zeros((0, 28, 28))).shape == (0,)


def test_fit_and_evaluate_with_more_samples_than_targets_name_both_counts():
    model = moons_model()
    model.compile(optimizer="sgd")
    with pytest.raises(ValueError, match="got 5 samples and 4 targets"):
        model.fit(np.zeros((5, 2)), np.zeros(4, dtype=np.intp), verbose=0)
    with pytest.raises(ValueError, match="got 5 samples and 4 targets"):
        model.evaluate(np.zeros((5, 2)), np.zeros(4, dtype=np.intp))


def test_a_probability_loss_given_logits_says_what_to_change_before_training():
    x, t = nn.data.moons(40, seed=0)
    model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2))  # ends in scores, not probabilities
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"takes probabilities.*range from .*softmax.*loss='cross_entropy'"):
        model.fit(x, t, verbose=0)
    assert all(np.array_equal(model.state_dict()[name], before[name]) for name in before)  # no step taken
    binary = nn.Sequential(nn.Linear(2, 1))
    binary.compile(loss="binary_crossentropy", optimizer="sgd")
    with pytest.raises(ValueError, match="sigmoid"):
        binary.fit(x, t.reshape(-1, 1).astype(float), verbose=0)


def test_a_logits_loss_on_a_model_that_ends_in_softmax_warns_at_compile():
    with pytest.warns(UserWarning, match=r"already ends in a softmax.*sparse_categorical_crossentropy"):
        moons_model().compile(loss="cross_entropy")


def test_a_quick_run_in_a_log_prints_the_first_and_last_epochs_only(capsys):
    x, t = nn.data.moons(40, seed=0)
    model = moons_model()
    model.compile(optimizer="sgd", metrics=["accuracy"])
    model.fit(x, t, epochs=30, batch_size=10)
    lines = capsys.readouterr().err.splitlines()
    assert [line.split()[1] for line in lines] == ["1/30", "30/30"]  # 30 epochs in well under a second
    assert "\r" not in "".join(lines) and all("4/4 batches" in line and "accuracy=" in line for line in lines)


def test_in_a_notebook_each_epoch_is_one_live_line(monkeypatch):
    shown = []

    class Handle:
        def update(self, line):
            shown[-1] = line.data

    def display(line, display_id):
        shown.append(line.data)
        return Handle()

    monkeypatch.setattr(nn.progress, "in_notebook", lambda: True)
    monkeypatch.setattr("IPython.display.display", display)
    x, t = nn.data.moons(40, seed=0)
    model = moons_model()
    model.compile(optimizer="sgd", metrics=["accuracy"])
    model.fit(x, t, epochs=3, batch_size=10)
    assert len(shown) == 3
    assert all(re.match(rf"Epoch {i + 1}/3 \[=+\] 4/4 - [\d.]+s - loss=[\d.]+ accuracy=[\d.]+$", line)
               for i, line in enumerate(shown))
