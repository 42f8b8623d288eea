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
