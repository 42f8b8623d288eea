"""Accessibility and the small things a visitor notices: axe-core finds nothing in any state, the
answer is announced once per pen-up, every control is reachable by keyboard with a visible focus,
a dark theme, and no stale status."""
import io
import os

import numpy as np
import pytest
from matplotlib import image as mpimg

from conftest import REPO
from scripts.drawing import DIGITS, draw
from web_helpers import broken_site, settle

AXE = os.path.join(REPO, "node_modules", "axe-core", "axe.min.js")


def axe_violations(page):
    """axe-core's violations on the page as it is now: ["rule-id: target, ...", ...]."""
    if not os.path.isfile(AXE):
        pytest.fail("axe-core is not installed at %s: run scripts/setup.sh (npm ci)" % AXE)
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=AXE)
    return page.evaluate("""async () => (await axe.run(document)).violations.map(
        (v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', '))""")


@pytest.fixture
def axe_page(browser, site):
    # axe is injected as a script: the page's own policy (script-src 'self') would refuse it.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(site)
    yield page
    context.close()


def test_axe_finds_no_violation_in_any_state(axe_page):
    page = axe_page
    assert axe_violations(page) == [], "loading"
    page.wait_for_selector("body[data-state=ready]", timeout=60000)
    assert axe_violations(page) == [], "empty"
    draw(page, DIGITS[7])
    settle(page)
    assert axe_violations(page) == [], "answer"
    page.click("[data-testid=features-toggle]")
    page.wait_for_function("() => window.lenetDebug.lastResult.features !== undefined")
    assert axe_violations(page) == [], "feature maps"
    page.click("[data-testid=teach-7]")
    page.wait_for_selector("[data-testid=personal]:not([hidden])")
    assert axe_violations(page) == [], "personalised"
    page.keyboard.press("Escape")
    draw(page, DIGITS[4], left=0.1, size=0.5)
    draw(page, DIGITS[1], left=0.8, size=0.5)
    settle(page)
    assert len(page.evaluate("() => window.lenetDebug.lastResult.digits")) == 2
    assert axe_violations(page) == [], "a number"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violation_in_the_error_state_or_either_theme(browser, tmp_path, runtime_ready, scheme):
    context = browser.new_context(bypass_csp=True, color_scheme=scheme)
    page = context.new_page()
    with broken_site(tmp_path, drop_runtime=True) as url:
        page.goto(url)
        page.wait_for_selector("body[data-state=error]", timeout=60000)
        assert axe_violations(page) == [], "error"
    context.close()


def test_the_answer_is_announced_once_per_pen_up(app):
    announced = lambda: app.inner_text("[data-testid=announce]")  # noqa: E731
    box = app.locator("[data-testid=canvas]").bounding_box()
    h = box["height"]
    app.mouse.move(box["x"] + 0.5 * h, box["y"] + 0.1 * h)
    app.mouse.down()
    app.mouse.move(box["x"] + 0.5 * h, box["y"] + 0.9 * h, steps=8)
    # The pen is still down: live answers come, none is read out.
    app.wait_for_function("() => window.lenetDebug.lastResult !== null")
    app.wait_for_timeout(300)
    assert announced() == ""
    app.mouse.up()
    settle(app)
    digit = app.inner_text("[data-testid=prediction]")
    assert announced().startswith(digit + ", ") and announced().endswith("% sure")
    app.keyboard.press("Escape")
    draw(app, DIGITS[2], left=0.1, size=0.5)
    draw(app, DIGITS[7], left=0.9, size=0.5)
    settle(app)
    assert announced() == "Number 2 7"


def test_every_control_is_reachable_by_keyboard_with_a_visible_focus(app):
    draw(app, DIGITS[3], left=0.1, size=0.5)
    draw(app, DIGITS[1], left=0.9, size=0.5)
    settle(app)
    app.evaluate("() => document.activeElement.blur()")
    reached = {}
    for _ in range(40):
        app.keyboard.press("Tab")
        focused = app.evaluate("""() => { const e = document.activeElement, s = getComputedStyle(e);
            return {id: e.dataset.testid || e.id || e.className, outline: s.outlineStyle,
                    width: parseFloat(s.outlineWidth), body: e === document.body}; }""")
        if not focused["body"]:  # past the last control, focus leaves the page for a moment
            reached[focused["id"]] = focused
    wanted = ["canvas", "undo", "clear", "features-toggle", "pick"] + ["teach-%d" % d for d in range(10)]
    for name in wanted:
        assert any(key.startswith(name) for key in reached), (name, sorted(reached))
    for name, focused in reached.items():
        assert focused["outline"] != "none" and focused["width"] >= 2, (name, focused)


def test_dark_theme_darkens_the_page_and_inverts_the_canvas(browser, site):
    context = browser.new_context(color_scheme="dark", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(site)
    page.wait_for_selector("body[data-state=ready]", timeout=60000)
    draw(page, DIGITS[1], left=0.3, size=0.7)
    settle(page)
    shot = mpimg.imread(io.BytesIO(page.screenshot()), format="png")[..., :3].mean(axis=2)
    assert np.median(shot) < 0.2  # the page is dark
    canvas = mpimg.imread(io.BytesIO(page.locator("[data-testid=canvas]").screenshot()), format="png")[..., :3]
    brightness = canvas.mean(axis=2)
    assert np.median(brightness) < 0.2 and brightness.max() > 0.8  # light ink on a dark canvas
    assert page.inner_text("[data-testid=prediction]") == "1"
    context.close()


def test_the_teach_status_does_not_outlive_its_drawing(app):
    draw(app, DIGITS[7])
    settle(app)
    app.click("[data-testid=teach-7]")
    app.wait_for_function("() => document.querySelector('[data-testid=teach-status]').textContent.startsWith('Learned')")
    draw(app, DIGITS[1], left=1.5, size=0.5)
    settle(app)
    assert app.inner_text("[data-testid=teach-status]") == ""
