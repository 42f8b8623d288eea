"""Hand-designed non-digit drawings as pen strokes, for scripts/nondigits.py.

Each template is a list of strokes in a unit box (x right, y down), every stroke a list of (x, y)
points in the order and direction a person draws it; a few (the scribble) are functions of an
np.random.Generator because a person never draws them the same way twice. Straight parts are given
by their corners only: nondigits.py densifies every stroke before it bends it.

Letters that are digit shapes in handwriting are left out (EXCLUDED says why), because a set that
measures "not sure" must hold only drawings a fair person would not read as a digit.
"""
import math


def arc(cx, cy, rx, ry, start, end):
    """Points along an ellipse from angle ``start`` to ``end`` (degrees; 0 is right, 90 is down since
    y points down, so decreasing angles go counter-clockwise as seen), one every 10 degrees."""
    n = max(2, int(abs(end - start) / 10))
    return [(cx + rx * math.cos(math.radians(a)), cy + ry * math.sin(math.radians(a)))
            for a in [start + (end - start) * i / n for i in range(n + 1)]]


def polar(cx, cy, rx, ry, radius, turns=1.0, start=-90, n=120):
    """A closed (or spiralling) curve whose radius at each angle is radius(angle in radians), counter-clockwise."""
    out = []
    for i in range(n + 1):
        a = math.radians(start) - 2 * math.pi * turns * i / n
        r = radius(a, i / n)
        out.append((cx + rx * r * math.cos(a), cy + ry * r * math.sin(a)))
    return out


def regular(cx, cy, r, corners, start=-90, step=1):
    """A closed polygon through ``corners`` points on a circle, visiting every ``step``-th (2 makes a star)."""
    return [(cx + r * math.cos(math.radians(start + 360.0 * step * k / corners)),
             cy + r * math.sin(math.radians(start + 360.0 * step * k / corners))) for k in range(corners + 1)]


EXCLUDED = {
    "O o": "a 0", "I l i": "a 1", "S s": "a 5", "Z z": "a 2", "b": "a 6", "G": "a 6 with a bar",
    "g q": "a 9", "C c": "an open 0 or the top of a 6: genuinely ambiguous",
    "D": "a 0 with one flat side", "Q": "a 0 with a stray tail", "J j": "a 1 with a curled foot",
    "d p": "a 6 or 9 written mirror-wise, as children and hurried writers do",
}

_BOW_UP = [(0.2, 0.0), (0.5, 0.0)] + arc(0.5, 0.24, 0.27, 0.24, -90, 90)[1:] + [(0.2, 0.48)]

