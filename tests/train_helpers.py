"""What the training CLI tests share: running train/run.py and reading what it printed and wrote."""
import csv
import json
import os
import subprocess
import sys

from conftest import REPO

RUN = [sys.executable, os.path.join(REPO, "train", "run.py")]
SMALL = ["--train-images", "600", "--test-images", "300"]


def run(args, **kwargs):
    return subprocess.run(RUN + args, capture_output=True, text=True, timeout=300, cwd=REPO, **kwargs)


def history(run_dir):
    with open(os.path.join(run_dir, "history.csv")) as fh:
        return list(csv.DictReader(fh))


def only_line(result):
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def last_line(result):
    assert "Traceback" not in result.stderr, result.stderr
    return result.stderr.strip().splitlines()[-1]


def strict_json(text):
    def refuse(name):
        raise ValueError("%s in the checkpoint state" % name)
    return json.loads(text, parse_constant=refuse)


def current_umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask
