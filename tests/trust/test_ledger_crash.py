"""Trust layer: the audit ledger after crashes, and with concurrent appenders.

Three ways to crash an append: cut the file at every byte offset of the last
record (and zero-fill it, as some file systems leave it); SIGKILL a writer
process at a chosen byte of its write (deterministic, seeded); and SIGKILL
a writer appending in a loop at whatever point it has reached. Each time
the ledger must either verify or report the torn tail with its offset,
`append` must refuse until `repair`, and `repair` must return exactly the
intact entries.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from upel.trust.ledger import LedgerError, TornTailError, append, load, repair, store

REPO = Path(__file__).resolve().parents[2]


def make(path: Path, n: int) -> Path:
    for i in range(n):
        append(path, "verify", {"i": i, "blob": bytes(range(i % 7)), "name": f"run-{i}"})
    return path


def check_crashed(path: Path, intact: bytes, n_intact: int) -> None:
    """`path` holds `intact` (a valid ledger of n_intact entries) plus maybe a torn tail."""
    data = path.read_bytes()
    assert data.startswith(intact)
    if data == intact:
        assert load(path).size == n_intact
        assert repair(path) is None
        return
    with pytest.raises(TornTailError) as e:
        load(path)
    err = e.value
    assert (err.offset, err.index, err.removable) == (len(intact), n_intact, len(data) - len(intact))
    assert f"torn tail at byte offset {len(intact)}" in str(err) and f"entry {n_intact}" in str(err)
    with pytest.raises(LedgerError, match="refusing to append: .*torn tail"):
        append(path, "verify", {"after": "crash"})
    assert path.read_bytes() == data  # the refused append wrote nothing
    fixed = repair(path)
    assert (fixed.offset, fixed.removed, fixed.index, fixed.size) == \
           (len(intact), len(data) - len(intact), n_intact, n_intact)
    assert path.read_bytes() == intact
    assert load(path).size == n_intact


def test_truncation_at_every_byte_of_the_last_record(tmp_path):
    p = make(tmp_path / "l.ledger", 6)
    full = p.read_bytes()
    led = load(p)
    start = led.offsets[-1]
    intact = full[:start]
    for cut in range(start, len(full)):
        p.write_bytes(full[:cut])
        check_crashed(p, intact, 5)
    p.write_bytes(full)
    assert load(p).size == 6
    assert append(p, "verify", {"i": 6}) == 6  # an intact ledger takes appends again


def test_zero_filled_tails_are_torn_tails(tmp_path):
    # After a crash some file systems keep the new file size but not the
    # data: the record's place reads as zeros, wholly or from some byte on.
    p = make(tmp_path / "l.ledger", 4)
    full = p.read_bytes()
    start = load(p).offsets[-1]
    for k in range(start, len(full)):
        if full[k:] != bytes(len(full) - k):
            p.write_bytes(full[:k] + bytes(len(full) - k))
            check_crashed(p, full[:start], 3)
    p.write_bytes(full + bytes(100))  # zeros after a complete record
    check_crashed(p, full, 4)


def test_torn_header_cannot_happen_and_a_missing_one_is_not_repaired(tmp_path):
    p = make(tmp_path / "l.ledger", 1)
    data = p.read_bytes()
    p.write_bytes(data[:5])
    with pytest.raises(LedgerError, match="not a UPEL ledger"):
        repair(p)


WRITER = r"""
import os, signal, sys
from upel.trust.ledger import append, store
path, before, cut = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(before):
    append(path, "verify", {"i": i, "pad": "x" * (i * 13 % 50)})
real = store._write_all
def crashing(fd, data, offset):
    real(fd, data[:cut], offset)   # part of the record reaches the file...
    os.kill(os.getpid(), signal.SIGKILL)   # ...and the process dies before fsync
store._write_all = crashing
append(path, "verify", {"i": before, "pad": "y" * 40})
"""


def test_sigkill_in_the_middle_of_an_append(tmp_path):
    rng = random.Random(20240611)
    p = tmp_path / "k.ledger"
    expected = 0
    for _ in range(10):
        before = rng.randint(0, 3)
        cut = rng.randint(0, 80)
        r = subprocess.run([sys.executable, "-c", WRITER, str(p), str(before), str(cut)], cwd=REPO,
                           capture_output=True, text=True, timeout=60, check=False)
        assert r.returncode == -signal.SIGKILL, r.stderr
        expected += before
        led_bytes = p.read_bytes()
        # The `before` appends are durable; the crashed one left `cut` bytes.
        good = led_bytes[:len(led_bytes) - cut]
        assert store.parse(good, str(p)).size == expected
        check_crashed(p, good, expected)
    assert load(p).size == expected


LOOPER = r"""
import sys
from upel.trust.ledger import append
path = sys.argv[1]
i = 0
while True:
    n = append(path, "verify", {"i": i, "text": "z" * 200})
    print(n, flush=True)
    i += 1
"""


def test_sigkill_an_appending_loop_at_arbitrary_points(tmp_path):
    rng = random.Random(7)
    p = tmp_path / "loop.ledger"
    for _ in range(5):
        proc = subprocess.Popen([sys.executable, "-c", LOOPER, str(p)], cwd=REPO, stdout=subprocess.PIPE, text=True)
        seen = -1
        for _ in range(rng.randint(1, 15)):  # no sleeps: kill after a random number of reported appends
            seen = int(proc.stdout.readline())
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
        try:
            led = load(p)
        except TornTailError as e:
            fixed = repair(p)
            assert fixed.offset == e.offset and fixed.size == e.index
            led = load(p)
        # Every append that returned is there; at most the one in flight was lost.
        assert led.size >= seen + 1
        assert [led.entry(i)["index"] for i in range(led.size)] == list(range(led.size))


APPENDER = r"""
import sys
from upel.trust.ledger import append
path, who, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for i in range(n):
    append(path, "verify", {"who": who, "i": i})
"""


def test_concurrent_appenders_never_interleave(tmp_path):
    p = tmp_path / "c.ledger"
    procs = [subprocess.Popen([sys.executable, "-c", APPENDER, str(p), f"w{w}", "25"], cwd=REPO)
             for w in range(4)]
    assert [q.wait(timeout=120) for q in procs] == [0, 0, 0, 0]
    led = load(p)
    assert led.size == 100
    seen = {}
    for i in range(100):
        e = led.entry(i)["payload"]
        assert seen.get(e["who"], -1) == e["i"] - 1  # each writer's entries in its own order
        seen[e["who"]] = e["i"]
    assert not [f for f in os.listdir(tmp_path) if f != "c.ledger"]  # no temp files left
