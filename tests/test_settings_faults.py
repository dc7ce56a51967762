"""Missing or malformed tokens and settings: a start-up error naming the key, exit code 2,
never a traceback, for ``citebot slack``, ``citebot discord``, ``citebot chat`` and the
config loader.

The CLI runs with a controlled environment and an empty working directory (so no stray
``.env`` is read): as a subprocess (``python -m bot.cli``) for the cases marked so, started
concurrently when the module starts, and in-process through ``bot.cli.main`` for the rest.
"""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fakes.slack_api import FakeSlackAPI

from bot.cli import main
from bot.config import ENV_KEYS, Settings
from retrieval.errors import ConfigError

TOKENS = {
    "SLACK_BOT_TOKEN": "xoxb-start-up-test-bot-1f7e",
    "SLACK_APP_TOKEN": "xapp-start-up-test-app-9c2d",
    "SLACK_SIGNING_SECRET": "start-up-test-signing-4b8a",
}


@dataclass(frozen=True)
class Case:
    argv: tuple[str, ...]
    env: Mapping[str, str]
    expect: str  # must appear in stderr (the key, or the file)
    dotenv: bytes | None = None  # written to ./.env in the working directory
    extra: tuple[str, ...] = field(default=())  # also in stderr
    subprocess: bool = False  # run as ``python -m bot.cli`` (else ``bot.cli.main``)


CASES: dict[str, Case] = {
    "slack without SLACK_BOT_TOKEN": Case(("slack",), {}, "SLACK_BOT_TOKEN", subprocess=True),
    "slack socket mode without SLACK_APP_TOKEN": Case(
        ("slack",), {"SLACK_BOT_TOKEN": TOKENS["SLACK_BOT_TOKEN"]}, "SLACK_APP_TOKEN"),
    "slack --http without SLACK_SIGNING_SECRET": Case(
        ("slack", "--http"), {"SLACK_BOT_TOKEN": TOKENS["SLACK_BOT_TOKEN"]},
        "SLACK_SIGNING_SECRET"),
    "slack with a token holding spaces": Case(
        ("slack",), {**TOKENS, "SLACK_BOT_TOKEN": "xoxb-pasted twice"}, "SLACK_BOT_TOKEN"),
    "slack with missing documents": Case(
        ("slack",), {**TOKENS, "CITEBOT_DOCS": "/nonexistent/handbook"}, "/nonexistent/handbook",
        subprocess=True),
    "slack with a bad document size cap": Case(
        ("slack",), {**TOKENS, "CITEBOT_MAX_DOCUMENT_MB": "big"}, "CITEBOT_MAX_DOCUMENT_MB"),
    "slack with a bad value in .env": Case(
        ("slack",), {}, "CITEBOT_CITATIONS",
        dotenv=b"SLACK_BOT_TOKEN=xoxb-1\nSLACK_APP_TOKEN=xapp-1\nCITEBOT_CITATIONS=three\n",
        subprocess=True),
    "slack with a .env that is not UTF-8": Case(
        ("slack",), {}, ".env", dotenv=b"SLACK_BOT_TOKEN=xoxb-\xff\xfe\xfa\n"),
    "slack with Slack unreachable": Case(
        ("slack",), {**TOKENS, "SLACK_API_URL": "http://127.0.0.1:9/api/"}, "SLACK_API_URL",
        extra=("cannot reach",), subprocess=True),
    "discord without DISCORD_TOKEN": Case(("discord",), {}, "DISCORD_TOKEN", subprocess=True),
    "discord with bad DISCORD_GUILD_IDS": Case(
        ("discord",), {"DISCORD_TOKEN": "abc.def.ghi", "DISCORD_GUILD_IDS": "123,my-server"},
        "DISCORD_GUILD_IDS"),
    "chat with a bad thread memory size": Case(
        ("chat",), {"CITEBOT_THREAD_MEMORY_SIZE": "-3"}, "CITEBOT_THREAD_MEMORY_SIZE"),
}


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str


def clean_env(extra: Mapping[str, str]) -> dict[str, str]:
    known = set(ENV_KEYS.values())
    env = {k: v for k, v in os.environ.items()
           if k not in known and not k.startswith(("CITEBOT_", "SLACK_", "DISCORD_"))}
    env["CITEBOT_CACHE_DIR"] = "off"
    env.update(extra)
    return env


