"""The page in Chromium: drawing, predictions, parity with CPython, offline, errors, stress."""
import os
from urllib.parse import urlsplit

import numpy as np
import pytest

from conftest import REPO
from scripts.drawing import DIGITS, draw
from web_helpers import SCRIBBLE, settle, shown_probabilities
from lenet_py.recognizer import Recognizer

ARTIFACTS = os.path.join(REPO, "test-artifacts")
PLACES = {  # (left, top, size) as fractions of the canvas side
    "centre": (0.2, 0.15, 0.65),
    "top-left-small": (0.03, 0.03, 0.25),
    "bottom-right": (0.6, 0.55, 0.4),
    "whole-canvas": (0.0, 0.0, 1.0),
}


@pytest.mark.parametrize("place", PLACES)
def test_drawn_digits_are_recognized(app, place):
    left, top, size = PLACES[place]
    wrong = {}
    for digit, strokes in DIGITS.items():
        app.keyboard.press("Escape")
        draw(app, strokes, left, top, size, steps=2)  # the same lines as with more steps, in fewer events
        settle(app)
        shown = app.inner_text("[data-testid=prediction]")
        if shown != str(digit):
            wrong[digit] = shown
    assert wrong == {}, "drawn -> predicted: %s" % wrong


def test_high_dpi_screen_has_no_pointer_offset(browser, site):
    context = browser.new_context(device_scale_factor=2.5, viewport={"width": 900, "height": 900})
    page = context.new_page()
    page.goto(site)
    page.wait_for_selector("body[data-state=ready]", timeout=60000)
    draw(page, DIGITS[1], 0.05, 0.1, 0.3)
    settle(page)
    assert page.inner_text("[data-testid=prediction]") == "1"
    xs = [x for stroke in page.evaluate("window.lenetDebug.lastStrokes") for x, y in stroke]
    # The stroke was drawn at 0.05 + 0.5 * 0.3 = 20% of the width; it must be sent there, not scaled by the DPR.
    assert abs(np.mean(xs) - 0.20) < 0.02
    context.close()


def test_probabilities_sum_to_one_and_match_the_shown_digit(app):
    draw(app, DIGITS[3])
    settle(app)
    probs = shown_probabilities(app)
    # With the model's "not a digit" output (0 for a model without one) they make up the whole.
    not_digit = float(app.get_attribute("[data-testid=probabilities] li[data-digit=none]", "data-probability"))
    assert len(probs) == 10 and sum(probs) + not_digit == pytest.approx(1.0, abs=1e-6)
    assert str(int(np.argmax(probs))) == app.inner_text("[data-testid=prediction]")
    assert app.inner_text("[data-testid=confidence]").endswith("% sure")
    app.wait_for_timeout(200)  # the bars' width transition
    # Each bar is filled in proportion to its probability, on screen and not only in an attribute.
    filled = app.eval_on_selector_all("[data-testid=probabilities] li", """items => items.map((li) =>
        li.querySelector('.fill').getBoundingClientRect().width / li.querySelector('.track').getBoundingClientRect().width)""")
    np.testing.assert_allclose(filled, probs + [not_digit], atol=0.01)


def test_empty_canvas_says_draw_a_digit_and_clear_returns_to_it(app):
    assert app.is_visible("[data-testid=hint]") and app.inner_text("[data-testid=hint]").startswith("draw a digit")
    assert app.inner_text("[data-testid=prediction]") == ""
    for how in ("button", "escape"):
        draw(app, DIGITS[7])
        settle(app)
        assert not app.is_visible("[data-testid=hint]")
        if how == "button":
            app.click("[data-testid=clear]")
        else:
            app.keyboard.press("Escape")
        app.wait_for_selector("[data-testid=hint]", state="visible")
        assert app.inner_text("[data-testid=prediction]") == ""
        assert shown_probabilities_empty(app)


def shown_probabilities_empty(page):
    return page.eval_on_selector_all("[data-testid=probabilities] li",
                                     "items => items.every(li => li.dataset.probability === '')")


