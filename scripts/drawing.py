"""Digits as pen strokes, and a helper that draws them on the page with real mouse moves.

Each digit is a list of strokes in a unit box (x right, y down), drawn into any part of the canvas.
"""
import math


def _arc(cx, cy, rx, ry, start, end, n=24):
    return [(cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a)))
            for a in [start + (end - start) * i / n for i in range(n + 1)]]


DIGITS = {
    0: [_arc(0.5, 0.5, 0.3, 0.45, -90, 275)],
    1: [[(0.5, 0.05), (0.5, 0.95)]],
    2: [_arc(0.5, 0.3, 0.3, 0.25, 190, 380, 12) + [(0.2, 0.95), (0.85, 0.95)]],
    3: [_arc(0.45, 0.27, 0.3, 0.22, 200, 450, 14) + _arc(0.45, 0.72, 0.33, 0.23, 270, 520, 14)[1:]],
    4: [[(0.65, 0.05), (0.15, 0.65), (0.9, 0.65)], [(0.65, 0.3), (0.65, 0.95)]],
    5: [[(0.8, 0.05), (0.3, 0.05), (0.25, 0.45)] + _arc(0.5, 0.67, 0.32, 0.28, 220, 500, 16)[3:]],
    6: [[(0.7, 0.05), (0.35, 0.4)] + _arc(0.5, 0.7, 0.28, 0.25, 200, 560, 20)],
    7: [[(0.15, 0.08), (0.85, 0.08), (0.4, 0.95)]],
    8: [_arc(0.5, 0.27, 0.25, 0.22, 90, 450, 16) + _arc(0.5, 0.72, 0.3, 0.23, -90, 270, 16)],
    9: [_arc(0.5, 0.3, 0.28, 0.25, 0, 360, 16) + [(0.78, 0.3), (0.72, 0.95)]],
}


def draw(page, strokes, left=0.2, top=0.15, size=0.65, steps=4, selector='[data-testid="canvas"]'):
    """Draw strokes (unit-box coordinates) into the canvas region starting at (left, top), size x size,
    all in canvas heights (the page's canvas units: it is wider than tall), with real mouse
    down/move/up events."""
    page.locator(selector).scroll_into_view_if_needed()   # a click further down may have scrolled it away
    box = page.locator(selector).bounding_box()

    def at(x, y):
        return box["x"] + (left + x * size) * box["height"], box["y"] + (top + y * size) * box["height"]

    for stroke in strokes:
        page.mouse.move(*at(*stroke[0]))
        page.mouse.down()
        for x, y in stroke[1:]:
            page.mouse.move(*at(x, y), steps=steps)
        page.mouse.up()
