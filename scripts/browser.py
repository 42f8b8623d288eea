"""How tests and benchmarks start Chromium: Debian's build, kept off the network."""
import os

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# This machine and CI have no network beyond the package registries; these flags stop Chromium
# from trying (and failing, many times a second) to reach Google's services.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


def launch(playwright):
    if not os.path.exists(CHROMIUM):
        raise SystemExit("error: Chromium not found at %s (apt-get install chromium, or set CHROMIUM)" % CHROMIUM)
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


# For page.evaluate on any page of the site: loads the runtime that web/runtime.json names, and
# NumPy, on the main thread (no app code), leaves it in window.pyodide, and resolves to
# {since_navigation, load} in milliseconds. The tests and the readiness benchmark share it.
LOAD_BARE_RUNTIME = """
async () => {
  const t0 = performance.now();
  const setting = await (await fetch('/runtime.json')).json();
  await new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = '/' + setting.url + 'pyodide.js'; s.onload = resolve; s.onerror = reject;
    document.head.appendChild(s);
  });
  const pyodide = await loadPyodide({indexURL: '/' + setting.url});
  await pyodide.loadPackage(setting.packages);
  pyodide.runPython('import numpy');
  window.pyodide = pyodide;
  return {since_navigation: performance.now(), load: performance.now() - t0};
}
"""
