"""Replaying pen strokes on the page in Chromium, and in CPython, on identical drawings.

Shared by bench/real_handwriting.py and tests/test_real_handwriting.py. A drawing is a list of
strokes in canvas units (the canvas is 1 high, y down), placed with scripts.pendigits.place and
resampled every 1% of the canvas. The page is read only through its stable hooks (body[data-state],
body[data-busy], body[data-prediction], [data-testid=prediction]'s text, Escape to clear), so the
same code measures any version of the page, one from an older checkout included (serve(repo=...)).

Input goes through the DevTools protocol's Input.dispatchMouseEvent, which is what Playwright's
page.mouse uses, so the page gets trusted pointer events, with pointerType "mouse" or "pen" (page.mouse
can only be a mouse). A stroke's moves are sent without waiting for each to be acknowledged: Chromium
then delivers them as it does a fast pen's, a few points per frame in one pointermove whose
getCoalescedEvents() holds them all. Waiting for each move costs a frame per point (over a second a
digit), which no test could afford.
"""
import asyncio
import concurrent.futures
import functools
import os

import numpy as np

from scripts import pendigits
from scripts.browser import launch
from scripts.serve import make_server
from train.cli import REPO

STEP = 0.01                                  # resampling step, canvas units: 1% of the canvas
BANDS = ((0.15, 0.30), (0.30, 0.50), (0.50, 0.80))   # digit size as a fraction of the canvas height
DIGITS = tuple("0123456789")                 # the answers that are one digit
UNSURE = "unsure"                            # the answer when nothing is read
TIMEOUT_MS = 30000                           # for one answer; far above what any answer takes


def sample(cells, count, rng, mask=None):
    """``count`` indices spread over cells (one hashable per item, e.g. (writer, digit)) in proportion
    to their sizes, seeded: each cell's items in random order get keys (rank + u) / size, u uniform,
    and the smallest keys are taken, so every cell gives its share, give or take one."""
    cells = list(cells)
    keep = np.ones(len(cells), bool) if mask is None else np.asarray(mask, bool)
    groups = {}
    for i in rng.permutation(np.flatnonzero(keep)):
        groups.setdefault(cells[i], []).append(int(i))
    key = np.full(len(cells), np.inf)
    for members in groups.values():
        key[members] = (np.arange(len(members)) + rng.uniform(size=len(members))) / len(members)
    return sorted(np.argsort(key, kind="stable")[:min(count, int(keep.sum()))].tolist())


def digit_cells(labels, writers):
    return [(int(w), int(d)) for w, d in zip(writers, labels)]


def nondigit_label(kind, name):
    return name if name.startswith(kind) else "%s %s" % (kind, name)   # "letter B", "pair 47"


def nondigit_cells(items):
    """A cell per template (each drawn alike) and one for all the pairs of digits."""
    return [(kind,) if kind == "pair" else (kind, name) for kind, name, _ in items]


def placed(strokes, seed, key, kind=None):
    """One drawing placed at a random size and place, and resampled -> (strokes, size). The random
    draw depends only on (seed, key), so a drawing is the same whatever else is replayed with it.
    A non-digit "dot" is left where scripts/nondigits.py put it: scaled up, it would not be a dot."""
    if kind != "dot":
        strokes = pendigits.place(strokes, np.random.default_rng([seed] + list(key)))
    points = np.concatenate(strokes)
    size = float((points.max(axis=0) - points.min(axis=0)).max())  # the canvas is 1 high
    return [pendigits.resample(s, STEP) for s in strokes], size


def band(size):
    """Index of the size band a drawing falls in (a size on the upper edge counts in the last)."""
    return next((b for b, (low, high) in enumerate(BANDS) if size < high), len(BANDS) - 1)


def nondigits(seed, data):
    """scripts/nondigits.py's set -> [(kind, name, strokes)], its pairs of digits written by the
    held-out writers only; data: what pendigits.load() returns."""
    from scripts.nondigits import nondigit_set
    samples, labels, writers = data
    keep = np.flatnonzero(pendigits.held_out(writers))
    return nondigit_set(np.random.default_rng([seed, 1]),
                        pendigits=([samples[i] for i in keep], labels[keep], writers[keep]))


def refused(answer, kind, name):
    """Whether a non-digit got the answer it should: nothing read; or, for two digits side by side
    ("pair 47"), also those two digits, since the page reads numbers."""
    return answer == UNSURE or (kind == "pair" and answer == name.split()[-1])


def cpython_answer(recognizer, strokes):
    """The answer the page would show, as a string: the digits read ("4", "47", "4?"), or "unsure"
    when it reads none (an empty drawing too)."""
    result = recognizer.predict([s.tolist() for s in strokes])
    return UNSURE if result.get("empty") or result["unsure"] else result["number"]


def rates(answers, labels):
    """-> {"right", "unsure", "misread"} as fractions of the digits."""
    answers, labels = list(answers), [str(label) for label in labels]
    n = max(len(answers), 1)
    unsure = sum(a == UNSURE for a in answers)
    right = sum(a == label for a, label in zip(answers, labels))
    return {"right": right / n, "unsure": unsure / n, "misread": (len(answers) - right - unsure) / n}


