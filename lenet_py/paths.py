"""The cheapest path through a number's segmentation graph: step 5 of lenet_py/segment.py (its docstring
says why), in its own file to keep segment.py short. Plain Python floats throughout: a few dozen
candidate runs and at most eight digits, where each NumPy call would cost more than its arithmetic
(in the browser, ten times more)."""


# Chosen on the tuning writers' digits and numbers (their numbers read right 85.8% without the rule; 0 to 0.9
# tried with an earlier, narrower test of "one stroke": 84.8% at 0, 86.1% at 0.3, 85.8% at 0.9; with the
# test as it is, 86.2% at 0.3; see lenet_py/segment.py, 5.)
JOINED_OVERLAP = 0.3   # two pieces of one stroke overlap in x by at most this share of the narrower's width


def overlapping(run_boxes, joined=None):
    """(C, 4) boxes of the candidate runs -> pair_costs for best_path: two pieces one after the other
    whose centres each lie within the other's width are one figure, not two digits side by side (an X
    is not "11"); the digits of a number hardly ever do that (see lenet_py/segment.py, 5.). Nor are two
    pieces cut out of one stroke (joined(c, d): pieces c and d hold parts of one stroke) that
    overlap in x by more than JOINED_OVERLAP of the narrower one's width: the pen went back, not on
    to the next digit (a 0 drawn in one stroke is not "10")."""
    rows = run_boxes.tolist()

    def cost(c, d):
        (a0, _, a1, _), (b0, _, b1, _) = rows[c], rows[d]
        if a0 <= (b0 + b1) / 2.0 <= a1 and b0 <= (a0 + a1) / 2.0 <= b1:
            return float("inf")
        narrower = min(a1 - a0, b1 - b0)
        if joined is not None and min(a1, b1) - max(a0, b0) > JOINED_OVERLAP * narrower and joined(c, d):
            return float("inf")
        return 0.0
    return cost


def best_path(n_prims, runs, costs, skippable, max_digits, pair_costs=None):
    """-> indices into ``runs`` of the cheapest segmentation, left to right, at most max_digits of them,
    or None if there is none ([] if every primitive may be skipped). A skippable primitive may be
    crossed for nothing, making no piece. pair_costs(c, d) -> what piece d pays for following piece c.
    best[d][n - 1]: the least cost of n pieces, the last runs[d], covering the primitives up to its
    end."""
    inf, ending = float("inf"), {}
    for c, (i, j) in enumerate(runs):
        ending.setdefault(j, []).append(c)
    reach = [0] * (n_prims + 1)       # reach[j]: the first primitive of the skippable stretch ending at j
    for j in range(1, n_prims + 1):
        reach[j] = reach[j - 1] if skippable[j - 1] else j
    best, came = [[inf] * max_digits for _ in runs], [[-1] * max_digits for _ in runs]
    for d in sorted(range(len(runs)), key=lambda c: runs[c][1]):
        start, cost = runs[d][0], float(costs[d])
        if reach[start] == 0:
            best[d][0] = cost
        for j in range(reach[start], start + 1):          # the pieces it may follow end in that stretch
            for c in ending.get(j, ()):
                extra = cost + (pair_costs(c, d) if pair_costs else 0.0)
                for n in range(1, max_digits):
                    if best[c][n - 1] + extra < best[d][n]:
                        best[d][n], came[d][n] = best[c][n - 1] + extra, c
    if reach[n_prims] == 0:
        return []
    finals = [(best[c][n], n, c) for j in range(reach[n_prims], n_prims + 1) for c in ending.get(j, ())
              for n in range(max_digits)]     # of equal costs, the fewest pieces
    if not finals or min(finals)[0] == inf:
        return None
    _, n, c = min(finals)
    path = []
    while c >= 0:
        path.append(c)
        c, n = came[c][n], n - 1
    return path[::-1]
