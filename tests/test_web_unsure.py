"""'Not sure' on the page: a dot and a scribble get an honest answer, on screen, with what the network
made of them; the next digit is claimed again."""
import os

import pytest

from conftest import REPO
from scripts.drawing import DIGITS, draw
from web_helpers import SCRIBBLE, settle, shown_probabilities

ARTIFACTS = os.path.join(REPO, "test-artifacts")

IN_VIEWPORT = """el => { const r = el.getBoundingClientRect();
  return r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth; }"""
PREVIEW_HAS_INK = """c => c.getContext('2d').getImageData(0, 0, 28, 28).data.some((v, i) => i % 4 === 0 && v > 0)"""


@pytest.mark.parametrize("drawing", ["dot", "scribble"])
def test_a_dot_or_a_scribble_is_answered_not_sure(app, drawing):
    if drawing == "dot":  # a single click
        box = app.locator("[data-testid=canvas]").bounding_box()
        app.mouse.click(box["x"] + 0.4 * box["width"], box["y"] + 0.3 * box["height"])
    else:
        draw(app, SCRIBBLE)
    settle(app)
    result = app.evaluate("window.lenetDebug.lastResult")
    # Cut into pieces it cannot read or not, an unreadable drawing is answered as one whole digit.
    assert result["unsure"] is True and result["digit"] is None and result["number"] == "", result
    if drawing == "dot":
        assert result["reason"] == "it is too small to be a digit"
    assert app.get_attribute("body", "data-prediction") == "unsure"
    assert app.inner_text("[data-testid=prediction]") == "" and app.inner_text("[data-testid=confidence]") == ""
    message = app.locator("[data-testid=unsure]")
    assert message.is_visible() and message.evaluate(IN_VIEWPORT)  # on screen, not only in the DOM
    assert message.inner_text() == "Not sure: " + result["reason"]
    # What the network made of it is still shown: the ten bars, "not a digit", the 28x28 image.
    assert shown_probabilities(app) == pytest.approx(result["probabilities"])
    none = app.locator("[data-testid=probabilities] li[data-digit=none]")
    assert none.is_visible() and "not a digit" in none.inner_text()
    assert float(none.get_attribute("data-probability")) == pytest.approx(result["not_digit"])
    assert app.eval_on_selector("[data-testid=preview]", PREVIEW_HAS_INK)
    if drawing == "scribble":
        os.makedirs(ARTIFACTS, exist_ok=True)
        app.screenshot(path=os.path.join(ARTIFACTS, "not-sure-scribble.png"), full_page=True)
    # A digit drawn next is claimed again, and the message goes.
    app.keyboard.press("Escape")
    draw(app, DIGITS[7])
    settle(app)
    assert app.inner_text("[data-testid=prediction]") == "7" and app.get_attribute("body", "data-prediction") == "7"
    assert app.is_hidden("[data-testid=unsure]")
