"""Loading people can read: byte progress over a slow link, and the wheel the worker unpacks.

The link is emulated with the DevTools protocol (Network.emulateNetworkConditions on the page's
session). The page downloads the worker's files itself (worker-client.js), so the throttle covers them;
it also covers a worker's own fetch and XMLHttpRequest in this Chromium (measured), but not
importScripts, which the worker no longer uses for the runtime.
"""
import io
import json
import os
import zipfile

import pytest

from conftest import REPO, start_server
from scripts.setup_runtime import SIZES, runtime_dir, runtime_setting
from scripts.wheel import WHEEL_INDEX, build_wheel, wheel_name

MBIT = 1e6 / 8  # bytes per second

# A ModelClient of the page's own on a blank page of the site: its progress log and ready, or fatal.
LOAD_WITH_CLIENT = """async () => {
  const { ModelClient } = await import('/worker-client.js');
  const client = new ModelClient('/worker.js');
  const started = performance.now();
  const end = await new Promise((resolve) => {
    client.on('ready', () => resolve({ready: performance.now() - started}));
    client.on('fatal', (fatal) => resolve({fatal}));
  });
  client.worker.terminate();
  return Object.assign(end, {log: client.progressLog.map((p) => Object.assign({}, p, {at: p.at - started}))});
}"""

# Samples [data-testid=load-progress] (a <progress>: value and max in bytes) from navigation on.
SAMPLE_PROGRESS_BAR = """(() => {
  window.progressSamples = [];
  const sample = () => {
    const bar = document.querySelector('[data-testid=load-progress]');
    if (bar) window.progressSamples.push([performance.now(), Number(bar.getAttribute('value')), Number(bar.getAttribute('max'))]);
    if (document.body && document.body.dataset.state === 'ready') return;
    setTimeout(sample, 50);
  };
  sample();
})();"""


def throttle(page, mbit):
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 20, "downloadThroughput": mbit * MBIT,
                                                   "uploadThroughput": mbit * MBIT})


def expected_bytes():
    """Every file the worker loads, by step, as the dev server sends them (before any compression)."""
    setting = runtime_setting()
    folder = runtime_dir(setting)
    package_files = {name + ext for name in setting["packages"] for ext in (".js", ".data")}
    sizes = {"runtime": 0, "numpy": 0, "model": 0}
    for name in setting["files"]:
        sizes["numpy" if name in package_files else "runtime"] += os.path.getsize(os.path.join(folder, name))
    sizes["runtime"] += os.path.getsize(os.path.join(REPO, "web", "runtime.json")) + os.path.getsize(os.path.join(folder, SIZES))
    sizes["model"] += len(json.dumps({"lenet_py": wheel_name()})) + len(build_wheel())
    sizes["model"] += sum(os.path.getsize(os.path.join(REPO, "weights", n)) for n in os.listdir(os.path.join(REPO, "weights")))
    sizes["model"] += os.path.getsize(os.path.join(REPO, "web", "replay.npz"))
    return sizes


def weights_bytes():
    folder = os.path.join(REPO, "weights")
    return sum(os.path.getsize(os.path.join(folder, name)) for name in os.listdir(folder) if name.endswith(".npy"))


def longest_stall(times_and_values, until):
    """The longest time between two increases of the value, from the first sample to the one that reaches `until`."""
    longest, since, best = 0.0, times_and_values[0][0], times_and_values[0][1]
    for at, value in times_and_values:
        if value > best:
            longest, since, best = max(longest, at - since), at, value
        if value >= until:
            break
    return longest, best


def test_the_runtime_sizes_are_the_files_sizes(runtime_ready):
    setting = runtime_setting()
    with open(os.path.join(runtime_dir(setting), SIZES)) as fh:
        sizes = json.load(fh)
    assert sizes == {name: os.path.getsize(os.path.join(runtime_dir(setting), name)) for name in setting["files"]}


def test_progress_moves_every_second_over_a_10_mbit_link(page, site):
    throttle(page, 10)
    page.goto(site + "runtime.json")  # any page of the site: the client starts its worker there
    out = page.evaluate(LOAD_WITH_CLIENT)
    assert "ready" in out, out.get("fatal")
    log = out["log"]
    expected = expected_bytes()
    # Total: every file, known from the start (before a tenth of the bytes are in: not timed, as this
    # machine's speed varies) and honest at the end.
    first_total = next(p for p in log if p["total"] is not None)
    assert first_total["loaded"] < first_total["total"] / 10, first_total
    assert log[-1]["loaded"] == log[-1]["total"] == sum(expected.values())
    assert {step: share["total"] for step, share in log[-1]["steps"].items()} == expected
    assert all(p["loaded"] <= p["total"] and p["stepLoaded"] <= p["stepTotal"] for p in log if p["total"] is not None)
    assert all(p["stepTotal"] == p["steps"][p["step"]]["total"] for p in log)
    # Moving: bytes arrive at least every second until all are in but the weights, which wait for
    # lenet_py to check their names. Then Python starts NumPy and the model, with no bytes to count
    # for a second or two: the steps say what is going on.
    stall, reached = longest_stall([(p["at"], p["loaded"]) for p in log], log[-1]["total"] - weights_bytes())
    assert stall <= 1000, "no bytes counted for %.0f ms" % stall
    states = [(p["step"], p["state"]) for p in log]
    assert [s for i, s in enumerate(states) if i == 0 or s != states[i - 1]] == [
        ("runtime", "active"), ("runtime", "done"), ("numpy", "active"), ("numpy", "done"), ("model", "active"), ("model", "done")]
    # Not a message per chunk: byte-only updates at most every 100 ms, bar those a changed total forces.
    updates = [b for a, b in zip(log, log[1:]) if (a["step"], a["state"], a["total"]) == (b["step"], b["state"], b["total"])
               and b["loaded"] != a["loaded"]]
    assert len(updates) <= out["ready"] / 100 + 5, len(updates)
    assert out["ready"] > sum(expected.values()) / (10 * MBIT) / 3  # the throttle did slow it (gzip: ~1/2 the bytes)


