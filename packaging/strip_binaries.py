"""Strip symbol tables from the bundle's shared libraries, safely (used by ctaviewer.spec).

PyInstaller's own ``strip=True`` strips every binary, and breaks the libraries that auditwheel
vendored into ``numpy.libs``/``scipy.libs`` and patched with patchelf: ``strip`` rewrites their
unusual segment layout and the loader then refuses them ("ELF load command address/offset not
page-aligned").  Here a stripped copy is used only when its loadable segments are exactly those
of the original (same addresses, sizes, flags and alignment, offsets congruent to addresses),
i.e. when the image the loader maps is unchanged; otherwise the original is kept.  Libraries in
``*.libs`` folders are never touched (auditwheel strips them already).
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess

PT_LOAD = 1


def load_segments(path: str) -> list[tuple] | None:
    """(flags, offset, vaddr, filesz, memsz, align) of each PT_LOAD; None if not 64-bit ELF."""
    with open(path, "rb") as f:
        hdr = f.read(64)
        if len(hdr) < 64 or hdr[:4] != b"\x7fELF" or hdr[4] != 2:
            return None
        e = "<" if hdr[5] == 1 else ">"
        (phoff,) = struct.unpack_from(e + "Q", hdr, 0x20)
        phentsize, phnum = struct.unpack_from(e + "HH", hdr, 0x36)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    out = []
    for i in range(phnum):
        p_type, flags, offset, vaddr, _, filesz, memsz, align = struct.unpack_from(
            e + "IIQQQQQQ", table, i * phentsize)
        if p_type == PT_LOAD:
            out.append((flags, offset, vaddr, filesz, memsz, align))
    return out


def same_image(original: str, stripped: str, page: int = 4096) -> bool:
    """True when ``stripped`` maps exactly like ``original`` and its segments are page-aligned."""
    a, b = load_segments(original), load_segments(stripped)
    if not a or not b or len(a) != len(b):
        return False
    for (fa, _, va, fsa, msa, ala), (fb, ob, vb, fsb, msb, alb) in zip(a, b):
        if (fa, va, fsa, msa, ala) != (fb, vb, fsb, msb, alb):
            return False
        if alb % page or (vb - ob) % alb:
            return False
    return True


def strip_copy(src: str, dst: str, strip: str = "strip") -> bool:
    """Write a stripped copy of ``src`` to ``dst``; True if it is safe to use instead of src."""
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    if (os.path.exists(dst) and os.path.getmtime(dst) >= os.path.getmtime(src)
            and same_image(src, dst)):
        return True  # from an earlier build
    try:
        subprocess.run([strip, "--strip-unneeded", "-o", dst, src], check=True,
                       capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        return False
    if same_image(src, dst) and os.path.getsize(dst) < os.path.getsize(src):
        return True
    os.remove(dst)
    return False


def strip_toc(binaries, cache_dir: str, log=print):
    """PyInstaller binaries TOC -> the same TOC pointing at stripped copies where safe."""
    if shutil.which("strip") is None:
        log("strip_binaries: `strip` (binutils) not found: binaries left unstripped")
        return list(binaries)
    out, saved, kept = [], 0, []
    for dest, src, kind in binaries:
        parts = dest.replace(os.sep, "/").split("/")
        if (kind not in ("BINARY", "EXTENSION") or any(p.endswith(".libs") for p in parts[:-1])
                or load_segments(src) is None):
            out.append((dest, src, kind))
            continue
        dst = os.path.join(cache_dir, dest)
        if strip_copy(src, dst):
            saved += os.path.getsize(src) - os.path.getsize(dst)
            out.append((dest, dst, kind))
        else:
            kept.append(dest)
            out.append((dest, src, kind))
    log(f"strip_binaries: {saved / 1e6:.1f} MB of symbols removed; left as they were: "
        f"{len(kept)} ({', '.join(kept[:5])}{' ...' if len(kept) > 5 else ''})")
    return out
