"""Packaging checks that need no build: the PyInstaller spec and its helpers, the bundle's
numba cache handling, and the desktop files (``make bundle`` builds and smoke-tests the
application itself)."""

from __future__ import annotations

import ast
import configparser
import fnmatch
import glob
import hashlib
import importlib.util
import os
import shutil
import struct
import subprocess
import sys
import tomllib
import types
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from .conftest import load_script

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "ctaviewer.spec"
DESKTOP = PACKAGING / "desktop"


def _load(name: str, path: Path):
    return load_script(path, name)


def _app_id() -> str:
    """APP_ID as the application sets it (read from the source: importing it needs Qt)."""
    tree = ast.parse((ROOT / "ctaviewer/app/settings.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "APP_ID" for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError("APP_ID not found in ctaviewer/app/settings.py")


# -- the spec ------------------------------------------------------------------------------------

class _Recorder:
    def __init__(self):
        self.calls = []

    def __call__(self, name):
        def fn(*args, **kwargs):
            self.calls.append((name, args, kwargs))
            return types.SimpleNamespace(**{**kwargs, "datas": list(kwargs.get("datas", [])),
                                            "binaries": [], "pure": [], "scripts": []})
        return fn


class _FakeQtLibraryInfo:
    """Stands in for PyInstaller's QtLibraryInfo: 'collects' every plugin of a type."""

    PLUGINS = {
        "platforms": ["libqxcb.so", "libqoffscreen.so", "libqminimal.so", "libqwayland.so",
                      "libqeglfs.so", "libqvnc.so"],
        "imageformats": ["libqsvg.so", "libqjpeg.so", "libqtiff.so"],
        "platformthemes": ["libqgtk3.so", "libqxdgdesktopportal.so"],
        "wayland-shell-integration": ["libxdg-shell.so"],
    }

    def collect_plugins(self, plugin_type):
        return [(f"/qt/plugins/{plugin_type}/{name}", f"PySide6/Qt/plugins/{plugin_type}")
                for name in self.PLUGINS.get(plugin_type, [])]


@pytest.fixture(scope="module")
def spec_run(tmp_path_factory):
    """Execute the spec with PyInstaller replaced by recorders (PyInstaller need not be
    installed): returns the spec's globals and the recorded calls."""
    rec = _Recorder()
    collected = []
    hooks = types.ModuleType("PyInstaller.utils.hooks")
    hooks.collect_submodules = lambda pkg, **kw: collected.append(pkg) or []
    hooks.collect_data_files = lambda pkg, **kw: collected.append(pkg) or []
    qt = types.ModuleType("PyInstaller.utils.hooks.qt")
    qt.QtLibraryInfo = type("QtLibraryInfo", (_FakeQtLibraryInfo,), {})
    hooks.qt = qt
    fakes = {"PyInstaller": types.ModuleType("PyInstaller"),
             "PyInstaller.utils": types.ModuleType("PyInstaller.utils"),
             "PyInstaller.utils.hooks": hooks, "PyInstaller.utils.hooks.qt": qt}
    saved_modules = {k: sys.modules.get(k) for k in fakes}
    saved_path = list(sys.path)
    sys.modules.update(fakes)
    g = {"SPECPATH": str(PACKAGING), "workpath": str(tmp_path_factory.mktemp("work")),
         "__name__": "__main__", **{n: rec(n) for n in ("Analysis", "PYZ", "EXE", "COLLECT")}}
    try:
        exec(compile(SPEC.read_text(), str(SPEC), "exec"), g)
    finally:
        sys.path[:] = saved_path
        for k, v in saved_modules.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
    calls = {name: kwargs | {"args": args} for name, args, kwargs in rec.calls}
    return types.SimpleNamespace(g=g, calls=calls, collected=collected, qt=qt)


def test_spec_compiles():
    compile(SPEC.read_text(), str(SPEC), "exec")


def test_spec_builds_one_folder_app(spec_run):
    calls = spec_run.calls
    assert set(calls) == {"Analysis", "PYZ", "EXE", "COLLECT"}
    assert calls["EXE"]["exclude_binaries"] is True  # one-folder: binaries go to COLLECT
    assert calls["EXE"]["name"] == calls["COLLECT"]["name"] == "ctaviewer"


def test_spec_paths_exist(spec_run):
    analysis = spec_run.calls["Analysis"]
    (scripts,) = analysis["args"]
    assert [Path(s).name for s in scripts] == ["entry.py"] and all(map(os.path.isfile, scripts))
    for path in analysis["pathex"] + analysis["hookspath"]:
        assert os.path.isdir(path), path
    assert any(Path(p, "hook-astropy.py").is_file() for p in analysis["hookspath"])
    for src, dest in analysis["datas"]:
        assert os.path.exists(src), (src, dest)
    assert (ROOT / "resources/ctaviewer.svg").is_file()


def test_spec_imports_exist(spec_run):
    analysis = spec_run.calls["Analysis"]
    sys.path.insert(0, str(PACKAGING))
    try:
        for name in analysis["hiddenimports"] + spec_run.collected:
            assert importlib.util.find_spec(name) is not None, name
    finally:
        sys.path.remove(str(PACKAGING))
    assert "ctaviewer_numba_locator" in analysis["hiddenimports"]


def test_spec_excludes_nothing_the_app_imports(spec_run):
    excludes = spec_run.calls["Analysis"]["excludes"]

    def excluded(module):
        return any(module == e or module.startswith(e + ".") for e in excludes)

    qt_modules = set()
    for path in (ROOT / "ctaviewer").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "PySide6":
                qt_modules |= {f"PySide6.{a.name}" for a in node.names}
            elif isinstance(node, ast.Import):
                qt_modules |= {a.name for a in node.names if a.name.startswith("PySide6.")}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("PySide6."):
                qt_modules.add(node.module)
    assert {"PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets"} <= qt_modules
    # pyqtgraph imports these unconditionally
    needed = qt_modules | {"PySide6.QtOpenGL", "PySide6.QtOpenGLWidgets"}
    # the scientific stack at run time (numpy.f2py: scipy's array-API layer touches it)
    needed |= {"numpy.f2py", "scipy.spatial", "scipy.sparse", "scipy.interpolate", "scipy.stats",
               "scipy.optimize", "scipy.ndimage", "astropy.units", "astropy.table",
               "astropy.coordinates", "astropy.time", "astropy.io.fits", "astropy.tests.runner",
               "pyirf", "h5py", "numba", "llvmlite", "eventio", "zstandard", "ctaviewer",
               "unittest", "multiprocessing"}
    assert not sorted(m for m in needed if excluded(m))
    for unwanted in ("PySide6.QtNetwork", "PySide6.QtQml", "PySide6.QtQuick",
                     "PySide6.QtWebEngineCore", "PySide6.Qt3DCore", "tkinter", "matplotlib",
                     "IPython", "pytest", "gammapy", "dask", "tables"):
        assert excluded(unwanted), unwanted


def test_spec_keeps_only_the_wanted_qt_plugins(spec_run):
    info = spec_run.qt.QtLibraryInfo()
    kept = {t: sorted(Path(src).name for src, _ in info.collect_plugins(t))
            for t in _FakeQtLibraryInfo.PLUGINS}
    assert kept == {
        "platforms": ["libqminimal.so", "libqoffscreen.so", "libqxcb.so"],
        "imageformats": ["libqsvg.so"],
        "platformthemes": ["libqxdgdesktopportal.so"],
        "wayland-shell-integration": [],
    }
    keep = spec_run.g["_keep_qt_plugin"]
    assert keep("PySide6/Qt/lib/libQt6Core.so.6") and keep("numpy/_core/x.so")
    assert not keep("PySide6/Qt/plugins/platforms/libqwayland.so")


def test_allowed_qt_plugins_exist_in_pyside6(spec_run):
    pyside6 = importlib.util.find_spec("PySide6")
    if pyside6 is None:
        pytest.skip("PySide6 not installed")
    plugins = Path(pyside6.submodule_search_locations[0], "Qt", "plugins")
    for plugin_type, names in spec_run.g["QT_PLUGINS"].items():
        for name in names:
            assert (plugins / plugin_type / name).is_file(), f"{plugin_type}/{name}"


# -- numba cache of the frozen application -------------------------------------------------------

@pytest.fixture
def entry(monkeypatch, tmp_path):
    """entry.py, with the variables it sets cleared before and restored after the test
    (monkeypatch.delenv does not restore a variable that was unset and then gets set)."""
    names = ("NUMBA_CACHE_DIR", "NUMBA_CACHE_LOCATOR_CLASSES", "XDG_CACHE_HOME")
    saved = {name: os.environ.pop(name, None) for name in names}
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    yield _load("ctaviewer_bundle_entry", PACKAGING / "entry.py")
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def test_cache_goes_to_the_user_cache_dir(entry, tmp_path):
    path = entry.configure_numba_cache()
    assert path == str(tmp_path / "home/.cache/ctaviewer/numba") == os.environ["NUMBA_CACHE_DIR"]
    assert os.path.isdir(path)
    assert "NUMBA_CACHE_LOCATOR_CLASSES" not in os.environ  # only in the frozen application


def test_cache_follows_xdg_cache_home(entry, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert entry.configure_numba_cache() == str(tmp_path / "xdg/ctaviewer/numba")


def test_cache_falls_back_to_tmp_when_home_is_unwritable(entry, monkeypatch, tmp_path):
    monkeypatch.setattr(entry, "_writable", lambda p: p.startswith(str(tmp_path / "tmp")))
    monkeypatch.setattr(entry.tempfile, "gettempdir", lambda: str(tmp_path / "tmp"))
    assert entry.configure_numba_cache() == str(tmp_path / f"tmp/ctaviewer-numba-{os.getuid()}")


def test_cache_keeps_the_users_choice(entry, monkeypatch, tmp_path):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "mine"))
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert entry.configure_numba_cache() == str(tmp_path / "mine")
    assert os.environ["NUMBA_CACHE_LOCATOR_CLASSES"].startswith(
        "ctaviewer_numba_locator.FrozenCacheLocator")


def test_frozen_locator_caches_by_bundle_path_from_any_directory(tmp_path):
    """As in the bundle: frozen, modules with relative file names that do not exist."""
    bundle, cache = tmp_path / "bundle" / "_internal", tmp_path / "cache"
    code = f"""
import os, sys
sys.frozen = True
sys._MEIPASS = {str(bundle)!r}
sys.path.insert(0, {str(PACKAGING)!r})
os.environ["NUMBA_CACHE_DIR"] = {str(cache)!r}
os.environ["NUMBA_CACHE_LOCATOR_CLASSES"] = "ctaviewer_numba_locator.FrozenCacheLocator"
import types
import numpy as np
from numba import njit
src = "def total(a):\\n    s = 0.0\\n    for x in a:\\n        s += x\\n    return s\\n"
module = sys.modules["fake_kernels"] = types.ModuleType("fake_kernels")
exec(compile(src, "ctaviewer/image/fake_kernels.py", "exec"), module.__dict__)
f = njit(cache=True)(module.total)
print(f(np.arange(10.0)), sum(f.stats.cache_hits.values()))
"""
    hits = []
    for cwd in (tmp_path / "a", tmp_path / "b"):  # cold, then from the cache elsewhere
        cwd.mkdir()
        out = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True,
                             text=True, env={k: v for k, v in os.environ.items()
                                             if not k.startswith("NUMBA_")})
        assert out.returncode == 0, out.stderr
        value, n_hits = out.stdout.split()
        assert float(value) == 45.0
        hits.append(int(n_hits))
    assert hits == [0, 1]
    sub = "image_" + hashlib.sha1(str(bundle / "ctaviewer" / "image").encode()).hexdigest()
    assert list((cache / sub).glob("fake_kernels.total-*.nbi"))
    assert not list(tmp_path.glob("[ab]/**/*.nbi"))