LETTERS = {
    "A": [[(0.1, 1), (0.5, 0), (0.9, 1)], [(0.28, 0.6), (0.72, 0.6)]],
    "B": [[(0.2, 0), (0.2, 1)],
          _BOW_UP + [(0.55, 0.48)] + arc(0.55, 0.74, 0.3, 0.26, -90, 90)[1:] + [(0.2, 1)]],
    "E": [[(0.8, 0), (0.2, 0), (0.2, 1), (0.8, 1)], [(0.2, 0.5), (0.7, 0.5)]],
    "F": [[(0.8, 0), (0.2, 0), (0.2, 1)], [(0.2, 0.48), (0.65, 0.48)]],
    "H": [[(0.2, 0), (0.2, 1)], [(0.8, 0), (0.8, 1)], [(0.2, 0.5), (0.8, 0.5)]],
    "K": [[(0.2, 0), (0.2, 1)], [(0.8, 0), (0.2, 0.55), (0.85, 1)]],
    "L": [[(0.25, 0), (0.25, 1), (0.8, 1)]],
    "M": [[(0.1, 1), (0.15, 0), (0.5, 0.65), (0.85, 0), (0.9, 1)]],
    "N": [[(0.2, 1), (0.2, 0), (0.8, 1), (0.8, 0)]],
    "P": [[(0.2, 0), (0.2, 1)], _BOW_UP],
    "R": [[(0.2, 0), (0.2, 1)], _BOW_UP + [(0.85, 1)]],
    "T": [[(0.1, 0), (0.9, 0)], [(0.5, 0), (0.5, 1)]],
    "U": [[(0.2, 0), (0.2, 0.68)] + arc(0.5, 0.68, 0.3, 0.32, 180, 0) + [(0.8, 0)]],
    "V": [[(0.1, 0), (0.5, 1), (0.9, 0)]],
    "W": [[(0.05, 0), (0.27, 1), (0.5, 0.3), (0.73, 1), (0.95, 0)]],
    "X": [[(0.15, 0), (0.85, 1)], [(0.85, 0), (0.15, 1)]],
    "Y": [[(0.1, 0), (0.5, 0.5)], [(0.9, 0), (0.5, 0.5), (0.5, 1)]],
    # Lower case: the x-height runs from 0.45 to 1, ascenders from 0, and y's descender to 1.
    "a": [arc(0.45, 0.72, 0.28, 0.27, -30, -360) + [(0.74, 0.5), (0.75, 0.95), (0.83, 1.0)]],
    "e": [[(0.2, 0.72), (0.8, 0.72)] + arc(0.5, 0.72, 0.3, 0.27, 0, -310)],
    "f": [arc(0.55, 0.16, 0.2, 0.14, -10, -180) + [(0.35, 1)], [(0.15, 0.45), (0.65, 0.45)]],
    "h": [[(0.25, 0), (0.25, 1), (0.25, 0.72)] + arc(0.5, 0.72, 0.25, 0.24, 180, 360) + [(0.75, 1)]],
    "k": [[(0.25, 0), (0.25, 1)], [(0.72, 0.45), (0.25, 0.75), (0.75, 1)]],
    "m": [[(0.1, 0.45), (0.1, 1), (0.1, 0.62)] + arc(0.3, 0.62, 0.2, 0.15, 180, 360) + [(0.5, 1), (0.5, 0.62)]
          + arc(0.7, 0.62, 0.2, 0.15, 180, 360) + [(0.9, 1)]],
    "n": [[(0.2, 0.45), (0.2, 1), (0.2, 0.66)] + arc(0.5, 0.66, 0.3, 0.2, 180, 360) + [(0.8, 1)]],
    "r": [[(0.3, 0.45), (0.3, 1), (0.3, 0.7)] + arc(0.55, 0.7, 0.25, 0.22, 180, 320)],
    "t": [[(0.45, 0.05), (0.45, 0.9), (0.52, 1), (0.72, 0.95)], [(0.2, 0.35), (0.75, 0.35)]],
    "u": [[(0.2, 0.45), (0.2, 0.8)] + arc(0.45, 0.8, 0.25, 0.2, 180, 0) + [(0.7, 0.45), (0.72, 1)]],
    "w": [[(0.05, 0.45), (0.27, 1), (0.5, 0.55), (0.73, 1), (0.95, 0.45)]],
    "x": [[(0.2, 0.45), (0.8, 1)], [(0.8, 0.45), (0.2, 1)]],
    "y": [[(0.2, 0), (0.5, 0.55)], [(0.8, 0), (0.45, 0.8), (0.35, 0.95), (0.2, 1)]],
}


def scribble(rng):
    """Dense back-and-forth colouring-in, one stroke, never twice the same."""
    passes = rng.integers(8, 15)
    points, y = [], 0.0
    for k in range(passes):
        x = rng.uniform(0.0, 0.2) if k % 2 == 0 else rng.uniform(0.8, 1.0)
        points.append((x, y))
        y += rng.uniform(0.04, 0.1)
    return [points]


def cross_hatch(rng):
    """Parallel diagonal lines one way (each drawn down to the left), then the other way across them."""
    n = rng.integers(4, 7)
    cuts = [0.3 + 1.4 * k / (n - 1) for k in range(n)]   # x + y = c, and x - y = c - 1, inside the box
    first = [[(min(1, c), c - min(1, c)), (max(0, c - 1), c - max(0, c - 1))] for c in cuts]
    return first + [[(max(0, c - 1), max(0, c - 1) - c + 1), (min(1, c), min(1, c) - c + 1)] for c in cuts]


_HEAD = polar(0.5, 0.3, 0.3, 0.27, lambda a, t: 0.45 + 0.55 * abs(math.sin(2.5 * a)), n=150)

