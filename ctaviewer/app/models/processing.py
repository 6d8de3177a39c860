"""Access to the processing chain (``ctaviewer.pipeline``), which the app drives."""

from __future__ import annotations


def chain_available() -> bool:
    try:
        from ctaviewer.config import ProcessingConfig  # noqa: F401
        from ctaviewer.pipeline import Pipeline  # noqa: F401
    except ImportError:
        return False
    return True


def default_config():
    if not chain_available():
        return None
    from ctaviewer.config import ProcessingConfig

    return ProcessingConfig.default()


def load_config(path):
    from ctaviewer.config import ProcessingConfig

    return ProcessingConfig.from_toml(path)


def make_pipeline(subarray, config):
    from ctaviewer.pipeline import Pipeline

    return Pipeline(subarray, config)
