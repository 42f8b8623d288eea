"""What a person sees, measured on the rendered page rather than read from data attributes: element
geometry, computed styles and the pixels of screenshots, on a desktop (1280x800) and a phone
(390x844, touch, DPR 3)."""
import io

import numpy as np
import pytest
from matplotlib import image as mpimg

from scripts.drawing import DIGITS, draw
from web_helpers import settle

SCREENS = {
    "desktop": dict(viewport={"width": 1280, "height": 800}),
    "phone": dict(viewport={"width": 390, "height": 844}, device_scale_factor=3, is_mobile=True, has_touch=True),
}
# What must be on screen, and apart, once something is drawn.
PARTS = ["[data-testid=canvas]", ".tools", "[data-testid=prediction]", "[data-testid=probabilities]",
         "[data-testid=preview]", "#teach-buttons"]


@pytest.fixture(params=list(SCREENS))
def screen(request, browser, site):
    context = browser.new_context(**SCREENS[request.param])
    page = context.new_page()
    page.goto(site)
    page.wait_for_selector("body[data-state=ready]", timeout=60000)
    page.screen = request.param
    yield page
    context.close()


def pixels(png):
    """A screenshot as an (H, W, 3) array of floats in 0..1."""
    return mpimg.imread(io.BytesIO(png), format="png")[..., :3]


def css_rgb(page, selector, prop="backgroundColor"):
    text = page.eval_on_selector(selector, "(e, p) => getComputedStyle(e)[p]", prop)
    return np.array([float(v) for v in text[text.index("(") + 1:text.index(")")].split(",")[:3]]) / 255


def boxes(page, selector):
    return page.eval_on_selector_all(selector, "els => els.filter(e => e.offsetParent !== null).map(e => {"
                                               " const r = e.getBoundingClientRect();"
                                               " return {x: r.x, y: r.y, w: r.width, h: r.height}; })")


def drawn(page, digit=7):
    draw(page, DIGITS[digit], left=0.3, size=0.6)
    settle(page)
    page.wait_for_timeout(300)  # the bars' width transition (80 ms) has ended


def test_the_bars_fill_in_proportion_to_the_probabilities(screen):
    drawn(screen)
    bars = screen.eval_on_selector_all("[data-testid=probabilities] li", "items => items.map(li => ({"
                                       " p: Number(li.dataset.probability),"
                                       " fill: li.querySelector('.fill').getBoundingClientRect().width,"
                                       " track: li.querySelector('.track').getBoundingClientRect().width }))")
    assert len(bars) == 11
    for bar in bars:
        assert bar["track"] > 40
        assert bar["fill"] / bar["track"] == pytest.approx(bar["p"], abs=0.01)
    # And in the pixels: the share of the top bar's track painted in its fill colour.
    top = "[data-testid=probabilities] li.top"
    colour = css_rgb(screen, top + " .fill")
    track = pixels(screen.locator(top + " .track").screenshot())
    row = track[track.shape[0] // 2]
    painted = np.mean(np.abs(row - colour).max(axis=1) < 0.08)
    assert painted == pytest.approx(float(screen.get_attribute(top, "data-probability")), abs=0.04)


def test_the_answer_is_on_screen_without_scrolling(screen):
    drawn(screen)
    assert screen.evaluate("() => window.scrollY") == 0
    view = SCREENS[screen.screen]["viewport"]
    for part in PARTS:
        (box,) = boxes(screen, part)
        assert box["w"] > 0 and box["h"] > 0, part
        assert 0 <= box["x"] and box["x"] + box["w"] <= view["width"] + 0.5, part
        assert 0 <= box["y"] and box["y"] + box["h"] <= view["height"] + 0.5, part
    assert screen.evaluate("() => document.documentElement.scrollWidth") <= view["width"]  # nothing sideways


def test_nothing_overlaps(screen):
    drawn(screen, 4)
    found = [(part, boxes(screen, part)[0]) for part in PARTS + ["[data-testid=confidence]", ".preview figcaption"]]
    for i, (a, p) in enumerate(found):
        for b, q in found[i + 1:]:
            apart = (p["x"] + p["w"] <= q["x"] + 0.5 or q["x"] + q["w"] <= p["x"] + 0.5 or
                     p["y"] + p["h"] <= q["y"] + 0.5 or q["y"] + q["h"] <= p["y"] + 0.5)
            assert apart, "%s overlaps %s" % (a, b)


def test_correction_buttons_form_full_rows_and_are_big_enough_to_touch(screen):
    drawn(screen)
    buttons = boxes(screen, "#teach-buttons button")
    assert len(buttons) == 10
    rows = {}
    for b in buttons:
        rows.setdefault(round(b["y"]), []).append(b)
    # No digit alone on a line: one row of ten, or two of five.
    assert sorted(len(r) for r in rows.values()) in ([10], [5, 5])
    if screen.screen == "phone":
        for b in boxes(screen, "button"):
            assert b["w"] >= 44 and b["h"] >= 44, b


def test_the_empty_preview_is_not_a_black_box(screen):
    assert screen.get_attribute("body", "data-prediction") == "empty"
    shot = pixels(screen.locator("[data-testid=preview]").screenshot())
    assert shot.mean() > 0.1
    drawn(screen)
    shot = pixels(screen.locator("[data-testid=preview]").screenshot())
    assert shot.mean() < 0.5  # the network's image: white ink on black, as MNIST


def test_a_hundred_percent_is_no_wider_than_the_other_values(app):
    shown = app.evaluate("async () => { const v = await import('./view.js');"
                         " return [1, 0.99951, 0.9994, 0.5, 0].map(v.percent); }")
    assert shown == ["100%", "100%", "99.9%", "50.0%", "0.0%"]


def touch(cdp, kind, points):
    cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [
        {"x": x, "y": y, "id": i, "radiusX": 4, "radiusY": 4, "force": 1} for i, (x, y) in points]})


def test_a_second_finger_during_a_stroke_is_ignored(browser, site):
    context = browser.new_context(**SCREENS["phone"])
    page = context.new_page()
    page.goto(site)
    page.wait_for_selector("body[data-state=ready]", timeout=60000)
    box = page.locator("[data-testid=canvas]").bounding_box()
    h = box["height"]
    at = lambda x, y: (box["x"] + x * h, box["y"] + y * h)  # noqa: E731  canvas units -> CSS pixels
    cdp = context.new_cdp_session(page)
    first = [at(0.5, 0.1 + 0.08 * k) for k in range(11)]
    second = [at(1.7, 0.3 + 0.04 * k) for k in range(11)]
    touch(cdp, "touchStart", [(0, first[0])])
    for k in range(1, 11):
        # The second finger lands halfway and moves with the first; it lifts first. (CDP sends the
        # fingers down; one missing from the list has lifted.)
        both = [(0, first[k])] + ([(1, second[k])] if 4 <= k < 9 else [])
        touch(cdp, "touchStart" if k == 4 else "touchMove", both)
    touch(cdp, "touchEnd", [])
    settle(page)
    strokes = page.evaluate("() => window.lenetDebug.lastStrokes")
    assert len(strokes) == 1
    xs = [x for x, _ in strokes[0]]
    assert max(xs) < 0.6 and min(xs) > 0.4, xs
    context.close()
