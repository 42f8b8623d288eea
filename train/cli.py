"""What the command-line tools share: one-line errors, flag types, and the repository's paths."""
import argparse
import math
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_WEIGHTS = os.path.join(REPO, "weights")
DEFAULT_RUNS = os.path.join(REPO, "runs")


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad flag is one line on stderr (no usage block) and exit status 2."""

    def error(self, message):
        sys.stderr.write("%s: error: %s (see --help)\n" % (self.prog, message))
        sys.exit(2)


class Bounded:
    """A flag type: a number of ``kind`` (int or float) in a closed or half-open range.

    Calling it parses a flag's text; ``accepts`` checks a value that is already a number (a
    checkpoint's config). ``range`` is the interval as the messages and --help show it.
    Every float flag has both bounds: an unbounded one lets 1e308 through, which makes inf downstream.
    An int may leave ``high`` None (no upper bound), as the benchmarks' counts do.
    """

    def __init__(self, kind, low, high, low_open=False, high_open=False):
        assert high is not None or kind is int, "a float flag needs an upper bound"
        self.kind, self.low, self.high, self.low_open, self.high_open = kind, low, high, low_open, high_open
        self.range = "%s%s, %s%s" % ("(" if low_open else "[", self._show(low),
                                     "inf" if high is None else self._show(high), ")" if high_open else "]")
        # argparse names the type in some of its own messages
        self.__name__ = "an integer in %s" % self.range if kind is int else "a number in %s" % self.range

    @staticmethod
    def _show(bound):
        return "%d" % bound if float(bound).is_integer() else "%g" % bound

    def accepts(self, value):
        if isinstance(value, bool) or not isinstance(value, (int, float) if self.kind is float else int):
            return False
        if math.isnan(value):  # NaN compares false to everything, so say no before comparing
            return False
        above_low = value > self.low if self.low_open else value >= self.low
        if self.high is None:
            return above_low
        below_high = value < self.high if self.high_open else value <= self.high
        return above_low and below_high

    def __call__(self, text):
        try:
            value = self.kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError("%r is not %s" % (text, self.__name__))
        if not self.accepts(value):
            raise argparse.ArgumentTypeError("%r is not in %s" % (text, self.range))
        return value


def bounded(kind, low, high, low_open=False, high_open=False):
    return Bounded(kind, low, high, low_open, high_open)


positive_int = bounded(int, 1, None, high_open=True)


def fail(message, status=2):
    """Print one line to stderr and exit: the tools' way to refuse bad input without a traceback."""
    sys.stderr.write("error: %s\n" % message)
    sys.exit(status)
