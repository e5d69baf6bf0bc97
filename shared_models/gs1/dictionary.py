"""Read GS1's Barcode Syntax Dictionary and write the AI table and code lists Lotline runs on.

``parse_dictionary``, ``render_*`` and ``generate`` are pure functions of their input. File I/O happens only in
``main``: ``python -m shared_models.gs1.dictionary --write`` regenerates ``_ai_table.py`` from
``assets/gs1/gs1-syntax-dictionary.txt`` and ``_codes.py`` from the code lists beside it; ``--check`` exits 1 when
the committed modules and the generator's output disagree. The module imports nothing of its package, so
``python shared_models/gs1/dictionary.py --write`` works even when a generated module is broken.
"""

from __future__ import annotations

import argparse
import itertools
import re
import sys
from dataclasses import dataclass
from pathlib import Path

#: Component types of the dictionary: N digits, X CSET 82, Y CSET 39, Z CSET 64 (base64url).
COMPONENT_TYPES = "NXYZ"
_COMPONENT = re.compile(r"^(\[)?([NXYZ])(\.\.)?([0-9]+)(\])?((?:,[a-z0-9]+)*)$")
_PATTERN = re.compile(r"^[0-9]{2,4}$|^[0-9]{2,3}n{1,2}$")


class DictionaryError(ValueError):
    """The dictionary text breaks its own syntax rules (line number and reason in the message)."""


@dataclass(frozen=True, slots=True)
class Component:
    """One part of an AI's data field, consumed as a prefix of what is left of the value."""

    cset: str  # "N", "X", "Y" or "Z"
    min_length: int
    max_length: int
    optional: bool
    linters: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Entry:
    """One dictionary line: a single AI or a range of AIs sharing one specification."""

    first: str
    last: str
    fnc1: bool  # False for "*": predefined length, never followed by an FNC1 separator
    dl_attribute: bool  # "?": permitted as a GS1 Digital Link data attribute
    components: tuple[Component, ...]
    requires: tuple[tuple[tuple[str, ...], ...], ...]  # per req=: alternatives, each a group that must all be present
    excludes: tuple[str, ...]  # AIs or patterns ("310n", "31nn") that must not appear alongside
    dl_qualifiers: tuple[tuple[str, ...], ...] | None  # dlpkey: ordered qualifier sequences; None: not a key
    title: str  # GS1 data title

    def ais(self) -> tuple[str, ...]:
        """Every AI of the entry ("3100-3105" -> 3100 ... 3105)."""
        width = len(self.first)
        return tuple(str(n).zfill(width) for n in range(int(self.first), int(self.last) + 1))


def _component(token: str, lineno: int) -> Component:
    m = _COMPONENT.match(token)
    if m is None or bool(m[1]) != bool(m[5]):
        raise DictionaryError(f"line {lineno}: {token!r} is not a component (e.g. N13,csum or [X..17])")
    length = int(m[4])
    linters = tuple(x for x in m[6].split(",") if x)
    return Component(m[2], 1 if m[3] else length, length, bool(m[1]), linters)


def _patterns(value: str, lineno: int) -> tuple[str, ...]:
    out = tuple(value.split(","))
    for pattern in (p for item in out for p in item.split("+")):
        if not _PATTERN.match(pattern):
            raise DictionaryError(f"line {lineno}: {pattern!r} is not an AI or AI pattern")
    return out


def _entry(line: str, lineno: int) -> Entry:
    body, _, title = line.partition("#")
    tokens = body.split()
    ais, rest = tokens[0], tokens[1:]
    first, _, last = ais.partition("-")
    flags = ""
    if rest and not re.match(r"^\[?[NXYZ]", rest[0]):
        flags, rest = rest[0], rest[1:]
    if set(flags) - set("*?"):
        raise DictionaryError(f"line {lineno}: unknown flags {flags!r}")
    components: list[Component] = []
    requires: list[tuple[tuple[str, ...], ...]] = []
    excludes: list[str] = []
    qualifiers: tuple[tuple[str, ...], ...] | None = None
    for token in rest:
        key, eq, value = token.partition("=")
        if key == "req" and eq:
            requires.append(tuple(tuple(group.split("+")) for group in _patterns(value, lineno)))
        elif key == "ex" and eq:
            excludes.extend(_patterns(value, lineno))
        elif key == "dlpkey":
            qualifiers = tuple(tuple(seq.split(",")) if seq else () for seq in value.split("|")) if eq else ((),)
        elif not eq and not requires and not excludes and qualifiers is None:
            components.append(_component(token, lineno))
        else:
            raise DictionaryError(f"line {lineno}: unexpected {token!r}")
    if not components:
        raise DictionaryError(f"line {lineno}: no data field specification")
    if any(c.min_length != c.max_length for c in components[:-1]):
        raise DictionaryError(f"line {lineno}: only the final component may have a variable length")
    if any(a.optional and not b.optional for a, b in itertools.pairwise(components)):
        raise DictionaryError(f"line {lineno}: a mandatory component follows an optional one")
    return Entry(first, last or first, "*" not in flags, "?" in flags, tuple(components), tuple(requires),
                 tuple(excludes), qualifiers, title.strip())


