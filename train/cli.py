"""What the command-line tools share: one-line errors, flag types, and the repository's paths."""
import argparse
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


def _number(kind, test, what):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError("%r is not %s" % (text, what))
        if not test(value):
            raise argparse.ArgumentTypeError("%r is not %s" % (text, what))
        return value
    parse.__name__ = what  # argparse names the type in some messages
    return parse


positive_int = _number(int, lambda v: v > 0, "a positive integer")
non_negative_int = _number(int, lambda v: v >= 0, "a non-negative integer")
positive_float = _number(float, lambda v: v > 0 and v != float("inf"), "a positive number")
non_negative_float = _number(float, lambda v: 0 <= v < float("inf"), "a non-negative number")
fraction = _number(float, lambda v: 0 <= v < 1, "a number in [0, 1)")
unit_interval = _number(float, lambda v: 0 < v <= 1, "a number in (0, 1]")


def fail(message, status=2):
    """Print one line to stderr and exit: the tools' way to refuse bad input without a traceback."""
    sys.stderr.write("error: %s\n" % message)
    sys.exit(status)
