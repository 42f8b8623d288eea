"""A whole handwritten number -> its digits, left to right: segmentation by recognition.

    pieces = read_number(strokes, model)    # strokes in canvas units, as lenet_py.strokes takes them
    "".join(str(int(p["probabilities"][:10].argmax())) for p in pieces)

The method is the heuristic over-segmentation of LeCun, Bottou, Bengio and Haffner, "Gradient-based
learning applied to document recognition", Proc. IEEE 86(11), 1998, Section V ("Multiple object
recognition: heuristic over-segmentation"): cut the ink at more places than there are boundaries,
let the recogniser score every piece between two cuts, and keep the best path through the resulting
segmentation graph, a path's cost being the sum of its pieces' penalties, found by the Viterbi
algorithm (Sections VI-VII). Here the ink is pen strokes:

1. Primitives. Every stroke is one, unless it may be two digits written without lifting the pen
   ("00", "11", a joined "23"); then it is also cut inside (``stroke_cuts``). Point k may be a cut if
   what comes before it and what comes after are nearly separable in x (max x[:k] - min x[k:] is at
   most OVERLAP of the stroke's height: the pen has moved on to the right for good), each side is at
   least SIDE as tall as the stroke, and one side rises and falls (holds a whole digit): without that
   last test every 0 drawn anticlockwise would be a "(" then a ")". In each stretch of such points
   the cuts are where they overlap least, and at the lowest and highest points, where a ligature
   starts or ends (lenet_py/cuts.py). Cutting too often is harmless: recognition decides.
2. Order. Primitives are sorted by the centre of their box in x. Boxes may overlap (a 7's bar
   reaching over the next digit, a slanted 1 leaning into a 0) and the centres still come in order;
   a digit of several strokes (a 4, a 5 with a separate flag, a crossed 7) is a run of consecutive
   primitives, its strokes' centres lying within its own span, even when a stroke is added last.
3. Candidates. Every run of 1..MAX_RUN consecutive primitives at most WIDEST times as wide as tall,
   leaving no stretch of x wider than GAP of its height between its primitives, is a candidate
   digit, drawn as strokes_to_mnist draws a digit (``draw`` does the same arithmetic, near the ink
   only and for all candidates at once, from paths thinned to about a point per pixel) and
   recognised in one batched forward pass (lenet_py/candidates.py; with a memo, only the candidates
   whose ink the last reading did not have). A number's digits keep those images and probabilities
   (drawing them again exactly changed 34 of 3,000 numbers' readings, 3 fewer right, and took a
   quarter of the time); one piece is drawn exactly: a digit alone gets the answer it gets by itself.
4. Costs. A candidate costs -log(its best digit's probability): the softmax includes the "not a
   digit" output, so two digits merged cost dear. The network reads many fragments as digits (a 4's
   upright as a 1, a 5's flag as a 1, half a 4 as a 6), so a candidate much shorter than the typical
   digit pays HEIGHT_COST per unit of log(shortfall), and one wider than WIDE of its height (two
   digits merged) WIDTH_COST per unit of log(excess).
   A dot may be left out for nothing, and so may a ligature (nearly straight ink between two cuts
   of one stroke, going right): a joined "11" is then "11" rather than "111", its ligature a 1.
5. Best path. Dynamic programming over the candidate runs, each as the last piece of a path, with
   the number of pieces as a second index, finds the cheapest path of at most max_digits pieces
   (lenet_py/paths.py; by the last piece, not the last boundary, because of the pair costs below).
   A piece the model is unsure of still fills a slot: the caller shows "?". But not a piece cut out
   of a stroke (given ``readable``): a stroke is cut only on the guess that it is digits written
   without lifting the pen, and a piece of it that is no digit refutes the guess. Else a zigzag,
   each straight stroke a 1, is "111?"; now its stroke is cut elsewhere, or read whole when no path
   is left. But several strokes (not dots) are several figures, not one: with no path left it is
   read with such pieces as "?" (22524 with a ligature that is no digit: "2?524", not "not sure").
   Nor may two pieces follow each other when each one's centre lies within the other's width
   (``overlapping``): an X is not "11", and a number's digits hardly ever do that.
   Nor two pieces of one stroke that overlap in x by more than paths.JOINED_OVERLAP of the narrower's
   width: the pen went back, not on (756 real zeros in one stroke: 12 were "10", "60" or "17", now 2).

On 1,000 numbers of 2-6 real pen digits by held-out writers (bench/numbers.py, today's weights),
87.1% are read right and 95.8% of their digits; most errors are digits misread, not cuts (README,
"Whole numbers"). Six digits as the page sends them take 9-12 ms in CPython (2 cores, a slow hour).
"""
import collections

