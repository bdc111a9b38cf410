"""Reading TOML files, and configuration mistakes as one line each: file (or variable),
table, key and problem."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from config.models import CREDENTIALS_REFUSED


class SettingsError(ValueError):
    """A configuration file or variable is missing, unreadable or has a wrong key or value."""


def read_toml(path: Path) -> dict[str, Any]:
    """The tables of the TOML file at `path`, or a SettingsError saying why not."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise SettingsError(f"cannot read config file {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"config file {path} is not valid TOML: {exc}") from exc


_MAX_SHOWN = 80  # longer values (whole rule lists) are left out: the problem names the part
_TYPE_PROBLEMS = {
    "int_type": "must be an integer",
    "float_type": "must be a number",
    "bool_type": "must be true or false",
    "string_type": "must be a string",
    "tuple_type": "must be a list",
    "model_type": "must be a table",
    "dict_type": "must be a table",
    "string_too_short": "must not be empty",
}


def _problem(error: Mapping[str, Any]) -> str:
    """The pydantic error as a short phrase: `must be an integer`, `must be >= 1`, ..."""
    if error["type"] in _TYPE_PROBLEMS:
        return _TYPE_PROBLEMS[error["type"]]
    message = str(error["msg"]).removeprefix("Value error, ")
    return message.replace("Input should be", "must be", 1)


def _place(loc: tuple[Any, ...]) -> tuple[str, str]:
    """(table, key) of an error location: ("[dedup]", "num_perm"), ("[[feeds.groups]] #2",
    "cron"), ("[lines]", "share[3]")."""
    if len(loc) >= 3 and loc[:2] == ("feeds", "groups") and isinstance(loc[2], int):
        table, rest = f"[[feeds.groups]] #{loc[2] + 1}", loc[3:]
    else:
        table, rest = f"[{loc[0]}]", loc[1:]
    key = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in rest)
    return table, key.lstrip(".")


def describe(
    exc: ValidationError,
    origin: str,
    sections: tuple[str, ...] = (),
    env: Mapping[str, Mapping[str, tuple[str, Any]]] | None = None,
) -> str:
    """One line for the first problem of `exc` (with every unknown key of its table), naming
    `origin` (the file) or, from `env` (`{section: {key: (variable, value)}}`), the environment
    variable that set the value. `sections` are the known tables, listed for an unknown one."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    loc = tuple(first["loc"])
    if len(loc) >= 2 and env and (variable := env.get(str(loc[0]), {}).get(str(loc[1]))):
        origin = variable[0]
    same = [first]
    if len(loc) == 1 and first["type"] == "extra_forbidden":
        same = [e for e in errors if len(e["loc"]) == 1 and e["type"] == "extra_forbidden"]
        unknown = ", ".join(f"[{e['loc'][0]}]" for e in same)
        line = f"{origin}: unknown section {unknown} (known: {', '.join(sections)})"
    elif len(loc) == 1:
        line = f"[{loc[0]}] in {origin}: {_problem(first)}"
    else:
        table, key = _place(loc)
        if first["type"] == "extra_forbidden":
            same = [
                e for e in errors if e["type"] == "extra_forbidden" and e["loc"][:-1] == loc[:-1]
            ]
            problem = f"unknown key(s) {sorted(str(e['loc'][-1]) for e in same)}"
        elif first["type"] == "missing":
            problem = f"needs a {key}"
        else:
            shown = repr(first["input"])
            hidden = len(shown) > _MAX_SHOWN or first["type"] == CREDENTIALS_REFUSED
            value = "" if hidden else f" = {shown}"
            problem = f"{key}{value}: {_problem(first)}"
        line = f"{table} in {origin}: {problem}"
    if more := len(errors) - len(same):
        line += f" (and {more} more problem{'s' if more > 1 else ''})"
    return line
