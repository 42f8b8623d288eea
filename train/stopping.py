"""Stopping a run early: Ctrl-C between two batches, and what to tell the user about what is kept."""
from contextlib import contextmanager

from train.folders import release_run_dir


class Interrupted(Exception):
    """Ctrl-C was pressed: training stops between two batches."""


class CtrlC:
    """SIGINT handler: the first Ctrl-C asks training to stop after the current batch (so it never
    lands inside a library call or a file write); a second one stops at once, except while the
    weights are being written (see deferred)."""

    def __init__(self):
        self.requested = False
        self.deferring = False

    def __call__(self, signum, frame):
        if self.requested and not self.deferring:
            raise KeyboardInterrupt
        self.requested = True

    def check(self):
        if self.requested:
            raise Interrupted

    @contextmanager
    def deferred(self):
        """No KeyboardInterrupt inside: the weights are renamed into place in two steps, and
        stopping between them would leave --out missing with the new weights unwritten."""
        self.deferring = True
        try:
            yield
        finally:
            self.deferring = False


class Progress:
    """How far a run got, for the message when it stops early."""

    def __init__(self):
        self.run_dir, self.created = None, False  # set once the run folder is claimed
        self.epoch = self.done = 0                # the epoch under way (0-based) and the last one checkpointed
        self.finishing = False                    # all epochs done: evaluating, plotting, writing the weights

    def where(self):
        if self.finishing:
            return "after the last epoch, before the weights were written"
        if self.run_dir is None:
            return "before training started"
        return "during epoch %d" % (self.epoch + 1) + ("" if self.done else ", before any checkpoint")

    def kept(self, hint=True):
        """What is left to go on from; a run stopped before its first checkpoint leaves nothing."""
        if not self.done:
            if self.run_dir:
                release_run_dir(self.run_dir, self.created)
            return "nothing was written"
        kept = "the checkpoint of epoch %d is kept in %s" % (self.done, self.run_dir)
        if not hint:
            return kept
        return "%s. %s with: python train/run.py --resume %s" % (
            kept, "Finish" if self.finishing else "Continue", self.run_dir)