DOODLES = {
    "smiley": [arc(0.5, 0.5, 0.45, 0.45, -90, -445), [(0.35, 0.33), (0.35, 0.4)], [(0.65, 0.33), (0.65, 0.4)],
               arc(0.5, 0.55, 0.24, 0.2, 20, 160)],
    "heart": [[(0.5, 0.28)] + arc(0.3, 0.28, 0.2, 0.2, 0, -180) + [(0.15, 0.55), (0.32, 0.78), (0.5, 1),
                                                                     (0.68, 0.78), (0.85, 0.55)]
              + arc(0.7, 0.28, 0.2, 0.2, 0, -180)],
    "star": [regular(0.5, 0.53, 0.5, 5, step=2)],
    "house": [[(0.15, 0.45), (0.15, 1), (0.85, 1), (0.85, 0.45), (0.15, 0.45)], [(0.08, 0.5), (0.5, 0.05), (0.92, 0.5)],
              [(0.42, 1), (0.42, 0.72), (0.58, 0.72), (0.58, 1)]],
    "sun": [arc(0.5, 0.5, 0.22, 0.22, -90, -450)]
    + [[(0.5 + r0 * math.cos(math.radians(a)), 0.5 + r0 * math.sin(math.radians(a))) for r0 in (0.3, 0.48)]
       for a in range(-90, 270, 45)],
    "spiral": [polar(0.5, 0.5, 0.5, 0.5, lambda a, t: 0.05 + 0.95 * t, turns=3, start=0, n=160)],
    "arrow": [[(0.05, 0.5), (0.95, 0.5)], [(0.72, 0.28), (0.95, 0.5), (0.72, 0.72)]],
    "cloud": [[(x, min(y, 0.7)) for x, y in polar(0.5, 0.5, 0.45, 0.32, lambda a, t: 0.75 + 0.3 * abs(math.sin(3.5 * a)),
                                                  start=90, n=140)]],
    "flower": [_HEAD, [(0.5, 0.58), (0.5, 1)], [(0.5, 0.88), (0.68, 0.7), (0.88, 0.64), (0.76, 0.8), (0.5, 0.88)],
               [(0.5, 0.8), (0.32, 0.66), (0.12, 0.6), (0.24, 0.76), (0.5, 0.8)]],
    "tree": [[(0.5, 0), (0.2, 0.35), (0.38, 0.35), (0.12, 0.7), (0.88, 0.7), (0.62, 0.35), (0.8, 0.35), (0.5, 0)],
             [(0.43, 0.7), (0.43, 1), (0.57, 1), (0.57, 0.7)]],
    "fish": [[(0.7, 0.5)] + arc(0.4, 0.5, 0.32, 0.28, 0, -180)[1:] + arc(0.4, 0.5, 0.32, 0.28, 180, 0)[1:]
             + [(0.95, 0.25), (0.95, 0.75), (0.7, 0.5)], [(0.24, 0.42), (0.25, 0.44)]],
    "zigzag": [[(0.125 * k, 0.3 if k % 2 == 0 else 0.7) for k in range(9)]],
    "wave": [[(t / 60, 0.5 - 0.2 * math.sin(2 * math.pi * 2.5 * t / 60)) for t in range(61)]],
    "scribble": scribble,
    "cross-hatch": cross_hatch,
    "question mark": [arc(0.5, 0.28, 0.3, 0.23, 190, 420) + [(0.5, 0.55), (0.5, 0.72)], [(0.5, 0.93), (0.5, 0.95)]],
    "at sign": [arc(0.5, 0.5, 0.15, 0.17, -40, -400) + [(0.65, 0.66), (0.8, 0.62)]
                + arc(0.5, 0.5, 0.42, 0.42, 10, -300)],
    "ampersand": [[(0.9, 1.0), (0.3, 0.38)] + arc(0.45, 0.2, 0.15, 0.17, 140, -140)
                  + [(0.3, 0.5)] + arc(0.4, 0.75, 0.25, 0.24, -140, -320) + [(0.85, 0.55)]],
    "dollar sign": [arc(0.5, 0.3, 0.25, 0.2, -20, -270) + arc(0.5, 0.7, 0.25, 0.2, -90, 160)[1:], [(0.5, 0), (0.5, 1)]],
    "percent sign": [arc(0.22, 0.2, 0.14, 0.16, -90, -450), [(0.85, 0.05), (0.15, 0.95)],
                     arc(0.78, 0.8, 0.14, 0.16, -90, -450)],
}

SHAPES = {
    "triangle": [[(0.5, 0.05), (0.95, 0.9), (0.05, 0.9), (0.5, 0.05)]],
    "square": [[(0.1, 0.1), (0.1, 0.9), (0.9, 0.9), (0.9, 0.1), (0.1, 0.1)]],
    "rectangle": [[(0.0, 0.25), (0.0, 0.75), (1.0, 0.75), (1.0, 0.25), (0.0, 0.25)]],
    "diamond": [[(0.5, 0), (0.2, 0.5), (0.5, 1), (0.8, 0.5), (0.5, 0)]],
    "pentagon": [regular(0.5, 0.52, 0.48, 5)],
    "plus sign": [[(0.5, 0.1), (0.5, 0.9)], [(0.1, 0.5), (0.9, 0.5)]],
    "x mark": [[(0.1, 0.1), (0.9, 0.9)], [(0.9, 0.1), (0.1, 0.9)]],
    "hash": [[(0.4, 0.05), (0.3, 0.95)], [(0.72, 0.05), (0.62, 0.95)], [(0.08, 0.33), (0.95, 0.33)],
             [(0.05, 0.67), (0.92, 0.67)]],
    "check mark": [[(0.1, 0.55), (0.35, 0.9), (0.9, 0.1)]],
    "asterisk": [[(0.5, 0.05), (0.5, 0.95)], [(0.1, 0.27), (0.9, 0.73)], [(0.9, 0.27), (0.1, 0.73)]],
    "equals sign": [[(0.1, 0.35), (0.9, 0.35)], [(0.1, 0.65), (0.9, 0.65)]],
    "dash": [[(0.0, 0.5), (1.0, 0.5)]],
}
