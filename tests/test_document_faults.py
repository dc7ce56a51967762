"""Bad documents: each gets a message naming the file; the rest are still served.

Missing paths, empty files and folders, binary and non-UTF-8 files, a 200 MB file over
the size cap, thousands of small files, broken front matter and unreadable files, through
the loader (``build_engine``) and through ``citebot ask --docs`` (in-process for every case,
and once end to end as a subprocess with all of them together).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Settings
from retrieval.documents import MAX_DOCUMENT_MB_ENV
from retrieval.engine import Engine, build_engine
from retrieval.errors import ConfigError, DocumentError

REPO = Path(__file__).resolve().parent.parent
ARTICLE = REPO / "seeds" / "taurus-leak.txt"
QUESTION = "Who posted the recording?"
ANSWER_WORD = "Simonyan"
PARAGRAPH = (
    "The lighthouse keeper Odalys Brandvik logged every passing ship in a green ledger. "
    "She kept the lamp burning through the storm of the winter of 1911.\n\n"
)
# A small document needs a few sentences for BM25's idf to tell them apart.
KEEPER = PARAGRAPH + (
    "The harbour master counted fishing boats at dawn.\n\n"
    "A ferry crossed to the island twice a week in summer.\n\n"
    "Gulls nested on the breakwater every spring.\n"
)


def write_bytes(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# Each maker builds one bad path in a folder and returns it; the file name is what the
# message must name.
def missing(d: Path) -> Path:
    return d / "missing.txt"


def empty_file(d: Path) -> Path:
    return write_bytes(d / "empty.txt", b"")


def blank_file(d: Path) -> Path:
    return write_bytes(d / "blank.md", b"  \n\n\t\n   \n")


def empty_folder(d: Path) -> Path:
    folder = d / "empty-folder"
    folder.mkdir(parents=True)
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4 not a text document")
    return folder


def binary_file(d: Path) -> Path:
    return write_bytes(d / "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))


def binary_without_nul(d: Path) -> Path:
    return write_bytes(d / "noise.md", bytes(range(128, 256)) * 40)


def latin1_file(d: Path) -> Path:
    return write_bytes(d / "latin1.txt", "Café crème à la Müller. Ça coûte cher.".encode("latin-1"))


def too_large(d: Path) -> Path:
    return write_bytes(d / "large.txt", PARAGRAPH.encode() * 40_000)  # ~6 MB, over a 1 MB cap


def unsupported(d: Path) -> Path:
    return write_bytes(d / "report.pdf", b"%PDF-1.7")


def directory_named_txt(d: Path) -> Path:
    folder = d / "x.txt"
    folder.mkdir(parents=True)
    return folder


BAD: dict[str, Callable[[Path], Path]] = {
    "missing path": missing,
    "empty file": empty_file,
    "whitespace file": blank_file,
    "empty folder": empty_folder,
    "binary": binary_file,
    "binary without NUL": binary_without_nul,
    "latin-1": latin1_file,
    "over the size cap": too_large,
    "not .txt or .md": unsupported,
    "a directory named x.txt": directory_named_txt,
}


MB = 1024 * 1024


def build(paths: list[Path], *, cap_mb: int = 1) -> Engine:
    """The engine as the bot builds it, with a small document size cap."""
    return build_engine(paths, max_document_bytes=cap_mb * MB)


@pytest.fixture(autouse=True)
def small_size_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same cap for the CLI, which reads it from the environment."""
    monkeypatch.setenv(MAX_DOCUMENT_MB_ENV, "1")
    monkeypatch.setenv("CITEBOT_CACHE_DIR", "off")


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("case", list(BAD))
def test_alone_it_is_a_clear_error_naming_the_file(
    tmp_path: Path, case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = BAD[case](tmp_path)
    with pytest.raises(DocumentError) as raised:
        build([bad])
    assert bad.name in str(raised.value)
    code, out, err = run_cli(["ask", "--docs", str(bad), QUESTION], capsys)
    assert code == 2
    assert out == ""
    assert err.startswith("citebot: ") and bad.name in err and "Traceback" not in err


@pytest.mark.parametrize("case", list(BAD))
def test_beside_a_good_document_it_is_skipped_with_a_warning(
    tmp_path: Path, case: str, capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    bad = BAD[case](tmp_path)
    with caplog.at_level(logging.WARNING):
        engine = build([bad, ARTICLE])
    assert [d.title for d in engine.corpus.documents] == ["Taurus leak"]
    assert any(bad.name in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert ANSWER_WORD in engine.answerer.answer(QUESTION).citations[0].quote
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        code, out, _ = run_cli(["ask", "--docs", str(bad), str(ARTICLE), QUESTION], capsys)
    assert code == 0 and ANSWER_WORD in out
    assert any(bad.name in r.getMessage() for r in caplog.records)


def test_a_folder_keeps_its_good_files_and_names_the_bad_ones(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "docs"
    bad = [make(folder) for name, make in BAD.items()
           if name not in ("missing path", "not .txt or .md", "a directory named x.txt")]
    write_bytes(folder / "keeper.md", KEEPER.encode())
    with caplog.at_level(logging.WARNING):
        engine = build([folder])
    assert [d.title for d in engine.corpus.documents] == ["Keeper"]
    warned = " ".join(r.getMessage() for r in caplog.records)
    for path in bad:
        if path.is_file():
            assert path.name in warned, path
    answer = engine.answerer.answer("Who kept the lamp burning?")
    assert answer.answered and "Brandvik" in answer.citations[0].quote


@pytest.mark.parametrize(
    ("name", "encoding"),
    [("utf16le.txt", "utf-16"), ("utf16be.txt", "utf-16-be-bom"), ("utf8bom.md", "utf-8-sig")],
)
def test_utf16_with_bom_and_utf8_with_bom_load(tmp_path: Path, name: str, encoding: str) -> None:
    text = "# Harbour\n\n" + KEEPER
    data = ("\ufeff" + text).encode("utf-16-be") if encoding == "utf-16-be-bom" else (
        text.encode(encoding))
    path = write_bytes(tmp_path / name, data)
    engine = build([path])
    answer = engine.answerer.answer("Who logged every passing ship?")
    assert answer.answered
    assert answer.citations[0].quote.startswith("The lighthouse keeper Odalys Brandvik")
    assert answer.citations[0].section == "Harbour"


def test_unreadable_file_is_named_and_the_rest_served(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Tests run as root, so chmod 000 would not stop a read: refuse it in ``read_bytes``."""
    locked = write_bytes(tmp_path / "locked.txt", KEEPER.encode())
    real_read = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == locked.name:
            raise PermissionError(13, "Permission denied", str(self))
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    with caplog.at_level(logging.WARNING):
        engine = build([locked, ARTICLE])
    assert len(engine.corpus.documents) == 1
    assert any("locked.txt" in r.getMessage() and "Permission denied" in r.getMessage()
               for r in caplog.records)
    code, _, err = run_cli(["ask", "--docs", str(locked), QUESTION], capsys)
    assert code == 2 and "locked.txt" in err and "Permission denied" in err


@pytest.mark.parametrize(
    "raw",
    [
        "---\ntitle: Harbour log\nthis line is not a field\n---\n" + KEEPER,
        "---\ntitle: Harbour log\n\n" + KEEPER,  # never closed
    ],
    ids=["bad line", "never closed"],
)
def test_broken_front_matter_is_named_and_the_text_still_served(
    tmp_path: Path, raw: str, caplog: pytest.LogCaptureFixture
) -> None:
    broken = write_bytes(tmp_path / "harbour.md", raw.encode())
    with caplog.at_level(logging.WARNING):
        engine = build([broken, ARTICLE])
    assert any("harbour.md" in r.getMessage() and "front matter" in r.getMessage()
               for r in caplog.records)
    assert len(engine.corpus.documents) == 2
    answer = engine.answerer.answer("Who logged every passing ship?")
    assert answer.answered and "Brandvik" in answer.citations[0].quote
    assert ANSWER_WORD in engine.answerer.answer(QUESTION).citations[0].quote


def test_a_200_mb_file_over_the_cap_is_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    big = tmp_path / "huge.txt"
    block = PARAGRAPH.encode() * 5_000  # ~0.8 MB
    with big.open("wb") as f:
        while f.tell() < 200 * 1024 * 1024:
            f.write(block)
    read: list[Path] = []
    real_read = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        read.append(self)
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    try:
        with caplog.at_level(logging.WARNING):
            engine = build([big, ARTICLE], cap_mb=100)
    finally:
        big.unlink()  # pytest keeps recent temporary folders: do not leave 200 MB behind
    assert big not in read
    assert len(engine.corpus.documents) == 1
    message = " ".join(r.getMessage() for r in caplog.records)
    assert "huge.txt" in message and "too large" in message and MAX_DOCUMENT_MB_ENV in message


def test_size_cap_setting() -> None:
    def cap(environ: dict[str, str]) -> int | None:
        return Settings.from_env(environ).max_document_bytes

    assert cap({}) == 256 * MB
    assert cap({MAX_DOCUMENT_MB_ENV: "0.5"}) == 512 * 1024
    assert cap({MAX_DOCUMENT_MB_ENV: "0"}) is None
    for bad in ("lots", "-1", "nan", "inf"):
        with pytest.raises(ConfigError, match=MAX_DOCUMENT_MB_ENV):
            cap({MAX_DOCUMENT_MB_ENV: bad})


def test_a_folder_of_3000_small_files_loads(tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    for i in range(3_000):
        sub = folder / f"shelf-{i % 30:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"note-{i:04d}.txt").write_text(
            f"Filing note {i}.\n\nThe archivist for box {i} is clerk{i}x. "
            f"It is stored in vault {i % 50}.\n"
        )
    engine = build([folder])
    assert len(engine.corpus.documents) == 3_000
    answer = engine.answerer.answer("Who is the archivist for box 2999?")
    assert answer.answered and "clerk2999x" in answer.citations[0].quote
    assert answer.citations[0].source == "Note 2999"


def test_cli_end_to_end_names_every_skipped_file_and_never_shows_a_traceback(
    tmp_path: Path,
) -> None:
    bad = [make(tmp_path / "bad") for make in BAD.values()]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CITEBOT_", "SLACK_"))}
    env.update({MAX_DOCUMENT_MB_ENV: "1", "CITEBOT_CACHE_DIR": "off"})

    def ask(*paths: Path) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-m", "bot.cli", "ask", "--docs", *map(str, paths), QUESTION]
        return subprocess.run(argv, capture_output=True, text=True, env=env, cwd=tmp_path,
                              timeout=120, check=False)

    nothing = ask(*bad)
    assert nothing.returncode == 2 and nothing.stdout == ""
    assert "Traceback" not in nothing.stderr and "citebot: " in nothing.stderr
    served = ask(*bad, ARTICLE)
    assert served.returncode == 0, served.stderr
    assert ANSWER_WORD in served.stdout and "Traceback" not in served.stderr
    for path in bad:
        assert path.name in nothing.stderr, path
        assert path.name in served.stderr, path


def test_control_characters_in_a_document_never_reach_a_quote(tmp_path: Path) -> None:
    """A document's terminal escapes and bells are cleaned away; quotes stay verbatim."""
    raw = KEEPER.replace("Odalys Brandvik", "\x1b[2J\x1b[31mOdalys\x1b[0m Brandvik\x07\x00")
    path = write_bytes(tmp_path / "escapes.txt", ("\ufeff" + raw).encode("utf-16"))
    engine = build([path])
    answer = engine.answerer.answer("Who logged every passing ship?")
    quote = answer.citations[0].quote
    assert "Odalys" in quote and quote in engine.corpus.documents[0].text
    assert not [c for c in quote if ord(c) < 32 or ord(c) == 127]


@pytest.mark.parametrize("shape", ["lines without blank lines", "paragraphs that run on"])
def test_long_runs_of_lines_load_in_linear_time(tmp_path: Path, shape: str) -> None:
    """A log-like file (one line after another, or paragraphs that each run on into the next
    as if broken by page breaks) is one huge paragraph: it must not take quadratic time.
    (No timing asserted: before the fix 30,000 lines took minutes.)"""

    def tag(i: int) -> str:  # a word of its own per line: "qbaa", "qcaa", ...
        return "q" + "".join(chr(97 + (i // 26**k) % 26) for k in range(4))

    if shape == "lines without blank lines":
        blocks = [f"Entry {i} of the log names the ship {tag(i)}." for i in range(8_000)]
        separator = "\n"
    else:  # every block ends mid-sentence and the next goes on in lower case
        blocks = [f"to port. Entry {i} of the log names the ship {tag(i)}. It sailed"
                  for i in range(8_000)]
        separator = "\n\n"
    path = write_bytes(tmp_path / "log.txt", separator.join(blocks).encode())
    engine = build([path], cap_mb=10)
    document = engine.corpus.documents[0]
    assert len(document.body_paragraphs) == 1
    assert document.text == " ".join(blocks)
    assert len(engine.corpus) >= 8_000
    answer = engine.answerer.answer(f"Which entry names the ship {tag(7_998)}?")
    assert answer.answered
    assert answer.citations[0].quote.startswith("Entry 7998 of the log names the ship")
