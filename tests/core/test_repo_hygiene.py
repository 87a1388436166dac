"""The repository stands on its own: no code or test reads a path of one particular machine.

A test that opened the shared data folder of the development machine by its absolute path
passed there and failed on a clean clone. Every string literal of the Python files in `src/`,
`tests/`, `benchmarks/`, `scripts/` and `deploy/`, and every line of their shell scripts, is
checked for absolute paths under the machine folders `work`, `home`, `root` and `tmp`; temporary
files come from `tmp_path` / `tempfile` / `mktemp`, data from the package or the test's own
fixtures.
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCANNED = ("src", "tests", "benchmarks", "scripts", "deploy")
# An absolute path starts the literal or follows a separator (space, quote, "=", ":", "(",
# ","); "{root}/home/…" or "https://host/home/" are relative to something else and pass.
MACHINE_PATH = re.compile(r"(?:^|(?<=[\s\"'=:(,]))/(?:work|home|root|tmp)(?=/|\b)")


def _python_literals(path: Path) -> list[tuple[int, str]]:
    """String literals holding a machine path; docstrings (a string standing alone as a
    statement) are prose and are left out."""
    source = path.read_text(encoding="utf-8")
    tokens = [
        t
        for t in tokenize.generate_tokens(io.StringIO(source).readline)
        if t.type not in (tokenize.COMMENT, tokenize.NL)
    ]
    statement_start = (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING)
    found = []
    for i, token in enumerate(tokens):
        if token.type != tokenize.STRING:
            continue
        alone = (i == 0 or tokens[i - 1].type in statement_start) and (
            i + 1 < len(tokens) and tokens[i + 1].type in (tokenize.NEWLINE, tokenize.ENDMARKER)
        )
        if not alone and MACHINE_PATH.search(token.string.lstrip("rbfuRBFU")):
            found.append((token.start[0], token.string))
    return found


def _shell_lines(path: Path) -> list[tuple[int, str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [
        (number, line.strip())
        for number, line in enumerate(lines, start=1)
        if not line.lstrip().startswith("#") and MACHINE_PATH.search(line)
    ]


def _offences() -> list[str]:
    offences = []
    for top in SCANNED:
        for path in sorted((REPO / top).rglob("*")):
            if not path.is_file() or "__pycache__" in path.parts:
                continue
            if path.suffix == ".py":
                hits = _python_literals(path)
            elif path.suffix == ".sh":
                hits = _shell_lines(path)
            else:
                continue
            rel = path.relative_to(REPO)
            offences.extend(f"{rel}:{line}: {text[:120]}" for line, text in hits)
    return offences


def test_the_pattern_finds_machine_paths_and_spares_relative_ones() -> None:
    # Built from pieces so that this file does not trip its own check.
    s = "/"
    for bad in (
        f'"{s}work/shared/data"',
        f"'{s}tmp/x.db'",
        f'f"{s}home/{{user}}"',
        f'"{s}root"',
        f'Path("{s}tmp")',
        f'"--dir={s}tmp/d"',
    ):
        assert MACHINE_PATH.search(bad), bad
    for good in (
        '"{root}/home/%u"',
        '"https://host/home/"',
        '"var/tmp/x"',
        '"/worker/"',
        '"/homepage"',
        '"/van-ban/"',
    ):
        assert not MACHINE_PATH.search(good), good


def test_no_absolute_machine_paths_in_code_tests_or_benchmarks() -> None:
    offences = _offences()
    assert not offences, (
        "Đường dẫn tuyệt đối của một máy cụ thể trong mã/kiểm thử (dùng tmp_path, tempfile "
        "hoặc dữ liệu đóng gói):\n" + "\n".join(offences)
    )
