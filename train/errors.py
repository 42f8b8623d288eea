"""The training tools' own refusals. Each str() is one line for the user; the command-line tools
print these and nothing else as "error:" lines, so a bug still ends in a traceback.

    TrainError          the common base
      DataError         MNIST files that cannot be used (train/data.py)
      CheckpointError   a checkpoint, or a run to resume, that cannot be used
      RunFolderError    a --run-dir or --out that a run may not write to
      ConfigError       settings that contradict each other
"""


class TrainError(Exception):
    """Input the training tools refuse; str() is a one-line reason naming the file or flag."""


class CheckpointError(TrainError):
    """A checkpoint that cannot be resumed from: missing, damaged, edited, or other settings."""


class RunFolderError(TrainError):
    """A run folder or weights folder (--out) that the run may not claim or write."""


class ConfigError(TrainError):
    """Settings that cannot go together, such as SDLM with momentum."""