# ---- serving -------------------------------------------------------------------------------------

def serve(repo=None, weights=None):
    """Serve ``repo``'s web/, lenet_py/ (as the wheel) and weights/ (or ``weights``) on a free loopback
    port; -> (server, url). Another checkout (git worktree add) lacks the git-ignored files that setup
    makes, web/runtime/ and web/replay.npz: those are served from this checkout's web/ when missing."""
    repo = os.path.abspath(repo or REPO)
    web = os.path.join(repo, "web")
    for need in ("index.html", "worker.js"):
        if not os.path.isfile(os.path.join(web, need)):
            raise SystemExit("error: %s has no web/%s: not a checkout of this project" % (repo, need))
    server = make_server("127.0.0.1", 0, quiet=True, web_dir=web, lenet_dir=os.path.join(repo, "lenet_py"),
                         weights_dir=os.path.abspath(weights or os.path.join(repo, "weights")))
    if repo != os.path.abspath(REPO):
        here = server.RequestHandlerClass  # functools.partial(handler class, directory=web)

        class WithSetupFiles(here.func):
            def translate_path(self, path):
                found = super().translate_path(path)
                inside = os.path.relpath(found, web)
                if not os.path.exists(found) and (inside == "replay.npz" or inside.startswith("runtime" + os.sep)):
                    return os.path.join(REPO, "web", inside)
                return found

        server.RequestHandlerClass = functools.partial(WithSetupFiles, *here.args, **here.keywords)
    import threading
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, "http://127.0.0.1:%d/" % server.server_address[1]


# ---- the page ------------------------------------------------------------------------------------

READ = """() => [document.body.dataset.prediction,
                 (document.querySelector('[data-testid=prediction]') || {}).textContent || '']"""


class PageError(RuntimeError):
    pass


async def _wait(page, predicate, what):
    try:
        await page.wait_for_function(predicate, timeout=TIMEOUT_MS)
    except Exception as exc:
        state = await page.evaluate("() => [document.body.dataset.state, document.body.innerText.slice(0, 300)]")
        raise PageError("the page did not %s within %d s (state %r): %s" % (what, TIMEOUT_MS // 1000, state[0],
                                                                           " ".join(state[1].split()))) from exc


# The page's pen-up -> rendered time of the last answer: asked in an animation frame, so after the
# frame in which the page records it.
LAST_TIMING = "() => new Promise((r) => requestAnimationFrame(() => r(window.lenetDebug.timings.slice(-1)[0])))"


async def _replay(url, drawings, pointer, progress, timings):
    from playwright.async_api import async_playwright
    async with async_playwright() as p:
        browser = await launch(p)
        page = await browser.new_page()
        await page.goto(url)
        await _wait(page, "() => ['ready', 'error'].includes(document.body.dataset.state)", "get ready")
        if await page.evaluate("() => document.body.dataset.state") == "error":
            error = await page.evaluate("() => (document.querySelector('[data-testid=error]') || {}).textContent")
            raise PageError("the page at %s failed to start: %s" % (url, " ".join((error or "?").split())))
        box = await page.locator("[data-testid=canvas]").bounding_box()
        cdp = await page.context.new_cdp_session(page)
        # A pen that touches has a pressure; the mouse gets 0.5 from Chromium while a button is down.
        extra = {"force": 0.5} if pointer == "pen" else {}

        def event(kind, x, y, **more):
            return cdp.send("Input.dispatchMouseEvent", dict(
                type=kind, x=box["x"] + x * box["height"], y=box["y"] + y * box["height"], pointerType=pointer, **more))

        answers, mismatched = [], 0
        for n, strokes in enumerate(drawings):
            for stroke in strokes:
                (x0, y0), (x1, y1) = stroke[0], stroke[-1]
                await event("mouseMoved", x0, y0)
                await event("mousePressed", x0, y0, button="left", buttons=1, clickCount=1, **extra)
                await asyncio.gather(*[event("mouseMoved", x, y, button="left", buttons=1, **extra)
                                       for x, y in stroke[1:]])
                await event("mouseReleased", x1, y1, button="left", buttons=0, clickCount=1)
            await _wait(page, "() => document.body.dataset.busy === 'false'", "answer")
            if timings is not None:
                timings.append(await page.evaluate(LAST_TIMING))
            hook, shown = await page.evaluate(READ)
            answers.append(UNSURE if hook in (UNSURE, "empty") else hook)
            mismatched += shown.strip() != ("" if hook in (UNSURE, "empty") else hook)  # the text should say the same
            await page.keyboard.press("Escape")
            await _wait(page, "() => document.body.dataset.prediction === 'empty'", "clear on Escape")
            if progress:
                progress(n + 1, len(drawings))
        await browser.close()
        return answers, mismatched


def on_page(drawings, url, pointer="mouse", progress=None, timings=None):
    """Replay each drawing on the page at ``url`` -> (answers, how many times the shown digits differed
    from body[data-prediction]); ``timings``, a list, gets each drawing's pen-up -> rendered ms. Runs in
    a thread of its own, so that it works beside Playwright's synchronous API (pytest's fixtures) or
    any running event loop."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, _replay(url, drawings, pointer, progress, timings)).result()
