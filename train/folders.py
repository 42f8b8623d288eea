"""Where a run writes: its own run folder, claimed so that no two runs share one, and --out,
checked before training so that a bad place fails in a second instead of after the last epoch."""
import json
import os
import tempfile
import time

from lenet_py.manifest import MANIFEST, WeightsError, read_manifest
from train.checkpoint import CHECKPOINT
from train.errors import RunFolderError

RUN_FILE = "run.json"  # created exclusively: whoever creates it owns the folder


def _reason(exc):
    return (exc.strerror or str(exc)).lower()


def _claim(run_dir, record):
    """Create run.json or raise FileExistsError. O_EXCL makes this atomic: of two runs racing for
    one folder, exactly one wins, which a check before writing could not promise."""
    fd = os.open(os.path.join(run_dir, RUN_FILE), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    with os.fdopen(fd, "w") as fh:
        json.dump(dict(record, started=time.strftime("%Y-%m-%d %H:%M:%S")), fh, indent=2, allow_nan=False)
        fh.write("\n")


def taken_message(run_dir):
    return ("%s already holds a run; pass --resume %s to continue it, or choose another --run-dir"
            % (run_dir, run_dir))


# What a run writes in its folder: a folder holding any of them holds a run (one from before
# run.json existed has no run.json), and a new run would overwrite it.
RUN_FILES = (RUN_FILE, CHECKPOINT, "history.csv", "learning_curves.png", "confusion_matrix.png", "replaced-weights")


def refuse_taken(run_dir):
    """The quick early check; claim_run_dir is the one that settles a race."""
    if os.path.lexists(run_dir) and not os.path.isdir(run_dir):
        raise RunFolderError("--run-dir %s: a file, not a folder" % run_dir)
    if any(os.path.lexists(os.path.join(run_dir, name)) for name in RUN_FILES):
        raise RunFolderError(taken_message(run_dir))


def claim_run_dir(run_dir, runs_root, record):
    """(run folder, whether it was created here), now owned by this run.

    run_dir None: a new runs_root/<date-time> folder, with -2, -3, ... when that second is taken.
    Otherwise run_dir itself, created if needed, refused if another run holds it.
    """
    try:
        if run_dir is None:
            os.makedirs(runs_root, exist_ok=True)
            stamp = os.path.join(runs_root, time.strftime("%Y%m%d-%H%M%S"))
            for number in range(1, 10000):
                path = stamp if number == 1 else "%s-%d" % (stamp, number)
                try:
                    os.mkdir(path)  # mkdir fails if the folder exists: no window between check and create
                    _claim(path, record)
                    return path, True
                except FileExistsError:
                    continue
            raise RunFolderError("%s: no free run folder name for this second" % stamp)
        created = False
        try:
            os.makedirs(run_dir)
            created = True
        except FileExistsError:
            if not os.path.isdir(run_dir):
                raise RunFolderError("--run-dir %s: a file, not a folder" % run_dir)
        refuse_taken(run_dir)
        try:
            _claim(run_dir, record)
        except FileExistsError:
            raise RunFolderError(taken_message(run_dir))
        return run_dir, created
    except OSError as exc:
        raise RunFolderError("cannot create the run folder %s (%s)" % (exc.filename or run_dir or runs_root, _reason(exc)))


def release_run_dir(run_dir, created):
    """Undo claim_run_dir for a run that stopped before its first checkpoint: nothing stays behind."""
    try:
        os.remove(os.path.join(run_dir, RUN_FILE))
        if created:
            os.rmdir(run_dir)
    except OSError:
        pass  # something else was put there meanwhile: leave it


def _nearest_existing(path):
    while not os.path.lexists(path):
        path = os.path.dirname(path)
    return path


def _inside(path, folder):
    return os.path.commonpath([path, folder]) == folder


def is_weights_folder(folder):
    """True for a folder with a lenet_py manifest: a web app's manifest.json is not one."""
    try:
        read_manifest(folder)
        return True
    except WeightsError:
        return False


def check_out(out, run_dir):
    """Refuse an --out that saving the weights would fail on, or that it would harm.

    The weights are written into a temporary folder beside ``out`` and renamed into place, and a
    folder already at ``out`` is moved into the run folder. So ``out`` must be a weights folder or
    an empty or new one, its parent must take new folders, and the run folder must be outside it
    and on the same file system. run_dir need not exist yet.
    """
    out, run_dir = os.path.realpath(out), os.path.realpath(run_dir)
    if _inside(run_dir, out):
        raise RunFolderError("--out %s: %s the run folder %s; the weights must go elsewhere"
                        % (out, "is" if out == run_dir else "contains", run_dir))
    if os.path.lexists(out):
        if not os.path.isdir(out):
            raise RunFolderError("--out %s: a file, not a folder" % out)
        try:
            entries = os.listdir(out)
        except OSError as exc:
            raise RunFolderError("--out %s: cannot read it (%s)" % (out, _reason(exc)))
        if entries and not is_weights_folder(out):
            raise RunFolderError("--out %s: a folder that is not a weights folder (no lenet_py %s); writing the weights "
                            "would move it into the run folder, so choose another --out" % (out, MANIFEST))
        if os.stat(out).st_dev != os.stat(_nearest_existing(run_dir)).st_dev:
            raise RunFolderError("--out %s: on another file system than the run folder %s, so the weights it holds "
                            "could not be moved there; choose a --run-dir beside it" % (out, run_dir))
    parent = _nearest_existing(os.path.dirname(out))
    if not os.path.isdir(parent):
        raise RunFolderError("--out %s: %s is a file, not a folder" % (out, parent))
    try:
        # Saving creates a temporary folder here; creating one now is the only sure test
        # (permissions, read-only mounts, /proc and ACLs all answer it).
        os.rmdir(tempfile.mkdtemp(prefix=".lenet-out-check-", dir=parent))
    except OSError as exc:
        raise RunFolderError("--out %s: cannot write in %s (%s)" % (out, parent, _reason(exc)))