def run_case(case: Case, workdir: Path) -> Outcome:
    workdir.mkdir(parents=True)
    if case.dotenv is not None:
        (workdir / ".env").write_bytes(case.dotenv)
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", *case.argv], capture_output=True, text=True,
        env=clean_env(case.env), cwd=workdir, stdin=subprocess.DEVNULL, timeout=60, check=False,
    )
    return Outcome(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture(scope="module")
def started(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Future[Outcome]]]:
    """The subprocess cases, all started at once; each test waits for its own."""
    root = tmp_path_factory.mktemp("settings")
    with ThreadPoolExecutor(max_workers=len(CASES)) as pool:
        yield {name: pool.submit(run_case, case, root / f"case{n}")
               for n, (name, case) in enumerate(CASES.items()) if case.subprocess}


def run_in_process(case: Case, workdir: Path, monkeypatch: pytest.MonkeyPatch,
                   capsys: pytest.CaptureFixture[str]) -> Outcome:
    workdir.mkdir(parents=True)
    if case.dotenv is not None:
        (workdir / ".env").write_bytes(case.dotenv)
    for key in list(os.environ):
        if key.startswith(("CITEBOT_", "SLACK_", "DISCORD_")):
            monkeypatch.delenv(key)
    for key, value in {**case.env, "CITEBOT_CACHE_DIR": "off"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(workdir)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    code = main(list(case.argv))
    out, err = capsys.readouterr()
    return Outcome(code, out, err)


@pytest.mark.parametrize("name", list(CASES))
def test_start_up_error_names_the_key(
    name: str, started: dict[str, Future[Outcome]], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    case = CASES[name]
    if case.subprocess:
        outcome = started[name].result()
    else:
        outcome = run_in_process(case, tmp_path / "work", monkeypatch, capsys)
    assert outcome.code == 2, outcome
    assert "Traceback" not in outcome.stderr, outcome.stderr
    assert "citebot: " in outcome.stderr and case.expect in outcome.stderr, outcome.stderr
    for text in case.extra:
        assert text in outcome.stderr
    for secret in (*TOKENS.values(), "xoxb-pasted twice"):
        assert secret not in outcome.stderr and secret not in outcome.stdout


async def test_slack_token_refused_by_slack_is_a_start_up_error(tmp_path: Path) -> None:
    fake = FakeSlackAPI(bot_token="xoxb-the-right-token")
    await fake.start()
    try:
        env = clean_env({**TOKENS, "SLACK_API_URL": fake.base_url})
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "slack", cwd=tmp_path, env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    finally:
        await fake.stop()
    stderr = err.decode()
    assert proc.returncode == 2, stderr
    assert "SLACK_BOT_TOKEN" in stderr and "invalid_auth" in stderr
    assert "Traceback" not in stderr and TOKENS["SLACK_BOT_TOKEN"] not in stderr + out.decode()
    assert [c.method for c in fake.calls] == ["auth.test"]


# -- the config loader in-process: every key, a malformed value, a message naming it --------

MALFORMED = {
    "CITEBOT_CITATIONS": "11",
    "CITEBOT_SUMMARY_SENTENCES": "seven",
    "CITEBOT_RATE_LIMIT_PER_MINUTE": "-1",
    "CITEBOT_RATE_LIMIT_BURST": "0",
    "CITEBOT_THREAD_MEMORY_SIZE": "1.5",
    "CITEBOT_THREAD_MEMORY_TTL": "inf",
    "CITEBOT_MAX_QUESTION_CHARS": "5",
    "CITEBOT_MAX_IN_FLIGHT": "0",
    "CITEBOT_LOG_LEVEL": "verbose",
    "CITEBOT_LOG_MESSAGE_TEXT": "perhaps",
    "CITEBOT_MAX_DOCUMENT_MB": "lots",
    "CITEBOT_SEMANTIC": "sometimes",
    "SLACK_BOT_TOKEN": "xoxb-secret value-with-space",
    "SLACK_SIGNING_SECRET": "signing secret-with-space",
    "SLACK_APP_TOKEN": "xapp-secret\tvalue",
    "SLACK_API_URL": "ftp://slack.example/api",
    "SLACK_EPHEMERAL": "2",
    "DISCORD_TOKEN": "discord secret-value",
    "DISCORD_GUILD_IDS": "12,x",
    "DISCORD_EPHEMERAL": "yes please",
}


@pytest.mark.parametrize("key", list(MALFORMED))
def test_config_loader_names_the_key_and_never_echoes_a_secret(key: str) -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({key: MALFORMED[key]})
    message = str(raised.value)
    assert key in message
    if key.endswith(("TOKEN", "SECRET")):
        for part in MALFORMED[key].split():
            assert part not in message


def test_every_setting_with_a_parser_has_a_malformed_case() -> None:
    # any text is valid (a cache folder that cannot be written is warned about, not fatal)
    free_text = {"CITEBOT_DOCS", "SLACK_CHANNELS", "DISCORD_CHANNELS", "CITEBOT_CACHE_DIR"}
    assert set(MALFORMED) | free_text == set(ENV_KEYS.values())
