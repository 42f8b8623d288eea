"""Teach it my handwriting: corrections learned in the page, kept in IndexedDB, reset and exported."""
import os
import time
import zipfile

import numpy as np
import pytest

from conftest import REPO
from scripts.drawing import DIGITS, draw
from lenet_py.recognizer import Recognizer
from lenet_py.weights import load_weights
from web_helpers import SCRIBBLE, settle

STORED_CORRECTIONS = """
() => new Promise((resolve) => {
  const open = indexedDB.open("lenet-personal", 1);
  open.onupgradeneeded = () => open.result.createObjectStore("weights");
  open.onsuccess = () => {
    const get = open.result.transaction("weights").objectStore("weights").get("current");
    get.onsuccess = () => {
      const value = get.result;
      open.result.close();
      if (!value) return resolve(0);
      const manifest = JSON.parse(new TextDecoder().decode(value.files["manifest.json"]));
      resolve(manifest.personalised.corrections);
    };
  };
})
"""

CORRUPT_STORED_FILE = """
(name) => new Promise((resolve, reject) => {
  const open = indexedDB.open("lenet-personal", 1);
  open.onsuccess = () => {
    const store = open.result.transaction("weights", "readwrite").objectStore("weights");
    const get = store.get("current");
    get.onsuccess = () => {
      const value = get.result;
      const bytes = new Uint8Array(value.files[name]);
      bytes[bytes.length - 1] ^= 0xff;
      value.files[name] = bytes.buffer;
      const put = store.put(value, "current");
      put.onsuccess = () => { open.result.close(); resolve(true); };
      put.onerror = () => reject(put.error);
    };
  };
})
"""

# Five varied "1"s: different places, sizes and slants.
VARIED_ONES = [
    ((0.2, 0.15, 0.65), [[(0.5, 0.05), (0.5, 0.95)]]),
    ((0.05, 0.05, 0.4), [[(0.55, 0.05), (0.45, 0.95)]]),
    ((0.5, 0.4, 0.5), [[(0.4, 0.05), (0.6, 0.95)]]),
    ((0.1, 0.3, 0.6), [[(0.5, 0.0), (0.48, 1.0)]]),
    ((0.3, 0.05, 0.8), [[(0.52, 0.1), (0.5, 0.9)]]),
]


@pytest.fixture
def app(browser, site):
    context = browser.new_context(accept_downloads=True)  # a fresh context: empty IndexedDB
    page = context.new_page()
    page.goto(site)
    page.wait_for_selector("body[data-state=ready]", timeout=60000)
    yield page
    context.close()


def teach(page, digit, key=False):
    count = page.evaluate("window.lenetDebug.learnTimings.length")
    if key:
        page.focus("[data-testid=canvas]")
        page.keyboard.press(str(digit))
    else:
        page.click("[data-testid=teach-%d]" % digit)
    page.wait_for_function("() => window.lenetDebug.learnTimings.length > %d" % count, timeout=30000)


def redraw(page, place, strokes):
    page.keyboard.press("Escape")
    draw(page, strokes, *place)
    settle(page)
    page.wait_for_timeout(100)


def teach_one_as_seven(page, times=5):
    for i, (place, strokes) in enumerate(VARIED_ONES[:times]):
        redraw(page, place, strokes)
        teach(page, 7, key=(i % 2 == 1))  # buttons and keys alike
    wait_until_stored(page, times)


def wait_until_stored(page, corrections, timeout=20):
    """The worker stores the weights just after it answers; wait for IndexedDB to hold them."""
    deadline = time.time() + timeout
    while page.evaluate("(%s)()" % STORED_CORRECTIONS) != corrections:
        assert time.time() < deadline, "IndexedDB never held %d corrections" % corrections
        time.sleep(0.05)