import numpy as np

from .candidates import Memo, draw, recognise, remembered  # noqa: F401 (draw: tests/test_segment.py)
from .model import NOT_A_DIGIT
from .preprocess import FIT
from .cuts import _ligature, stroke_cuts
from .paths import best_path, overlapping
from .strokes import MIN_EXTENT, PEN, _thin, check_strokes

# Chosen on numbers composed of real pen digits (scripts/pendigits.py) of the tuning writers only.
MAX_RUN = 4          # primitives in a candidate: 5 read no better and cost more
GAP = 0.2            # a candidate's strokes leave no gap in x wider than this share of its height: a
                     # digit's strokes overlap in x (the tuning writers' 2,499 digits leave at most 0.13).
                     # A dot between two strokes splits their gap, so a run with one may span 2 x GAP.
WIDEST = 2.0         # a run this many times wider than tall is two digits or more, never a candidate
SHORT, HEIGHT_COST = 0.8, 4.0   # shorter than SHORT times the typical digit: a fragment
WIDE, WIDTH_COST = 0.8, 4.0     # wider than WIDE times its height: two digits merged, or more
FLOOR = 1e-9         # the least probability a candidate is given: a dot (probability 0) costs 20.7
PIECE_COST = 0.05    # every piece pays this: of two readings both near certain, the one with fewer
                     # digits wins (a slashed 0 is a 0, not its slash read as a 1 beside a 0)
COARSE = 1.0         # pixels along the path between the points a candidate is drawn from (the answer: 0.1)


def primitives(strokes, typical, recall):
    """[(n, 2)] checked strokes, a typical digit's height, a Memo's recall -> (primitives left to right,
    each a list of (stroke, first, last) point ranges (inclusive; the two primitives on either side of a
    cut share the cut point), their boxes (P, 4) [x0, y0, x1, y1])."""
    prims = []
    for s, points in enumerate(strokes):
        cuts = recall(("cuts", points.tobytes(), typical), lambda: stroke_cuts(points, typical))
        bounds = [0] + cuts + [len(points) - 1]
        prims += [[(s, a, b)] for a, b in zip(bounds[:-1], bounds[1:])]
    boxes = np.array([np.concatenate(_box(ink(strokes, p))) for p in prims]).reshape(-1, 4)
    order = np.argsort(boxes[:, 0] + boxes[:, 2], kind="stable")      # by the centre in x
    return [prims[k] for k in order], boxes[order]


def _coarse(points):
    """(m, 2) ink of a primitive -> its path thinned to a point every COARSE pixels of the primitive drawn
    alone, the smallest candidate it is in."""
    return _thin(points, COARSE * max(float(np.ptp(points, axis=0).max()), MIN_EXTENT) / (FIT - PEN))


def ink(strokes, parts):
    """Checked strokes, a primitive or piece ((stroke, first, last) ranges) -> its ink as [(m, 2)] arrays."""
    return [strokes[s][a:b + 1] for s, a, b in parts]


def _box(points):
    """[(m, 2)] -> (low (2,), high (2,)) of the ink's bounding box."""
    allpoints = np.concatenate(points)
    return allpoints.min(axis=0), allpoints.max(axis=0)


