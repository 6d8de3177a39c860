"""PyInstaller hook for astropy, replacing the contributed one (used by ctaviewer.spec).

The contributed hook hidden-imports every astropy module and collects every data file, tests
included.  This one leaves out the tests and the sub-packages the spec excludes (passed as
``hooksconfig={"astropy": {"excludes": [...]}}``), so the build neither warns about hundreds
of excluded hidden imports nor copies their data.
"""

from PyInstaller.utils.hooks import (
    collect_data_files,
    collect_submodules,
    copy_metadata,
    get_hook_config,
)


def hook(hook_api):
    skip = tuple(get_hook_config(hook_api, "astropy", "excludes") or ())

    def wanted(name):
        parts = name.split(".")
        return "tests" not in parts and not any(
            name == s or name.startswith(s + ".") for s in skip)

    hook_api.add_imports(*collect_submodules("astropy", filter=wanted), "numpy.lib.recfunctions")
    dirs = [s.split(".", 1)[1].replace(".", "/") for s in skip if s.startswith("astropy.")]
    excludes = ["**/tests/**"] + [f"{d}/**" for d in dirs]
    datas = collect_data_files("astropy", excludes=excludes)
    # ply parser tables are read as files
    datas += [(src, dst) for src, dst in collect_data_files("astropy", include_py_files=True,
                                                            excludes=excludes)
              if src.endswith(("_parsetab.py", "_lextab.py"))]
    datas += copy_metadata("astropy") + copy_metadata("numpy")
    hook_api.add_datas(datas)
