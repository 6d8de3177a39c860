"""Damaged copies of real files: never a traceback, and ``info`` agrees with iteration.

A few hundred mutants (fixed seed) of shared files shortened to a few events are written to a
temporary folder: truncations at random offsets, flipped bytes, zeroed blocks, dropped,
duplicated and swapped top-level objects, a big-endian marker, a damaged length field,
concatenated runs, truncated and damaged gzip/zstd streams. On each, ``info``'s description
and a full iteration (and random access) run in this process: each ends with success or a
typed error naming the file; where both succeed without a truncation or damage warning, they
count the same events. A sample runs the ``ctaviewer info`` command: exit 0, or exit 2 with
one error line naming the file and no traceback. ``test_mutants_do_not_crash_the_reader``
first runs every mutant's reading in a child process: eventio's compiled parsers must not
crash the interpreter on them (this is what makes the in-process checks safe).
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

SEED = 20240611
#: shared files, each kept to its run header, its first events and its end-of-run object
BASES = {
    "gamma_4lst.simtel.zst": 4,
    "muons_lst.simtel.zst": 3,
    "muons_chec.simtel.zst": 3,
    "stress_40k_pixels.simtel.zst": 2,
    "calibration_7cameras.simtel.gz": 1,
}
N_PER_BASE = 60
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


def read_mutant(path: str) -> dict:
    """What ``info`` and iteration make of ``path``: per path, "ok" with the event count and
    the warnings, or "error" with the typed error's message; an untyped exception is
    re-raised (a traceback for the user)."""
    from ctaviewer import open_source
    from ctaviewer.cli.info import describe

    out = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            info = describe(path)
            out["info"] = ("ok", info["n_events"])
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
    if out["info"][0] == "ok":  # random access: every indexed event, or a typed error
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with open_source(path) as source:
                for i in range(len(source)):
                    try:
                        source[i]
                    except InputFileError as exc:
                        assert path in str(exc)
    return out


def check(path: str, result: dict) -> None:
    for key in ("info", "iteration"):
        status, value = result[key]
        if status == "error":
            assert path in value, (key, value)
            assert "\n" not in value, (key, value)
    info, iteration = result["info"], result["iteration"]
    if info[0] == iteration[0] == "ok" and not (
            result["info_warnings"] or result["iteration_warnings"]):
        assert info[1] == iteration[1], result


@pytest.fixture(scope="module")
def mutants(tmp_path_factory):
    return make_mutants(tmp_path_factory.mktemp("mutants"))


def test_mutants_do_not_crash_the_reader(mutants, tmp_path):
    """Every mutant read in child processes (eventio's compiled parsers on damaged data):
    none ends by a signal, and each reports a result."""
    listing = tmp_path / "mutants.json"
    listing.write_text(json.dumps([str(p) for p, _ in mutants]))
    script = (
        "import json, sys, warnings\n"
        "from tests.test_fuzz_files import read_mutant\n"
        "warnings.simplefilter('ignore')\n"
        "for p in json.load(open(sys.argv[1])):\n"
        "    read_mutant(p)\n"
        "    print(p, flush=True)\n"
    )
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, "-c", script, str(listing)], capture_output=True,
                         text=True, cwd=root, timeout=600)
    done = out.stdout.split()
    assert out.returncode == 0, (
        f"exit {out.returncode} after {len(done)} of {len(mutants)} mutants "
        f"(next: {mutants[len(done)] if len(done) < len(mutants) else None}):\n"
        + out.stderr[-3000:])
    assert len(done) == len(mutants)


def test_mutants_give_typed_errors_and_agreeing_counts(mutants):
    outcomes = {"ok": 0, "error": 0, "warned": 0}
    for path, what in mutants:
        result = read_mutant(str(path))
        try:
            check(str(path), result)
        except AssertionError as exc:
            raise AssertionError(f"{what}: {exc}") from None
        outcomes[result["iteration"][0]] += 1
        outcomes["warned"] += bool(result["info_warnings"] or result["iteration_warnings"])
    # the mutations reach the interesting cases: some files read, some fail, some warn
    assert min(outcomes.values()) >= 10, outcomes


def test_cli_info_on_a_sample_of_mutants(mutants):
    """The command: exit 0, or exit 2 with one error line naming the file; no traceback."""
    sample = mutants[:: len(mutants) // 6][:6]
    for path, what in sample:
        out = subprocess.run([sys.executable, "-m", "ctaviewer", "info", str(path)],
                             capture_output=True, text=True)
        assert "Traceback" not in out.stderr, (what, out.stderr)
        errors = [line for line in out.stderr.splitlines() if line.startswith("ctaviewer: ")]
        if out.returncode == 0:
            assert not errors, (what, out.stderr)
        else:
            assert out.returncode == 2, (what, out.returncode, out.stderr)
            assert len(errors) == 1 and str(path) in errors[0], (what, out.stderr)
