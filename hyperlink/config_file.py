"""The config file: settings a user repeats (store, quiet, a default model, any command's option defaults).

Read with :mod:`tomllib` from, in order (later files override earlier ones key by key):

1. ``$XDG_CONFIG_HOME/hyperlink/config.toml`` (``~/.config/hyperlink/config.toml``): the user's;
2. ``./hyperlink.toml``: the project's (beside the store, where commands are run);
3. ``$HYPERLINK_CONFIG``: a file named explicitly (it must exist).

Example::

    db = "archive.db"        # --db (env HYPERLINK_DB and --db override it)
    quiet = false            # -q
    model = "bidnn"          # --model of `index`, `query` and `run`

    [train]                  # any command's options, by their long name without "--"
    epochs = 50
    hidden = 512

    [ingest.media]           # a subcommand
    text = "minilm"

A command-line option always wins over the file. A malformed file, an unknown key or a value of the
wrong kind is an InputError naming ``FILE:LINE``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from .errors import InputError

__all__ = ["config_paths", "load_config", "default_map", "TOP_LEVEL", "MODEL_COMMANDS"]

# top-level key -> (type, what it sets)
TOP_LEVEL: dict[str, tuple[type, str]] = {
    "db": (str, "--db"),
    "quiet": (bool, "-q/--quiet"),
    "model": (str, "--model of index, query and run"),
}
MODEL_COMMANDS = ("index", "query", "run")  # commands whose --model names a trained model


def config_paths() -> list[Path]:
    """The config files that exist, lowest precedence first."""
    xdg = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    found = [p for p in (Path(xdg) / "hyperlink" / "config.toml", Path("hyperlink.toml")) if p.is_file()]
    explicit = os.environ.get("HYPERLINK_CONFIG")
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise InputError("no such config file (named by HYPERLINK_CONFIG); create it or unset the variable", path)
        found.append(path)
    return found


def _line_of(text: str, key: str, table: str | None = None) -> int | None:
    """1-based line where ``key`` is set (inside ``[table]`` when given), or where ``[table]`` starts."""
    lines = text.splitlines()
    start = 0
    if table is not None:
        header = re.compile(r"^\s*\[\s*" + r"\s*\.\s*".join(re.escape(p) for p in table.split(".")) + r"\s*\]")
        for i, line in enumerate(lines):
            if header.match(line):
                start = i
                if key == "":
                    return i + 1
                break
    pattern = re.compile(r"^\s*[\"']?" + re.escape(key) + r"[\"']?\s*=")
    for i in range(start, len(lines)):
        if pattern.match(lines[i]):
            return i + 1
    return None


def _read(path: Path) -> tuple[dict, str]:
    import tomllib

    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text; a config file is TOML", path) from None
    except OSError as exc:
        raise InputError(f"cannot read the config file ({exc.strerror})", path) from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc)) or "malformed TOML"
        raise InputError(f"not valid TOML: {reason}", path, int(found.group(1)) if found else None) from None


def _check_value(path: Path, text: str, key: str, value: Any, table: str | None) -> None:
    if isinstance(value, dict):
        return
    ok = isinstance(value, (str, int, float, bool)) or (
        isinstance(value, list) and all(isinstance(v, (str, int, float, bool)) for v in value))
    if not ok:
        raise InputError(f"{key}: give a string, number, true/false or a list of them", path,
                         _line_of(text, key, table))


def load_config(paths: list[Path] | None = None) -> dict:
    """The merged config: ``{"db": ..., "quiet": ..., "model": ..., "commands": {"train": {...}, ...},
    "where": {(table, key): (path, line)}}``. Top-level keys are checked here; command tables are checked
    against the commands by :func:`default_map`."""
    merged: dict[str, Any] = {"commands": {}, "where": {}}
    for path in config_paths() if paths is None else paths:
        data, text = _read(path)
        for key, value in data.items():
            if isinstance(value, dict):
                _merge_table(path, text, key, value, merged)
                continue
            if key not in TOP_LEVEL:
                known = ", ".join(TOP_LEVEL)
                raise InputError(f"unknown setting {key!r}; top-level settings are {known}, and [command] tables "
                                 "set a command's options", path, _line_of(text, key))
            kind, what = TOP_LEVEL[key]
            if not isinstance(value, kind):
                raise InputError(f"{key} (sets {what}) must be a {'true/false' if kind is bool else 'string'}, "
                                 f"got {value!r}", path, _line_of(text, key))
            if kind is str and not value.strip():
                raise InputError(f"{key} (sets {what}) is empty", path, _line_of(text, key))
            merged[key] = value
            merged["where"][("", key)] = (str(path), _line_of(text, key))
    return merged


def _merge_table(path: Path, text: str, name: str, table: dict, merged: dict) -> None:
    nested = {k: v for k, v in table.items() if isinstance(v, dict)}
    for key, value in table.items():
        if key in nested:
            continue
        _check_value(path, text, key, value, name)
        merged["commands"].setdefault(name, {})[key] = value
        merged["where"][(name, key)] = (str(path), _line_of(text, key, name))
    merged["where"].setdefault((name, ""), (str(path), _line_of(text, "", name)))
    for sub, value in nested.items():
        _merge_table(path, text, f"{name}.{sub}", value, merged)


def default_map(config: dict, root) -> dict:
    """Click's ``default_map`` for the command tree ``root`` from the config's tables (and its ``model``).

    An unknown command or option is an InputError naming the file and line.
    """
    out: dict[str, Any] = {}
    model = config.get("model")
    if model is not None:
        for name in MODEL_COMMANDS:
            if name in root.commands:
                out.setdefault(name, {})["model"] = model
    for table, values in config.get("commands", {}).items():
        path, line = config["where"].get((table, ""), (None, None))
        cmd, target = root, out
        for part in table.split("."):
            sub = getattr(cmd, "commands", {}).get(part)
            if sub is None:
                choices = ", ".join(sorted(getattr(cmd, "commands", {})))
                raise InputError(f"[{table}]: no command {part!r}; tables are named after commands: {choices}",
                                 path, line)
            cmd, target = sub, target.setdefault(part, {})
        options = {p.name: p for p in cmd.params if p.param_type_name == "option" and p.name}
        for key, value in values.items():
            name = key.lstrip("-").replace("-", "_")
            where = config["where"].get((table, key), (path, line))
            if name not in options:
                raise InputError(f"[{table}] {key}: `hyperlink {table.replace('.', ' ')}` has no option --{key}; "
                                 f"it has: {', '.join(sorted(n.replace('_', '-') for n in options)) or 'none'}",
                                 *where)
            target[name] = value
    return out