def widest_gap(rows):
    """Boxes [[x0, y0, x1, y1], ...] -> the widest stretch of x that lies between them and none covers."""
    gap, right = 0.0, None
    for x0, _, x1, _ in sorted(rows, key=lambda row: row[0]):
        gap, right = (gap, x1) if right is None else (max(gap, x0 - right), max(right, x1))
    return gap


def candidate_pieces(boxes):
    """Boxes (P, 4) of the primitives in order -> ([(i, j)]: the runs prims[i:j] (j - i <= MAX_RUN) that
    may be one digit, (C, 4) their boxes). In plain floats: a number has dozens of runs, and a NumPy
    call on four numbers costs more than the arithmetic (in the browser, ten times more)."""
    runs, run_boxes, rows = [], [], boxes.tolist()
    for i in range(len(rows)):
        x0, y0, x1, y1 = rows[i]
        for j in range(i + 1, min(i + MAX_RUN, len(rows)) + 1):
            a0, b0, a1, b1 = rows[j - 1]
            x0, y0, x1, y1 = min(x0, a0), min(y0, b0), max(x1, a1), max(y1, b1)
            height = max(y1 - y0, MIN_EXTENT)
            if j - i == 1 or (x1 - x0 <= WIDEST * height and widest_gap(rows[i:j]) <= GAP * height):
                runs.append((i, j))
                run_boxes.append((x0, y0, x1, y1))
    return runs, np.array(run_boxes, dtype=np.float64).reshape(-1, 4)


def fragments(prims, runs):
    """(C,) bool: the candidate runs that hold some of a stroke's primitives but not all of them: pieces
    cut out of a stroke, which must be readable digits (see 5. above)."""
    stroke_of = _strokes_of(prims)
    whole = collections.Counter(stroke_of)
    return np.array([any(n < whole[s] for s, n in collections.Counter(stroke_of[i:j]).items()) for i, j in runs], bool)


def continues(prims, runs):
    """-> joined(c, d) for paths.overlapping: whether candidate runs c and d hold pieces of one stroke,
    which is then cut inside between them (each primitive is a stretch of one stroke)."""
    strokes = [set(_strokes_of(prims[i:j])) for i, j in runs]
    return lambda c, d: not strokes[c].isdisjoint(strokes[d])


def _strokes_of(prims):
    """-> the stroke each primitive is a stretch of."""
    return [p[0][0] for p in prims]


def typical_height(strokes):
    """[(n, 2)] -> a typical digit's height: the median of the strokes' heights weighted by their
    length, so that a 5's flag or a 7's bar (short both ways) hardly counts."""
    heights = np.array([np.ptp(p[:, 1]) for p in strokes])
    lengths = np.array([np.sqrt((np.diff(p, axis=0) ** 2).sum(axis=1)).sum() for p in strokes]) + 1e-9
    order = np.argsort(heights)
    along = np.cumsum(lengths[order])
    return max(float(heights[order][np.searchsorted(along, along[-1] / 2.0)]), MIN_EXTENT)


def shape_costs(run_boxes, typical):
    """(C, 4) boxes of the candidate runs, a typical digit's height -> (C,) what each pays for a shape few
    digits have: much shorter than the typical digit (a fragment) or wider than tall (two digits merged)."""
    h = np.maximum(run_boxes[:, 3] - run_boxes[:, 1], 1e-3 * typical)
    w = np.maximum(run_boxes[:, 2] - run_boxes[:, 0], 1e-3 * typical)
    return (HEIGHT_COST * np.maximum(0.0, np.log(SHORT * typical / h)) +
            WIDTH_COST * np.maximum(0.0, np.log(w / h / WIDE)))


