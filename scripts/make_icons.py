"""Draw the app's PNG icons (web/icon-192.png, web/icon-512.png) from the design of web/favicon.svg.

    python scripts/make_icons.py [--out web]

The manifest (web/manifest.webmanifest) lists the SVG for browsers that take one and these PNGs for
those that need fixed sizes (installing on Android and in Chromium asks for 192 and 512). They are
committed; this script remakes them byte for byte with the pinned matplotlib (no text is drawn, so no
font can differ, and PNG metadata that names the software version is left out).
"""
import os
import sys

if __name__ == "__main__":  # run as a script: make the repository's packages importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from train.cli import REPO, OneLineParser  # noqa: E402

SIZES = (192, 512)
# web/favicon.svg on its 16x16 grid: a rounded square and a "7" drawn as one stroke.
BACKGROUND, INK = "#1d3557", "#ffffff"
CORNER, SEVEN, PEN = 3, [(5, 4), (11, 4), (7, 13)], 2


def draw_icon(path, size):
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    dpi = 100
    figure = plt.figure(figsize=(size / dpi, size / dpi), dpi=dpi)
    figure.patch.set_alpha(0)  # the corners outside the rounded square stay transparent
    axes = figure.add_axes([0, 0, 1, 1])
    axes.set_xlim(0, 16)
    axes.set_ylim(16, 0)  # SVG's y points down
    axes.axis("off")
    axes.add_patch(FancyBboxPatch((CORNER, CORNER), 16 - 2 * CORNER, 16 - 2 * CORNER,
                                  boxstyle="round,pad=%d" % CORNER, facecolor=BACKGROUND, edgecolor="none"))
    points_per_unit = size / 16 * 72 / dpi
    axes.plot(*zip(*SEVEN), color=INK, linewidth=PEN * points_per_unit,
              solid_capstyle="round", solid_joinstyle="miter")
    figure.savefig(path, dpi=dpi, transparent=True, metadata={"Software": None})
    plt.close(figure)


def make_icons(out):
    os.makedirs(out, exist_ok=True)
    paths = []
    for size in SIZES:
        paths.append(os.path.join(out, "icon-%d.png" % size))
        draw_icon(paths[-1], size)
    return paths


def main():
    parser = OneLineParser(description="Draw the app's PNG icons from the favicon's design.")
    parser.add_argument("--out", default=os.path.join(REPO, "web"), help="folder for icon-192.png and icon-512.png (default web/)")
    for path in make_icons(os.path.abspath(parser.parse_args().out)):
        print(path)


if __name__ == "__main__":
    main()