def test_undo_removes_the_last_stroke(app):
    draw(app, DIGITS[0])
    settle(app)
    before = shown_probabilities(app)
    app.evaluate("() => { window.strokesBefore = JSON.stringify(window.lenetDebug.lastStrokes); }")
    sent = "() => JSON.stringify(window.lenetDebug.lastStrokes) %s window.strokesBefore"
    draw(app, [[(0.0, 1.0), (1.0, 0.0)]])  # a stray slash across the 0
    app.wait_for_function(sent % "!==")
    for how in ("button", "ctrl+z"):
        if how == "button":
            app.click("[data-testid=undo]")
        else:
            draw(app, [[(0.0, 1.0), (1.0, 0.0)]])
            app.wait_for_timeout(200)
            app.keyboard.press("Control+z")
        app.wait_for_function(sent % "===")
        settle(app)
        app.wait_for_timeout(100)
        assert shown_probabilities(app) == before
    app.click("[data-testid=undo]")  # and the last stroke of all: back to empty
    app.wait_for_selector("[data-testid=hint]", state="visible")


def test_browser_matches_cpython_on_the_same_strokes(app):
    recognizer = Recognizer.from_folder(os.path.join(REPO, "weights"))
    for strokes, place in [(DIGITS[2], "centre"), (DIGITS[8], "bottom-right"), (DIGITS[4], "top-left-small"),
                           (SCRIBBLE, "centre")]:
        app.keyboard.press("Escape")
        draw(app, strokes, *PLACES[place])
        settle(app)
        app.wait_for_timeout(200)
        sent = app.evaluate("window.lenetDebug.lastStrokes")
        shown = app.evaluate("window.lenetDebug.lastResult")
        expected = recognizer.predict(sent)
        assert (shown["number"], shown["unsure"], len(shown["digits"])) == (
            expected["number"], expected["unsure"], len(expected["digits"]))
        for got, want in zip(shown["digits"], expected["digits"]):   # the scribble may be cut in pieces
            np.testing.assert_allclose(got["probabilities"], want["probabilities"], atol=1e-4)
            assert got["not_digit"] == pytest.approx(want["not_digit"], abs=1e-4)
            assert got["image"] == want["image"] and got["box"] == pytest.approx(want["box"])
            assert (got["digit"], got["reason"]) == (want["digit"], want["reason"])
        # The first digit's bars are shown (the one selected unless one is unsure).
        shown_digit = next((d for d in expected["digits"] if d["unsure"]), expected["digits"][0])
        np.testing.assert_allclose(shown_probabilities(app), shown_digit["probabilities"], atol=1e-4)


def test_feature_maps_panel_shows_c1_and_c3(app):
    assert app.is_hidden("[data-testid=features]")
    app.click("[data-testid=features-toggle]")
    draw(app, DIGITS[5])
    settle(app)
    app.wait_for_function("() => window.lenetDebug.lastResult.features !== undefined")
    features = app.evaluate("window.lenetDebug.lastResult.features")
    assert [layer["shape"] for layer in features] == [[6, 28, 28], [16, 10, 10]]
    for layer in features:  # display-ready: bytes, spanning dark to light
        assert len(layer["bytes"]) == int(np.prod(layer["shape"])) and 0 <= min(layer["bytes"]) < max(layer["bytes"]) <= 255
    assert app.is_visible("[data-testid=features]")
    blocks = app.locator("[data-testid=feature-layer]")
    assert [blocks.nth(i).locator("canvas").count() for i in range(blocks.count())] == [6, 16]
    assert blocks.nth(0).inner_text().startswith("C1") and blocks.nth(1).inner_text().startswith("C3")


def test_no_request_leaves_the_origin(browser, site):
    context = browser.new_context()
    page = context.new_page()
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    context.on("request", lambda request: requests.append(request.url))
    page.goto(site)
    page.wait_for_selector("body[data-state=ready]", timeout=60000)
    draw(page, DIGITS[9])
    settle(page)
    page.click("[data-testid=features-toggle]")
    page.wait_for_function("() => window.lenetDebug.lastResult.features !== undefined")
    origin = urlsplit(site).netloc
    assert any(url.endswith("pyodide.asm.wasm") for url in requests)  # the worker's requests were seen too
    foreign = [url for url in requests if urlsplit(url).scheme in ("http", "https", "ws", "wss")
               and urlsplit(url).netloc != origin]
    assert foreign == []
    context.close()