def test_the_page_shows_progress_moving_every_second_over_a_10_mbit_link(page, site):
    throttle(page, 10)
    page.add_init_script(SAMPLE_PROGRESS_BAR)
    page.goto(site)
    page.wait_for_selector("body[data-state=ready]", timeout=120000)
    samples = page.evaluate("window.progressSamples")
    assert samples, "no [data-testid=load-progress] on the page"
    total = sum(expected_bytes().values())
    assert samples[-1][2] == total, samples[-1]
    assert all(0 <= value <= bar_max for _, value, bar_max in samples)
    stall, reached = longest_stall([(at, value) for at, value, _ in samples], total - weights_bytes())
    assert samples[-1][1] == total and stall <= 1000, "the bar stood still for %.0f ms (at %d of %d bytes)" % (stall, reached, total)


def hostile_wheel(member):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        with zipfile.ZipFile(io.BytesIO(build_wheel())) as real:
            for info in real.infolist():
                archive.writestr(info, real.read(info))
        archive.writestr(member, "raise SystemExit('written outside lenet_py')\n")
    return buffer.getvalue()


@pytest.mark.parametrize("member", ["../escaped.py", "/lib/python3.8/site-packages/numpy/__init__.py", "other/__init__.py",
                                    "lenet_py/../escaped.py"])
def test_a_wheel_with_files_outside_lenet_py_is_refused(page, tmp_path, runtime_ready, member):
    site = tmp_path / "site"
    site.mkdir()
    for name in os.listdir(os.path.join(REPO, "web")):
        source = os.path.join(REPO, "web", name)
        os.symlink(source, site / name)  # the runtime too: a static site with only the wheel changed
    os.symlink(os.path.join(REPO, "weights"), site / "weights")
    (site / WHEEL_INDEX).write_text(json.dumps({"lenet_py": wheel_name()}))
    (site / wheel_name()).write_bytes(hostile_wheel(member))
    server, url = start_server(site=str(site))
    try:
        page.goto(url)
        page.wait_for_selector("body[data-state=error]", timeout=60000)
        message = page.inner_text("[data-testid=error]")
    finally:
        server.shutdown()
    assert "lenet_py: the wheel holds %r, which is outside lenet_py/ and its .dist-info" % member in message, message


# web/loader.js's Counter fetching through a stand-in for fetch whose body sends a chunk every
# `every` ms, `chunks` times, then ends (done) or goes silent (stall).
COUNTER_WITH_STREAM = """async ({every, chunks, end, stallMs}) => {
  const counter = new Counter(() => {});
  counter.stallMs = stallMs;
  let cancelled = false;
  counter.fetch = async () => new Response(new ReadableStream({
    async start(controller) {
      for (let i = 0; i < chunks; i++) {
        await new Promise((resolve) => setTimeout(resolve, every));
        controller.enqueue(new Uint8Array(10));
      }
      if (end) controller.close();
    },
    cancel() { cancelled = true; },
  }));
  try {
    const still = new Promise((resolve) => setTimeout(() => resolve({bytes: null}), 10000));  // fail, not hang
    const got = await Promise.race([counter.get('/some.data', {step: 'runtime', what: 'Python runtime'}), still]);
    if (got.bytes === null) return {error: 'still waiting after 10 s', cancelled};
    return {bytes: got.bytes.length};
  } catch (err) {
    return {error: err.message, cancelled, counted: [...counter.files.values()][0]};
  }
}"""


def counter_download(page, site, **stream):
    """COUNTER_WITH_STREAM on a blank page of the site with loader.js loaded -> what it returned."""
    page.goto(site + "runtime.json")
    page.add_script_tag(url=site + "loader.js")
    return page.evaluate(COUNTER_WITH_STREAM, stream)


def test_a_download_that_stops_arriving_fails_and_says_so(page, site):
    out = counter_download(page, site, every=20, chunks=3, end=False, stallMs=500)
    assert out["error"] == "Python runtime: the download of /some.data broke off (nothing arrived for 0.5 s)", out
    assert out["cancelled"], "the stalled download keeps its connection"
    assert out["counted"]["loaded"] == 30 and out["counted"]["total"] == 30, out   # what came: the bar can end


def test_a_slow_download_that_keeps_arriving_is_not_a_stall(page, site):
    # 1.5 s in all, beyond the 1 s allowed between chunks (which come every 0.1 s)
    out = counter_download(page, site, every=100, chunks=15, end=True, stallMs=1000)
    assert out == {"bytes": 150}