def test_five_corrections_make_the_label_win_and_survive_a_reload_until_reset(app):
    redraw(app, (0.25, 0.2, 0.6), DIGITS[1])
    assert app.inner_text("[data-testid=prediction]") == "1"  # the shipped model says 1; we teach it 7
    assert app.is_hidden("[data-testid=personal]")
    teach_one_as_seven(app)
    assert "5 corrections" in app.inner_text("[data-testid=personal]")

    redraw(app, (0.25, 0.2, 0.6), DIGITS[1])  # drawn again: the corrected label wins
    assert app.inner_text("[data-testid=prediction]") == "7"

    app.reload()
    app.wait_for_selector("body[data-state=ready]", timeout=60000)
    assert "5 corrections" in app.inner_text("[data-testid=personal]")
    redraw(app, (0.25, 0.2, 0.6), DIGITS[1])
    assert app.inner_text("[data-testid=prediction]") == "7"

    app.click("[data-testid=reset]")
    app.wait_for_selector("[data-testid=undo-reset]", state="visible")  # a mistaken reset can be undone
    assert "5 corrections forgotten" in app.inner_text("[data-testid=personal]")
    assert app.is_hidden("[data-testid=export]") and app.is_hidden("[data-testid=reset]")
    app.wait_for_function("() => document.querySelector('[data-testid=prediction]').textContent === '1'")
    assert app.evaluate("(%s)()" % STORED_CORRECTIONS) == 0
    app.reload()
    app.wait_for_selector("body[data-state=ready]", timeout=60000)
    assert app.is_hidden("[data-testid=personal]")
    redraw(app, (0.25, 0.2, 0.6), DIGITS[1])
    assert app.inner_text("[data-testid=prediction]") == "1"


def test_a_reset_can_be_undone_until_the_next_correction(app):
    teach_one_as_seven(app, times=2)
    redraw(app, (0.25, 0.2, 0.6), DIGITS[1])
    taught = app.evaluate("window.lenetDebug.lastResult.probabilities[7]")
    app.click("[data-testid=reset]")
    app.wait_for_selector("[data-testid=undo-reset]", state="visible")
    settle(app)
    assert app.evaluate("window.lenetDebug.lastResult.probabilities[7]") < taught  # the shipped model
    app.click("[data-testid=undo-reset]")
    app.wait_for_selector("[data-testid=undo-reset]", state="hidden")
    assert "2 corrections" in app.inner_text("[data-testid=personal]")
    settle(app)
    assert app.evaluate("window.lenetDebug.lastResult.probabilities[7]") == pytest.approx(taught, abs=1e-6)
    wait_until_stored(app, 2)  # stored again: it survives a reload
    # After a reset, a new correction starts afresh: the forgotten corrections cannot come back.
    app.click("[data-testid=reset]")
    app.wait_for_selector("[data-testid=undo-reset]", state="visible")
    redraw(app, (0.25, 0.2, 0.6), DIGITS[1])
    teach(app, 7)
    assert app.is_hidden("[data-testid=undo-reset]")
    assert "1 correction " in app.inner_text("[data-testid=personal]")


def test_the_new_probabilities_show_right_after_the_correction(app):
    redraw(app, (0.2, 0.15, 0.65), DIGITS[1])
    before = app.evaluate("window.lenetDebug.lastResult.probabilities[7]")
    teach(app, 7)
    after = app.evaluate("window.lenetDebug.lastResult.probabilities[7]")
    assert after > before
    shown = float(app.get_attribute("[data-testid=probabilities] li[data-digit='7']", "data-probability"))
    assert shown == pytest.approx(after)
    assert "Learned" in app.inner_text("[data-testid=teach-status]")


