"""lenet_py/paths.py: the cheapest path through a segmentation graph, against every path enumerated."""
import math

import numpy as np
import pytest

from lenet_py.paths import best_path, overlapping


def every_path(n_prims, runs, costs, skippable, max_digits, pair_costs):
    """The slow, obviously right answer: the least cost over every way of covering the primitives
    with runs and skips, or inf when there is none."""
    def walk(j, last, pieces, cost):
        if j == n_prims:
            return cost
        best = walk(j + 1, last, pieces, cost) if skippable[j] else math.inf
        for c, (i, k) in enumerate(runs):
            if i == j and pieces < max_digits:
                step = costs[c] + (pair_costs(last, c) if last is not None else 0.0)
                best = min(best, walk(k, c, pieces + 1, cost + step))
        return best
    return walk(0, None, 0, 0.0)


def cost_of(path, runs, costs, skippable, pair_costs):
    """The cost of a path best_path returned, checking that it covers every primitive that may not be skipped."""
    covered = set()
    for c in path:
        covered.update(range(*runs[c]))
    assert all(skippable[j] for j in range(len(skippable)) if j not in covered)
    assert all(runs[c][1] <= runs[d][0] for c, d in zip(path, path[1:]))             # left to right, no overlap
    return sum(costs[c] for c in path) + sum(pair_costs(c, d) for c, d in zip(path, path[1:]))


@pytest.mark.parametrize("seed", range(300))
def test_the_cheapest_path_is_the_cheapest_of_all(seed):
    rng = np.random.default_rng(seed)
    n_prims = int(rng.integers(1, 7))
    runs = [(i, j) for i in range(n_prims) for j in range(i + 1, min(i + 3, n_prims) + 1) if rng.random() < 0.8]
    costs = [math.inf if rng.random() < 0.1 else float(rng.exponential()) for _ in runs]
    skippable = [bool(rng.random() < 0.25) for _ in range(n_prims)]
    max_digits = int(rng.integers(1, 5))
    forbidden = {(int(a), int(b)) for a, b in rng.integers(0, max(len(runs), 1), (3, 2))}
    pair_costs = lambda c, d: math.inf if (c, d) in forbidden else 0.1 * ((c + d) % 3)    # noqa: E731
    expected = every_path(n_prims, runs, costs, skippable, max_digits, pair_costs)
    path = best_path(n_prims, runs, costs, skippable, max_digits, pair_costs)
    if all(skippable):
        assert path == []
    elif expected == math.inf:
        assert path is None
    else:
        assert len(path) <= max_digits
        assert cost_of(path, runs, costs, skippable, pair_costs) == pytest.approx(expected)


def test_edge_cases():
    assert best_path(2, [(0, 2)], [1.0], [True, True], 3) == []             # only dots: no piece
    assert best_path(2, [(0, 1)], [1.0], [False, False], 3) is None         # the second primitive uncovered
    assert best_path(3, [(1, 2)], [1.0], [True, False, True], 1) == [0]     # skipped at both ends
    assert best_path(2, [(0, 1), (1, 2), (0, 2)], [0.1, 0.1, 5.0], [False] * 2, 1) == [2]    # one digit at most
    assert best_path(2, [(0, 1), (1, 2), (0, 2)], [0.1, 0.1, 5.0], [False] * 2, 2) == [0, 1]
    never = lambda c, d: math.inf    # noqa: E731
    assert best_path(2, [(0, 1), (1, 2), (0, 2)], [0.1, 0.1, 5.0], [False] * 2, 2, never) == [2]
    assert best_path(2, [(0, 1), (1, 2)], [0.1, 0.1], [False] * 2, 2, never) is None
    assert best_path(2, [(0, 1), (1, 2), (0, 2)], [1.0, 1.0, 2.0], [False] * 2, 2) == [2]   # a tie: fewer pieces


def test_overlapping_forbids_only_pieces_each_centred_within_the_other():
    boxes = np.array([[0.0, 0, 1.0, 1],      # 0: a digit
                      [0.1, 0, 0.9, 1],      # 1: across 0: each centre within the other
                      [1.2, 0, 2.0, 1],      # 2: beside 0
                      [0.8, 0, 0.85, 1]])    # 3: a 1 under 0's bar: its centre within 0, not 0's within it
    cost = overlapping(boxes)
    assert cost(0, 1) == cost(1, 0) == float("inf")
    assert cost(0, 2) == cost(0, 3) == cost(3, 2) == 0.0


def test_two_pieces_of_one_stroke_must_not_overlap_much_in_x():
    """A stroke is cut inside only on the guess that the pen moved on to the next digit; two of its
    pieces overlapping by more than JOINED_OVERLAP of the narrower one's width say it went back."""
    from lenet_py.paths import JOINED_OVERLAP
    narrow = 0.2
    boxes = np.array([[0.0, 0, narrow, 1],                                   # 0: a narrow piece
                      [narrow * (1 - 1.2 * JOINED_OVERLAP), 0, 1.0, 1],      # 1: overlaps it by 1.2x the share
                      [narrow * (1 - 0.8 * JOINED_OVERLAP), 0, 1.0, 1]])     # 2: by 0.8x the share
    one_stroke = overlapping(boxes, lambda c, d: True)
    assert one_stroke(0, 1) == float("inf") and one_stroke(0, 2) == 0.0
    two_strokes = overlapping(boxes, lambda c, d: False)      # a 1 under a 7's bar: boxes of separate
    assert two_strokes(0, 1) == two_strokes(0, 2) == 0.0      # strokes may overlap
    assert overlapping(boxes)(0, 1) == 0.0
