"""The user guide's table of settings (docs/guide/cleaning.md), written from the options'
definitions so that it cannot drift from them: ``python -m ctaviewer.config`` prints it."""

from __future__ import annotations

from .options import Option, options_of
from .processing import ProcessingConfig


def _value(value) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    return f"`{value}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def settings_rows() -> list[tuple[str, Option, list[str] | None]]:
    """(section, option, the algorithms that have it or None for all) in the order of the
    TOML file: each algorithm section's ``name``, then every option of its algorithms."""
    rows = []
    for section, spec in ProcessingConfig.sections().items():
        if spec.family is None:
            rows += [(section, opt, None) for opt in options_of(spec.type)]
            continue
        rows.append((section, spec.type.name_option(spec.default.name), None))
        owners: dict[str, list[str]] = {}
        first: dict[str, Option] = {}
        default_options = {opt.name: opt for opt in options_of(type(spec.default))}
        for name, algorithm in spec.family.items():
            for opt in options_of(algorithm.config):
                owners.setdefault(opt.name, []).append(name)
                first.setdefault(opt.name, default_options.get(opt.name, opt))
        every = spec.family.names()
        rows += [(section, first[key], None if owners[key] == every else owners[key])
                 for key in first]
    return rows


def settings_table() -> str:
    """The table, in Markdown."""
    lines = ["| section | setting | default | allowed | meaning |", "|---|---|---|---|---|"]
    shown = None
    for section, opt, owners in settings_rows():
        meaning = opt.text()
        if owners is not None:
            every = ProcessingConfig.sections()[section].family.names()
            others = [n for n in every if n not in owners]
            which = (f"all but {', '.join(others)}" if len(others) < len(owners)
                     else ", ".join(owners))
            meaning = f"({which}) {meaning}"
        lines.append(f"| {section.capitalize() if section != shown else ''} | `{opt.name}` | "
                     f"{_value(opt.default)} | {_cell(opt.allowed())} | {_cell(meaning)} |")
        shown = section
    return "\n".join(lines) + "\n"
