"""Damaged copies of real files: never a traceback, and ``info`` agrees with iteration.

250 mutants (fixed seed) of shared files shortened to a few events are written to a
temporary folder: truncations at random offsets, flipped bits, zeroed blocks, dropped,
duplicated and swapped top-level objects, a big-endian marker, a damaged length field,
concatenated runs, truncated and damaged gzip/zstd streams. On each, ``info``'s description,
a full iteration and (on a third of them) random access to every event run, all mutants in
one child process, so that a crash of eventio's compiled parsers would fail a test instead
of killing the run: each ends with success or a typed error naming the file on one line;
where both succeed, ``info`` and iteration count the same events. A sample runs the
``ctaviewer info`` command: exit 0, or exit 2 with one error line naming the file, and no
traceback.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

from ctaviewer.errors import (
    CtaviewerError,
    DamagedFileWarning,
    InputFileError,
    TrailingDataWarning,
    TruncatedFileWarning,
)

from .conftest import simtel

# ~30 s of CPU (250 mutants), more than a minute of wall time on a busy 2-core machine
pytestmark = pytest.mark.slow

SEED = 20240611
#: shared files, each kept to its run header, its first events and its end-of-run object
BASES = {
    "gamma_4lst.simtel.zst": 3,
    "muons_lst.simtel.zst": 3,
    "muons_chec.simtel.zst": 2,
    "stress_40k_pixels.simtel.zst": 2,
    "calibration_7cameras.simtel.gz": 1,
}
N_PER_BASE = 50
PROBLEMS = (TruncatedFileWarning, DamagedFileWarning, TrailingDataWarning)


def _decompress(path) -> bytes:
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        return gzip.decompress(data)
    import zstandard

    return zstandard.ZstdDecompressor().stream_reader(data).read()


def _objects(raw_path) -> list[tuple[int, int, int]]:
    """(offset, size, type) of the top-level objects of an uncompressed file."""
    from eventio import EventIOFile

    out = []
    with EventIOFile(str(raw_path)) as f:
        for obj in f:
            h = obj.header
            out.append((h.content_address - h.header_size, h.total_size, h.type))
    return out


def _shortened(raw: bytes, objects, n_events: int) -> tuple[bytes, list]:
    """The run header, the objects up to the ``n_events``-th array event and the last
    object (the run's end), with their new offsets."""
    events = [i for i, (_, _, t) in enumerate(objects) if t in (2010, 2028)]
    last = events[min(n_events, len(events)) - 1] if events else len(objects) - 2
    # the rest of the event: up to the next MCShower/MCEvent
    stop = last + 1
    while stop < len(objects) - 1 and objects[stop][2] not in (2020, 2021, 2010, 2028, 100):
        stop += 1
    keep = objects[:stop] + [o for o in objects[-1:] if o[2] == 100]
    out, placed = bytearray(), []
    for off, size, t in keep:
        placed.append((len(out), size, t))
        out += raw[off:off + size]
    return bytes(out), placed


def _compress(raw: bytes, kind: str) -> bytes:
    if kind == "gzip":
        return gzip.compress(raw, compresslevel=1)
    import zstandard

    return zstandard.ZstdCompressor(level=1).compress(raw)


def make_mutants(folder, bases=BASES, n_per_base=N_PER_BASE, seed=SEED) -> list:
    """Write the mutants into ``folder``; returns their paths and what was done to each."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    mutants = []
    shortened = {}
    for name, n_events in bases.items():
        full = _decompress(simtel(name))
        tmp = folder / f"{name}.full.simtel"
        tmp.write_bytes(full)
        shortened[name] = _shortened(full, _objects(tmp), n_events)
        tmp.unlink()
    names = list(shortened)
    for b, name in enumerate(names):
        raw, objects = shortened[name]
        for k in range(n_per_base):
            data, what, ext = _mutate(rng, raw, objects, shortened[names[(b + 1) % len(names)]])
            path = folder / f"m{b:02d}_{k:03d}{ext}"
            path.write_bytes(data)
            mutants.append((path, f"{name}: {what}"))
    return mutants


KINDS = ("truncate", "flip", "zero", "drop", "duplicate", "swap", "big-endian", "length",
         "concatenate", "gzip-cut", "zstd-cut", "gzip-flip", "zstd-flip")


def _mutate(rng, raw: bytes, objects, other) -> tuple[bytes, str, str]:
    kind = KINDS[int(rng.integers(len(KINDS)))]
    b = bytearray(raw)
    n = len(b)
    # events are where files differ most: half the positions fall after the run header
    first_event = next((o for o, _, t in objects if t in (2020, 2021, 2010, 2028)), 0)
    pos = int(rng.integers(first_event if rng.random() < 0.5 else 0, n))
    i = int(rng.integers(1, len(objects)))  # an object other than the first
    off, size, _ = objects[i]
    if kind == "truncate":
        return bytes(b[:pos]), f"truncated at {pos}", ".simtel"
    if kind == "flip":
        spots = rng.integers(0, n, int(rng.integers(1, 5)))
        for s in spots:
            b[int(s)] ^= 1 << int(rng.integers(8))
        return bytes(b), f"bits flipped at {sorted(int(s) for s in spots)}", ".simtel"
    if kind == "zero":
        length = int(2 ** rng.uniform(2, 13))
        b[pos:pos + length] = bytes(len(b[pos:pos + length]))
        return bytes(b), f"{length} bytes zeroed at {pos}", ".simtel"
    if kind == "drop":
        return bytes(b[:off] + b[off + size:]), f"object {i} dropped", ".simtel"
    if kind == "duplicate":
        return bytes(b[:off + size] + b[off:]), f"object {i} duplicated", ".simtel"
    if kind == "swap":
        j = min(i + 1, len(objects) - 1)
        o2, s2, _ = objects[j]
        if j == i:
            return bytes(b), "unchanged", ".simtel"
        return bytes(b[:off] + b[o2:o2 + s2] + b[off:off + size] + b[o2 + s2:]), \
            f"objects {i} and {j} swapped", ".simtel"
    if kind == "big-endian":
        b[off:off + 4] = b"\xd4\x1f\x8a\x37"
        return bytes(b), f"big-endian marker on object {i}", ".simtel"
    if kind == "length":
        b[off + 12:off + 16] = rng.integers(0, 256, 4, dtype=np.uint8).tobytes()
        return bytes(b), f"length field of object {i} overwritten", ".simtel"
    if kind == "concatenate":
        return bytes(b) + other[0], "another file appended", ".simtel"
    compressed = _compress(bytes(b), kind.split("-")[0])
    ext = ".simtel.gz" if kind.startswith("gzip") else ".simtel.zst"
    c = bytearray(compressed)
    cpos = int(rng.integers(1, len(c)))
    if kind.endswith("cut"):
        return bytes(c[:cpos]), f"{kind} at {cpos} of {len(c)}", ext
    c[cpos] ^= 1 << int(rng.integers(8))
    return bytes(c), f"{kind} at {cpos} of {len(c)}", ext


def read_mutant(path: str, random_access: bool = True) -> dict:
    """What ``info`` and iteration make of ``path``: per path, "ok" with the event count, or
    "error" with the typed error's message, and the warnings about the file's state; an
    untyped exception propagates (it would be a traceback for the user)."""
    from ctaviewer import open_source
    from ctaviewer.cli.info import describe

    out = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out["info"] = ("ok", describe(path)["n_events"])
        except CtaviewerError as exc:
            out["info"] = ("error", str(exc))
    out["info_warnings"] = [w.category.__name__ for w in caught
                            if issubclass(w.category, PROBLEMS)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with open_source(path) as source:
                out["iteration"] = ("ok", sum(1 for _ in source))
        except CtaviewerError as exc:
            out["iteration"] = ("error", str(exc))
    out["iteration_warnings"] = [w.category.__name__ for w in caught
                                 if issubclass(w.category, PROBLEMS)]
    if random_access and out["info"][0] == "ok":  # every indexed event, or a typed error
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with open_source(path) as source:
                for i in range(len(source)):
                    try:
                        source[i]
                    except InputFileError as exc:
                        assert path in str(exc), str(exc)
    return out


def check(path: str, result: dict) -> None:
    """Typed errors name the file on one line; when ``info`` and iteration both succeed
    they count the same events (the issue asks it unless a warning was given; they agree
    on every mutant here, warned or not)."""
    for key in ("info", "iteration"):
        status, value = result[key]
        if status == "error":
            assert path in value and "\n" not in value, (key, value)
    info, iteration = result["info"], result["iteration"]
    if info[0] == iteration[0] == "ok":
        assert info[1] == iteration[1], result


def _read_all(listing: str) -> None:
    """The child process: one JSON line per mutant (its result, or what went wrong)."""
    import traceback

    warnings.simplefilter("ignore")
    for k, path in enumerate(json.loads(open(listing).read())):
        line = {"path": path}
        try:
            line["result"] = read_mutant(path, random_access=k % 3 == 0)
            check(path, line["result"])
        except AssertionError as exc:
            line["failure"] = f"check failed: {exc}"
        except Exception:
            line["failure"] = traceback.format_exc()
        print(json.dumps(line), flush=True)


@pytest.fixture(scope="module")
def fuzz(tmp_path_factory):
    """Mutants and what a child process made of each: the reading runs in one child, so
    that a crash of eventio's compiled code on some mutant would fail the test, not kill
    the test run; nothing is run twice."""
    folder = tmp_path_factory.mktemp("mutants")
    mutants = make_mutants(folder)
    listing = folder / "mutants.json"
    listing.write_text(json.dumps([str(p) for p, _ in mutants]))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    child = subprocess.run(
        [sys.executable, "-c", "import sys; from tests.test_fuzz_files import _read_all; "
         "_read_all(sys.argv[1])", str(listing)],
        capture_output=True, text=True, cwd=root, timeout=900)
    lines = [json.loads(line) for line in child.stdout.splitlines() if line.startswith("{")]
    return mutants, child, lines


def test_mutants_do_not_crash_the_reader(fuzz):
    mutants, child, lines = fuzz
    assert child.returncode == 0 and len(lines) == len(mutants), (
        f"exit {child.returncode} after {len(lines)} of {len(mutants)} mutants; next: "
        f"{mutants[len(lines)][1] if len(lines) < len(mutants) else None}\n"
        + child.stderr[-3000:])


def test_mutants_give_typed_errors_and_agreeing_counts(fuzz):
    mutants, _, lines = fuzz
    what = {str(p): w for p, w in mutants}
    failures = [f"{what[line['path']]}: {line['failure']}" for line in lines if "failure" in line]
    assert not failures, "\n".join(failures[:5])
    outcomes = {"ok": 0, "error": 0, "warned": 0}
    for line in lines:
        r = line["result"]
        outcomes[r["iteration"][0]] += 1
        outcomes["warned"] += bool(r["info_warnings"] or r["iteration_warnings"])
    # the mutations reach the interesting cases: files read, files refused, files warned of
    assert min(outcomes.values()) >= 10, outcomes


def test_cli_info_on_a_sample_of_mutants(fuzz):
    """The command: exit 0, or exit 2 with one error line naming the file; no traceback.
    The sample holds mutants ``info`` refused and mutants it read."""
    mutants, _, lines = fuzz
    what = {str(p): w for p, w in mutants}
    refused = [line["path"] for line in lines if line.get("result", {}).get("info", [""])[0]
               == "error"]
    read = [line["path"] for line in lines if line.get("result", {}).get("info", [""])[0]
            == "ok"]
    assert refused and read
    for path in refused[:: max(1, len(refused) // 3)][:3] + read[:: len(read) // 2][:2]:
        out = subprocess.run([sys.executable, "-m", "ctaviewer", "info", path],
                             capture_output=True, text=True)
        assert "Traceback" not in out.stderr, (what[path], out.stderr)
        errors = [line for line in out.stderr.splitlines() if line.startswith("ctaviewer: ")]
        if path in refused:
            assert out.returncode == 2, (what[path], out.returncode, out.stderr)
            assert len(errors) == 1 and path in errors[0], (what[path], out.stderr)
        else:
            assert out.returncode == 0 and not errors, (what[path], out.stderr)