def test_page_works_with_the_network_off(browser, site):
    """Everything but the page's own origin is cut off (Chromium's offline mode would cut loopback too)."""
    context = browser.new_context()
    origin = urlsplit(site).netloc
    blocked = []

    def only_own_origin(route):
        if urlsplit(route.request.url).netloc == origin:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("internetdisconnected")

    context.route("**/*", only_own_origin)
    page = context.new_page()
    page.goto(site)
    page.wait_for_selector("body[data-state=ready]", timeout=60000)
    draw(page, DIGITS[1])
    settle(page)
    assert page.inner_text("[data-testid=prediction]") == "1"
    assert blocked == []
    context.close()


def test_canvas_does_not_scroll_the_page_on_touch(app):
    assert app.eval_on_selector("[data-testid=canvas]", "c => getComputedStyle(c).touchAction") == "none"


def test_screenshot_of_a_recognized_digit(app):
    draw(app, DIGITS[7])
    settle(app)
    app.click("[data-testid=features-toggle]")
    app.wait_for_function("() => window.lenetDebug.lastResult.features !== undefined")
    os.makedirs(ARTIFACTS, exist_ok=True)
    path = os.path.join(ARTIFACTS, "recognized-digit.png")
    app.screenshot(path=path, full_page=True)
    assert app.inner_text("[data-testid=prediction]") == "7"
    assert os.path.getsize(path) > 10000


def test_stress_20_digits_in_a_row(app):
    digits = list(DIGITS) * 2
    shown = []
    for digit in digits:
        app.keyboard.press("Escape")
        draw(app, DIGITS[digit], steps=2)  # as test_drawn_digits_are_recognized draws them
        app.wait_for_selector("body[data-busy=false]", timeout=10000)  # the finished drawing's answer is shown
        shown.append(app.inner_text("[data-testid=prediction]"))
    assert shown == [str(d) for d in digits]  # every one of the 20 answers, not only the last
    # Still responsive: the main thread answers and the next drawing is predicted correctly.
    assert app.evaluate("1 + 1") == 2
    app.keyboard.press("Escape")
    draw(app, DIGITS[0])
    settle(app)
    assert app.inner_text("[data-testid=prediction]") == "0"


# ---- failures are visible and specific ---------------------------------------------------------

def test_canvas_works_while_loading_and_steps_are_named(page, site):
    # The weights are held back until the digit is drawn, so the model is still loading however long
    # the drawing takes (a throttled link raced the drawing, and a busy machine once lost).
    held, released = [], []

    def hold(route):   # until released; after that at once (one may come while the held ones go on)
        if released:
            route.continue_()
        else:
            held.append(route)
    page.route("**/weights/*", hold)
    page.goto(site)
    assert page.get_attribute("body", "data-state") == "loading"
    steps = page.eval_on_selector_all("#loading li", "items => items.map(li => li.textContent)")
    assert steps == ["Python runtime", "NumPy", "Model and weights"]
    draw(page, DIGITS[3])  # drawn before the model is ready...
    page.wait_for_timeout(200)
    assert page.get_attribute("body", "data-state") == "loading"
    released.append(True)
    for route in held:
        route.continue_()
    page.wait_for_selector("body[data-state=ready]", timeout=60000)
    settle(page)  # ...and predicted as soon as it is
    assert page.inner_text("[data-testid=prediction]") == "3"
    assert held, "the weights were not asked for through the page, so holding them proved nothing"


def test_prediction_updates_while_drawing(app):
    box = app.locator("[data-testid=canvas]").bounding_box()
    app.mouse.move(box["x"] + 0.5 * box["width"], box["y"] + 0.1 * box["height"])
    app.mouse.down()
    for i in range(1, 30):
        app.mouse.move(box["x"] + 0.5 * box["width"], box["y"] + (0.1 + 0.027 * i) * box["height"])
        app.wait_for_timeout(15)
    # The pen is still down: the live (throttled) prediction is already there.
    app.wait_for_function("() => window.lenetDebug.lastResult && !window.lenetDebug.lastResult.empty", timeout=5000)
    assert app.inner_text("[data-testid=prediction]") == "1"
    app.mouse.up()