def read_number(strokes, model, max_digits=8, readable=None, memo=None):
    """Strokes of a number (as check_strokes accepts) -> one dict per digit, left to right:

    {"strokes": [[stroke, first point, last point], ...] (inclusive ranges of the input's points; dots
     and ligatures left out belong to no digit), "box": [x0, y0, x1, y1] of that ink in canvas units,
     "image": (28, 28) float 0..255 as strokes_to_mnist draws it (exactly for a drawing read as one
     piece; a number's digits from their thinned paths, see 3. above), "probabilities": (11,) float64,
     the ten digits and "not a digit", which is 1 for a dot}. No strokes -> []. A drawing that no path
    of at most max_digits pieces covers (only dots, or too many strokes) comes back as one piece.
    readable: probabilities (C, 11) -> (C,) bool, whether the caller would name a digit (see 5. above).
    memo: a lenet_py.candidates.Memo kept from one reading of the drawing to the next (the same answers, to
    float32 rounding); None: a new one, which remembers nothing."""
    strokes = check_strokes(strokes)
    if max_digits < 1:
        raise ValueError("max_digits must be at least 1, not %r" % (max_digits,))
    if not strokes:
        return []
    memo = memo if memo is not None else Memo()
    typical, recall = typical_height(strokes), memo.reading(model)
    prims, boxes = primitives(strokes, typical, recall)
    skippable = [max(x1 - x0, y1 - y0) < MIN_EXTENT   # a dot
                 or 0 < p[0][1] and p[0][2] < len(strokes[p[0][0]]) - 1 and _ligature(ink(strokes, p)[0])
                 for p, (x0, y0, x1, y1) in zip(prims, boxes.tolist())]
    path = None   # one primitive (one stroke, uncut) has one reading: drawn exactly below, and only there
    if 1 < len(prims) and len(prims) - sum(skippable) <= MAX_RUN * max_digits:
        runs, run_boxes = candidate_pieces(boxes)
        # Candidates are drawn from their primitives' paths thinned once to a point every COARSE pixels
        # (in the smallest candidate): the same image to a few grey levels, at a fraction of the cost.
        thin = [[recall(("thin", q.tobytes()), lambda: _coarse(q)) for q in ink(strokes, p)] for p in prims]
        # A candidate's ink: its thinned paths' bytes, one per path (float64 (m, 2) from check_strokes).
        keys = [tuple(q.tobytes() for q in sum(thin[i:j], [])) for i, j in runs]
        drawn, probabilities = remembered([sum(thin[i:j], []) for i, j in runs], keys, model, memo)
        costs = -np.log(np.maximum(probabilities[:, :NOT_A_DIGIT].max(axis=1), FLOOR)) + PIECE_COST
        costs = costs + shape_costs(run_boxes, typical)
        costs[np.isnan(costs)] = np.inf      # a model whose weights went bad reads nothing
        pairs = overlapping(run_boxes, continues(prims, runs))
        refuted = fragments(prims, runs) & ~np.asarray(readable(probabilities), bool) if readable else False
        path = best_path(len(prims), runs, np.where(refuted, np.inf, costs), skippable, max_digits, pairs)
        several = len({s for s, skip in zip(_strokes_of(prims), skippable) if not skip}) > 1   # dots aside
        if path is None and np.any(refuted) and several:   # then refuted pieces are "?" (5. above)
            path = best_path(len(prims), runs, costs, skippable, max_digits, pairs)
    chosen = [sum(prims[runs[c][0]:runs[c][1]], []) for c in path] if path else [
        [(s, 0, len(points) - 1) for s, points in enumerate(strokes)]]
    if path and len(path) > 1:   # a number: its pieces as the path chose them, drawn from the thinned paths
        return [_piece(strokes, parts, drawn[c].copy(), probabilities[c]) for parts, c in zip(chosen, path)]
    images, probabilities = recognise([ink(strokes, parts) for parts in chosen], model)   # exactly
    return [_piece(strokes, parts, image, p) for parts, image, p in zip(chosen, images, probabilities)]


def _piece(strokes, parts, image, probabilities):
    low, high = _box(ink(strokes, parts))
    merged = []
    for s, a, b in sorted(parts):   # a stroke's consecutive primitives in one digit make one range
        if merged and merged[-1][0] == s and merged[-1][2] == a:
            merged[-1][2] = b
        else:
            merged.append([s, a, b])
    return {"strokes": merged, "box": [float(low[0]), float(low[1]), float(high[0]), float(high[1])],
            "image": image, "probabilities": probabilities}