def parse_dictionary(text: str) -> tuple[Entry, ...]:
    """Every entry of the dictionary text, in file order. Raises DictionaryError naming the line."""
    entries = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if line.strip() and not line.lstrip().startswith("#"):
            entries.append(_entry(line, lineno))
    return tuple(entries)


def render_ai_table(entries: tuple[Entry, ...], source: str) -> str:
    """The source of ``_ai_table.py`` for ``entries``: one line per dictionary entry."""
    head = [
        '"""GS1 AI table generated from the GS1 Barcode Syntax Dictionary: do not edit, regenerate it.',
        "",
        f"Source: {source}.",
        "Regenerate: python -m shared_models.gs1.dictionary --write (python shared_models/gs1/dictionary.py --write",
        "when this module is broken: the script imports nothing of the package).",
        "",
        "Each entry: (first AI, last AI, FNC1 needed, Digital Link data attribute, components, requires, excludes,",
        "Digital Link qualifier sequences or None, data title). A component: (type N/X/Y/Z, min length, max length,",
        "optional, linters). requires: one tuple per req= rule; any one of its groups (all AIs of the group present)",
        'satisfies it. Patterns: "310n" = 3100-3109, "31nn" = 3100-3199."""',
        "",
        "# ruff: noqa: E501",
        "# fmt: off",
        f"SOURCE = {source!r}",
        "ENTRIES = (",
    ]
    rows = []
    for e in entries:
        comps = tuple((c.cset, c.min_length, c.max_length, c.optional, c.linters) for c in e.components)
        row = (e.first, e.last, e.fnc1, e.dl_attribute, comps, e.requires, e.excludes, e.dl_qualifiers, e.title)
        rows.append(f"    {row!r},")
    return "\n".join([*head, *rows, ")", ""])


def _tsv_column(text: str, column: int) -> list[str]:
    rows = [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]
    return [row[column] for row in rows[1:]]  # rows[0] is the header


def render_codes(iso3166: str, iso4217: str, package_types: str) -> str:
    """The source of ``_codes.py`` from the three code-list files of assets/gs1/."""
    num3 = " ".join(_tsv_column(iso3166, 0))
    alpha2 = " ".join(_tsv_column(iso3166, 1))
    currencies = " ".join(_tsv_column(iso4217, 0))
    packages = " ".join(line for line in package_types.splitlines() if line and not line.startswith("#"))
    return "\n".join([
        '"""Code lists the GS1 linters check against, generated from assets/gs1/ (iso3166.tsv, iso4217.tsv,',
        'package-types.txt: sources in each file\'s header): do not edit, run `python -m shared_models.gs1.dictionary',
        '--write`."""',
        "",
        "# ruff: noqa: E501, SIM905",
        "# fmt: off",
        f"ISO3166_NUMERIC = frozenset({num3!r}.split())",
        f"ISO3166_ALPHA2 = frozenset({alpha2!r}.split())",
        f"ISO4217_NUMERIC = frozenset({currencies!r}.split())",
        f"PACKAGE_TYPES = frozenset({packages!r}.split())",
        "",
    ])


ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "assets" / "gs1"
HERE = Path(__file__).resolve().parent
SOURCE = "assets/gs1/gs1-syntax-dictionary.txt (gs1/gs1-syntax-dictionary@ff2eb4bfc8f647aa3244626bdb875165d067a3e6)"


#: Each input file of assets/gs1/ the generator reads.
INPUTS = ("gs1-syntax-dictionary.txt", "iso3166.tsv", "iso4217.tsv", "package-types.txt")


def generate(inputs: dict[str, str]) -> dict[str, str]:
    """Module file name -> its text, from the input files' texts (keyed by INPUTS names). Pure."""
    return {
        "_ai_table.py": render_ai_table(parse_dictionary(inputs["gs1-syntax-dictionary.txt"]), SOURCE),
        "_codes.py": render_codes(inputs["iso3166.tsv"], inputs["iso4217.tsv"], inputs["package-types.txt"]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared_models.gs1.dictionary", description=__doc__)
    parser.add_argument("--write", action="store_true", help="regenerate the modules")
    parser.add_argument("--check", action="store_true", help="exit 1 if a committed module is out of date")
    args = parser.parse_args(argv)
    stale = []
    inputs = {name: (ASSETS / name).read_text(encoding="utf-8") for name in INPUTS}
    for name, text in generate(inputs).items():
        path = HERE / name
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current != text:
            stale.append(path)
            if args.write:
                path.write_text(text, encoding="utf-8")
    for path in stale:
        print(f"{'wrote' if args.write else 'out of date'}: {path}")
    return 1 if stale and not args.write else 0


if __name__ == "__main__":
    sys.exit(main())
