"""One error family: every exception type of the core is defined in ctaviewer.errors; one
"cancelled" type for batch jobs, training and opening files."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from concurrent.futures import CancelledError
from pathlib import Path

import pytest

import ctaviewer
from ctaviewer import errors
from ctaviewer.errors import Cancelled, CtaviewerError, FilterMissingError

from .conftest import simtel

CORE = Path(ctaviewer.__file__).parent


def _core_modules():
    for info in pkgutil.walk_packages([str(CORE)], "ctaviewer."):
        if info.name.startswith("ctaviewer.app") or info.name.endswith("__main__"):
            continue
        yield info.name


def _exception_classes(module):
    for value in vars(module).values():
        if (isinstance(value, type) and issubclass(value, BaseException)
                and value.__module__ == module.__name__):
            yield value


def test_every_exception_type_of_the_core_is_defined_in_errors():
    outside = []
    for name in _core_modules():
        module = importlib.import_module(name)
        if module is errors:
            continue
        for cls in _exception_classes(module):
            if cls.__name__.startswith("_"):
                continue  # private: checked below never to leave its module
            outside.append(f"{name}.{cls.__name__}")
    assert outside == [], "define these in ctaviewer/errors.py"


def _called_name(call: ast.Call) -> str | None:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None


def test_private_exceptions_never_leave_their_module():
    """A private control-flow exception may stay in its module if every raise of it is
    caught there (``io.simtel_index._Damage``: raised and caught inside ``build_index``;
    ``io.simtel_fast_event._Decline``: raised by helper methods, caught by the methods that
    call them). Checked statically: no other module names it, and a function that raises it
    without catching it is called only by functions of its module that catch it or pass it
    on in the same way, up to one that catches it."""
    for path in CORE.rglob("*.py"):
        if "app" in path.relative_to(CORE).parts:
            continue
        tree = ast.parse(path.read_text())
        private = {node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef)
                   and node.name.startswith("_") and any(
                       isinstance(b, ast.Name) and b.id.endswith(("Exception", "Error"))
                       for b in node.bases)}
        functions = [f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)]
        for name in private:
            for other in CORE.rglob("*.py"):
                if other != path:
                    used = {n.id for n in ast.walk(ast.parse(other.read_text()))
                            if isinstance(n, ast.Name)} | {
                        a.name for n in ast.walk(ast.parse(other.read_text()))
                        if isinstance(n, ast.ImportFrom) for a in n.names}
                    assert name not in used, f"{name} of {path} used in {other}"

            def catches(f, name=name) -> bool:
                return any(isinstance(h, ast.ExceptHandler) and h.type is not None
                           and name in ast.unparse(h.type) for h in ast.walk(f))

            def nested_in_catcher(f, name=name, functions=functions) -> bool:
                return any(g is not f and f in list(ast.walk(g)) and catches(g, name)
                           for g in functions)

            passing = {f.name for f in functions if not catches(f) and any(
                isinstance(n, ast.Raise) and name in ast.unparse(n) for n in ast.walk(f))}
            todo, seen = list(passing), set()
            while todo:  # every function that lets it out is called by a catcher or a passer
                fname = todo.pop()
                if fname in seen:
                    continue
                seen.add(fname)
                raiser = next(f for f in functions if f.name == fname)
                if nested_in_catcher(raiser):
                    continue
                callers = [g for g in functions if g.name != fname and any(
                    isinstance(c, ast.Call) and _called_name(c) == fname
                    for c in ast.walk(g))]
                assert callers, f"{name} escapes {fname} in {path} (no caller catches it)"
                for g in callers:
                    if not catches(g):
                        todo.append(g.name)
                        passing.add(g.name)


def test_the_family_documents_each_of_its_types():
    doc = errors.__doc__
    for cls in vars(errors).values():
        if isinstance(cls, type) and issubclass(cls, (BaseException, Warning)) \
                and cls.__module__ == "ctaviewer.errors":
            assert f"``{cls.__name__}``" in doc, cls.__name__
            assert cls.__doc__, cls.__name__


def test_cancelled_is_one_type_and_not_a_failure():
    assert issubclass(Cancelled, CancelledError) and not issubclass(Cancelled, CtaviewerError)
    assert issubclass(FilterMissingError, CtaviewerError) and issubclass(FilterMissingError,
                                                                         OSError)

    from ctaviewer.batch.job import JobSpec, result_from_exception

    r = result_from_exception(JobSpec("in.simtel", "out.h5"), Cancelled("in.simtel"))
    assert r.cancelled and r.error is None


def test_training_and_opening_stop_with_cancelled(tmp_path):
    from ctaviewer.estimators.train import run_training
    from ctaviewer.io import open_indexed

    with pytest.raises(Cancelled):
        run_training([simtel("gamma_4lst.simtel.zst")], [], tmp_path / "t.h5",
                     log=lambda line: None, should_stop=lambda: True)
    assert not (tmp_path / "t.h5").exists()
    with pytest.raises(Cancelled):
        open_indexed(simtel("gamma_4lst.simtel.zst"), should_stop=lambda: True)