# -- selective strip -----------------------------------------------------------------------------

strip_binaries = _load("ctaviewer_strip_binaries", PACKAGING / "strip_binaries.py")


def _extension(module: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.origin.endswith(".so"):
        pytest.skip(f"{module} is not an ELF extension module here")
    return Path(spec.origin)


def _dlopen_ok(path: Path) -> bool:
    code = f"import ctypes; ctypes.CDLL({str(path)!r})"
    return subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0


def test_same_image_detects_a_changed_segment(tmp_path):
    src = _extension("eventio.var_int")
    assert strip_binaries.load_segments(str(src))
    assert strip_binaries.same_image(str(src), str(src))
    broken = tmp_path / "broken.so"
    data = bytearray(src.read_bytes())
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):  # shrink the first PT_LOAD's file size, as a bad strip does
        at = phoff + i * phentsize
        if struct.unpack_from("<I", data, at)[0] == 1:
            filesz, = struct.unpack_from("<Q", data, at + 32)
            struct.pack_into("<Q", data, at + 32, filesz // 2)
            break
    broken.write_bytes(bytes(data))
    assert not strip_binaries.same_image(str(src), str(broken))
    assert strip_binaries.load_segments(str(ROOT / "README.md")) is None


@pytest.mark.skipif(shutil.which("strip") is None, reason="strip (binutils) not installed")
def test_accepted_stripped_copies_load(tmp_path):
    candidates = [_extension("eventio.var_int")]
    import numpy

    # auditwheel's patchelf'd libraries, which a plain strip breaks
    candidates += [Path(p) for p in glob.glob(os.path.join(
        os.path.dirname(numpy.__file__) + ".libs", "*openblas*.so"))][:1]
    for src in candidates:
        dst = tmp_path / src.name
        if strip_binaries.strip_copy(str(src), str(dst)):
            assert dst.stat().st_size < src.stat().st_size
            assert _dlopen_ok(dst), f"accepted a stripped {src.name} that does not load"
        else:
            assert not dst.exists()


def test_strip_toc_leaves_vendored_libraries_alone(tmp_path):
    src = _extension("eventio.var_int")
    toc = [("numpy.libs/libfoo.so", str(src), "BINARY"), ("data.txt", str(SPEC), "DATA")]
    assert strip_binaries.strip_toc(toc, str(tmp_path), log=lambda *_: None) == toc


# -- desktop integration -------------------------------------------------------------------------

def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(DESKTOP / f"{_app_id()}.desktop")
    return parser["Desktop Entry"]


def _metainfo() -> ET.Element:
    return ET.parse(DESKTOP / f"{_app_id()}.metainfo.xml").getroot()


def _mime_type() -> ET.Element:
    ns = {"m": "http://www.freedesktop.org/standards/shared-mime-info"}
    root = ET.parse(DESKTOP / f"{_app_id()}.mime.xml").getroot()
    (mime,) = root.findall("m:mime-type", ns)
    return mime


def test_app_sets_the_desktop_file_name_at_start_up():
    assert _app_id() == "org.ctaviewer.CtaViewer"
    main = (ROOT / "ctaviewer/app/main.py").read_text()
    assert "setDesktopFileName(app_settings.APP_ID)" in main


def test_desktop_entry_matches_the_app():
    entry = _desktop_entry()
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    exec_args = entry["Exec"].split()
    assert exec_args[0] in scripts and exec_args[0] == "ctaviewer"  # also the bundle's name
    assert set(exec_args[1:]) & {"%f", "%F", "%u", "%U"}  # opens the file it is given
    assert entry["Icon"] == _app_id()
    assert entry["Type"] == "Application" and entry["Terminal"] == "false"
    assert _mime_type().get("type") in entry["MimeType"].rstrip(";").split(";")


def test_metainfo_matches_the_app():
    root = _metainfo()
    assert root.findtext("id") == _app_id()
    assert root.find("launchable").text == f"{_app_id()}.desktop"
    assert root.find("provides/binary").text == _desktop_entry()["Exec"].split()[0]
    assert root.find("provides/mediatype").text == _mime_type().get("type")


def test_mime_type_globs_and_magic():
    mime = _mime_type()
    ns = "{http://www.freedesktop.org/standards/shared-mime-info}"
    globs = [g.get("pattern") for g in mime.iter(f"{ns}glob")]
    for name in ("run1.simtel", "gamma_4lst.simtel.gz", "gamma_4lst.simtel.zst"):
        assert any(fnmatch.fnmatchcase(name, g) for g in globs), name
    from eventio.constants import SYNC_MARKER_BIG_ENDIAN, SYNC_MARKER_LITTLE_ENDIAN

    patterns = set()
    for match in mime.iter(f"{ns}match"):
        assert match.get("offset") == "0"
        value = int(match.get("value"), 16)
        order = {"big32": ">I", "little32": "<I"}[match.get("type")]
        patterns.add(struct.pack(order, value))
    assert patterns == {SYNC_MARKER_BIG_ENDIAN, SYNC_MARKER_LITTLE_ENDIAN}


def test_mime_magic_matches_a_real_file(simtel_file):
    import gzip

    with gzip.open(simtel_file("calibration_7cameras.simtel.gz")) as f:
        head = f.read(4)
    mime = _mime_type()
    ns = "{http://www.freedesktop.org/standards/shared-mime-info}"
    assert any(
        head == struct.pack({"big32": ">I", "little32": "<I"}[m.get("type")],
                            int(m.get("value"), 16))
        for m in mime.iter(f"{ns}match"))


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} not installed")
    return path


def test_desktop_file_validate():
    tool = _tool("desktop-file-validate")
    out = subprocess.run([tool, str(DESKTOP / f"{_app_id()}.desktop")],
                         capture_output=True, text=True)
    assert out.returncode == 0 and not out.stdout.strip(), out.stdout + out.stderr


def test_appstreamcli_validate():
    tool = _tool("appstreamcli")
    out = subprocess.run([tool, "validate", "--no-net", str(DESKTOP / f"{_app_id()}.metainfo.xml")],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_update_mime_database_accepts_the_type(tmp_path):
    tool = _tool("update-mime-database")
    (tmp_path / "packages").mkdir()
    shutil.copy(DESKTOP / f"{_app_id()}.mime.xml", tmp_path / "packages")
    out = subprocess.run([tool, str(tmp_path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    globs2 = (tmp_path / "globs2").read_text()
    for g in ("*.simtel", "*.simtel.gz", "*.simtel.zst"):
        assert f"application/x-simtel:{g}\n" in globs2

