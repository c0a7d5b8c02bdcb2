"""viz.live_training: the loss, gradient norms and weights during fit or a hand-written loop, at a bounded rate."""
import re

import numpy as np
import pytest
from test_explore import _browser_or_skip

import nn
import viz
from autograd import Tensor
from viz.labels import format_number


def small_task():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4))
    t = (x[:, 0] + x[:, 1] > 0).astype(np.int64)
    model = nn.Sequential(nn.Linear(4, 8, activation="relu", seed=0), nn.Linear(8, 2, activation="softmax", seed=1))
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
    return model, x, t


def shown_norms(page: str) -> dict:
    return dict(re.findall(r'data-name="([^"]+)">.*?<text class="norm"[^>]*>([^<]+)</text>', page))


def test_fit_calls_it_after_every_batch_and_the_page_shows_the_engines_gradient_norms(tmp_path):
    model, x, t = small_task()
    live = viz.live_training(model, tmp_path / "live.html", every=0)
    model.fit(x, t, epochs=2, batch_size=16, verbose=0, callbacks=[live])
    assert len(live.losses) == 8 and live.redraws == 8 + 1  # every step, then the final picture
    page = (tmp_path / "live.html").read_text(encoding="utf-8")
    assert "http-equiv" not in page  # the final page stops reloading
    assert f"loss: 8 steps, last {format_number(live.losses[-1])}" in page
    norms = shown_norms(page)
    assert set(norms) == {"layers.0.W", "layers.0.b", "layers.1.W", "layers.1.b"}
    for name, parameter in model.named_parameters():
        assert norms[name] == format_number(np.linalg.norm(parameter.grad))
    assert page.count('<svg class="heatmap"') == 2  # the two weight matrices


def test_it_redraws_at_most_once_per_interval_in_a_hand_written_loop(tmp_path):
    model, x, t = small_task()
    live = viz.live_training(model, tmp_path / "live.html", every=3600)
    for _ in range(20):
        loss = nn.functional.cross_entropy(model.logits(Tensor(x)), t)
        model.optimizer.zero_grad()
        loss.backward()
        model.optimizer.step()
        live.update(loss)
    assert len(live.losses) == 20 and live.redraws == 1  # the first step only
    assert 'http-equiv="refresh" content="3600"' in (tmp_path / "live.html").read_text(encoding="utf-8")
    live.close()
    assert live.redraws == 2


def test_in_jupyter_one_output_is_updated_in_place(monkeypatch):
    shown = []

    class Handle:
        def update(self, what):
            shown.append(("update", what.data))

    def display(what, display_id):
        shown.append(("display", what.data))
        return Handle()

    monkeypatch.setattr("IPython.display.display", display)
    model, x, t = small_task()
    live = viz.live_training(model, every=0)
    model.fit(x, t, epochs=1, batch_size=32, verbose=0, callbacks=[live])
    assert [kind for kind, _ in shown] == ["display", "update", "update"]
    assert "loss: 2 steps" in shown[-1][1] and "http-equiv" not in shown[-1][1]


def test_a_negative_interval_is_refused():
    with pytest.raises(ValueError, match="seconds between redraws"):
        viz.live_training(nn.Linear(2, 2), every=-1)


def test_the_page_reloads_itself_in_the_browser_while_training_runs(tmp_path):
    executable, sync_playwright = _browser_or_skip()
    model, x, t = small_task()
    path = tmp_path / "live.html"
    live = viz.live_training(model, path, every=1)
    model.fit(x, t, epochs=1, batch_size=32, verbose=0)
    live.update(Tensor(1.5))
    errors, requests = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable)
        page = browser.new_page()
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                   else (requests.append(route.request.url), route.abort()))
        page.goto(path.as_uri())
        assert "loss: 1 steps, last 1.5" in page.inner_text("body")
        live.update(Tensor(0.5))
        live.draw()  # what the next update after `every` seconds does
        page.wait_for_function("document.body.innerText.includes('loss: 2 steps, last 0.5')", timeout=10_000)
        assert page.locator(".curve polyline").count() == 1
        browser.close()
    assert errors == [] and requests == []