def test_export_loads_in_cpython_with_the_same_probabilities(app, tmp_path):
    teach_one_as_seven(app, times=2)
    redraw(app, (0.3, 0.2, 0.5), DIGITS[1])  # a drawing on which the two corrections changed the answer
    with app.expect_download() as download_info:
        app.click("[data-testid=export]")
    path = tmp_path / "export.zip"
    download_info.value.save_as(str(path))
    assert download_info.value.suggested_filename.endswith(".zip")
    saved = app.inner_text("[data-testid=personal-status]")  # the person is told where it went
    assert download_info.value.suggested_filename in saved and "2 corrections" in saved
    with zipfile.ZipFile(str(path)) as archive:
        archive.extractall(str(tmp_path / "unzipped"))
    folder = tmp_path / "unzipped" / "lenet_py-weights-personal"
    model, manifest = load_weights(str(folder))
    assert manifest["personalised"]["corrections"] == 2
    sent = app.evaluate("window.lenetDebug.lastStrokes")
    expected = Recognizer(model, manifest).predict(sent)["probabilities"]
    shown = app.evaluate("window.lenetDebug.lastResult.probabilities")
    np.testing.assert_allclose(shown, expected, atol=1e-4)
    shipped = Recognizer.from_folder(os.path.join(REPO, "weights")).predict(sent)["probabilities"]
    assert abs(shipped[7] - expected[7]) > 0.05  # really the personalised weights


def test_teaching_works_from_a_not_sure_answer(app):
    """Not sure is no dead end: the person says which digit it is, and it is learned."""
    redraw(app, (0.2, 0.15, 0.65), SCRIBBLE)
    assert app.get_attribute("body", "data-prediction") == "unsure"
    before = app.evaluate("window.lenetDebug.lastResult.probabilities[4]")
    assert app.is_enabled("[data-testid=teach-4]")
    teach(app, 4)
    status = app.inner_text("[data-testid=teach-status]")   # "Learned: 4 is now at 37.2%."
    assert status.startswith("Learned: 4 is now at ") and float(status.split()[-1].rstrip("%.")) > 100 * before, status
    assert "1 correction" in app.inner_text("[data-testid=personal]")
    wait_until_stored(app, 1)


def test_a_correction_of_an_empty_canvas_is_refused(app):
    app.click("[data-testid=teach-3]")
    assert "Draw the digit first" in app.inner_text("[data-testid=teach-status]")
    app.focus("[data-testid=canvas]")
    app.keyboard.press("5")
    assert "Draw the digit first" in app.inner_text("[data-testid=teach-status]")
    assert app.is_hidden("[data-testid=personal]")
    assert app.evaluate("window.lenetDebug.learnTimings.length") == 0
    assert app.evaluate("(%s)()" % STORED_CORRECTIONS) == 0


def test_corrupt_stored_weights_are_dropped_with_a_message(app):
    teach_one_as_seven(app, times=1)
    assert app.evaluate("(%s)('c3.weight.npy')" % CORRUPT_STORED_FILE)
    app.reload()
    app.wait_for_selector("body[data-state=ready]", timeout=60000)
    notice = app.inner_text("[data-testid=notice]")
    assert "damaged" in notice and "c3.weight.npy" in notice and "sha256 mismatch" in notice
    assert app.is_hidden("[data-testid=personal]")
    assert app.evaluate("(%s)()" % STORED_CORRECTIONS) == 0
    redraw(app, (0.25, 0.2, 0.6), DIGITS[1])
    assert app.inner_text("[data-testid=prediction]") == "1"


def test_learning_does_not_block_the_page(app):
    redraw(app, (0.2, 0.15, 0.65), DIGITS[2])
    count = app.evaluate("window.lenetDebug.learnTimings.length")
    # While the worker learns, the main thread keeps answering: measure it from inside the page.
    gaps = app.evaluate("""async () => {
      document.querySelector('[data-testid=teach-2]').click();
      const gaps = [];
      let last = performance.now();
      while (document.body.dataset.learning === 'true') {
        await new Promise((r) => setTimeout(r, 5));
        const now = performance.now();
        gaps.push(now - last);
        last = now;
      }
      return gaps;
    }""")
    app.wait_for_function("() => window.lenetDebug.learnTimings.length > %d" % count)
    assert len(gaps) >= 3, gaps           # it took long enough to observe
    assert max(gaps) < 50, gaps          # and the event loop never stalled
