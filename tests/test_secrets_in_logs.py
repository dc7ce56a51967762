"""No secret reaches a log: DEBUG logs captured across loading settings (environment and
``.env``), building the core, answering, bad settings, and the CLI at ``--log-level DEBUG``.

The adapters test their own paths (tests/test_slack_lifecycle.py, tests/test_discord_faults.py);
this covers the platform-free parts every adapter goes through.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import render
from bot.config import ENV_KEYS, Settings
from bot.core import build_core
from bot.types import Incoming, Platform
from retrieval.errors import ConfigError

REPO = Path(__file__).resolve().parent.parent
ARTICLE = REPO / "seeds" / "taurus-leak.txt"
SECRETS = {
    "SLACK_BOT_TOKEN": "xoxb-LOGCHECK-bot-3b9f2e",
    "SLACK_SIGNING_SECRET": "LOGCHECK-signing-8d1c7a",
    "SLACK_APP_TOKEN": "xapp-LOGCHECK-app-51e0d4",
    "DISCORD_TOKEN": "LOGCHECK.discord.c6a2f9",
}
QUESTIONS = (
    "Who posted the recording?", "When did she post it?", "summary", "summary Russia",
    "sources", "help", "What is the population of Brazil?", "x" * 5_000, "",
)


def assert_no_secret(text: str) -> None:
    for key, secret in SECRETS.items():
        assert secret not in text, f"{key}'s value appears in the log"
        assert secret.split("-")[-1] not in text, f"part of {key}'s value appears in the log"


def everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    parts = [caplog.text]
    for record in caplog.records:
        parts.append(record.getMessage())
        parts.append(repr(record.args))
        parts.append(repr(getattr(record, "citebot", "")))
        if record.exc_text:
            parts.append(record.exc_text)
    return "\n".join(parts)


async def test_settings_core_and_answers_never_log_a_secret(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    env_file = tmp_path / ".env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in SECRETS.items()))
    environ = {"CITEBOT_DOCS": str(ARTICLE), "CITEBOT_LOG_LEVEL": "DEBUG",
               "CITEBOT_LOG_MESSAGE_TEXT": "true", "CITEBOT_RATE_LIMIT_PER_MINUTE": "0"}
    from_file = Settings.from_env(environ, env_file=env_file)
    from_env = Settings.from_env({**environ, **SECRETS})
    assert from_file == from_env
    assert from_env.slack_bot_token is not None
    assert from_env.slack_bot_token.reveal() == SECRETS["SLACK_BOT_TOKEN"]
    from_env.require(*SECRETS)
    log = logging.getLogger("citebot.test")
    log.debug("settings: %r / %s", from_env, from_env)  # what a careless debug line would do
    log.debug("fields: %s", dataclasses.asdict(from_env))

    core = build_core(from_env)
    for n, text in enumerate(QUESTIONS):
        for platform in (Platform.SLACK, Platform.DISCORD):
            reply = await core.handle(Incoming(text=text, user=f"U{n}", platform=platform,
                                               channel="C1", thread="T1"))
            for rendered in (render.plain_text(reply), render.slack_text(reply),
                             *render.discord_messages(reply)):
                assert_no_secret(rendered)
    assert any(r.name.startswith("citebot") and r.levelno == logging.INFO
               for r in caplog.records), "the core logged its per-message lines"
    assert_no_secret(everything_logged(caplog))


@pytest.mark.parametrize("key", list(SECRETS))
def test_a_malformed_secret_is_reported_without_its_value(
    key: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bad = SECRETS[key] + " " + SECRETS[key]
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({key: bad})
    logging.getLogger("citebot.test").exception("start-up failed: %s", raised.value)
    assert key in str(raised.value)
    assert_no_secret(str(raised.value))
    assert_no_secret(everything_logged(caplog))


def test_the_cli_at_debug_never_prints_a_secret(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in ENV_KEYS.values() and not k.startswith(("CITEBOT_", "SLACK_", "DISCORD_"))}
    env.update(SECRETS, CITEBOT_LOG_LEVEL="DEBUG", CITEBOT_CACHE_DIR="off",
               CITEBOT_LOG_MESSAGE_TEXT="true")
    (tmp_path / ".env").write_text("".join(f"{k}={v}\n" for k, v in SECRETS.items()))
    runs = [
        ["--log-level", "DEBUG", "ask", "--json", "--docs", str(ARTICLE)],
        ["--log-level", "DEBUG", "chat", "--docs", str(ARTICLE)],
        ["--log-level", "DEBUG", "summary", "--docs", str(ARTICLE)],
    ]
    for argv in runs:
        proc = subprocess.run(
            [sys.executable, "-m", "bot.cli", *argv], input="\n".join(QUESTIONS[:4]) + "\n",
            capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60, check=False,
        )
        assert proc.returncode == 0, proc.stderr
        if "chat" in argv:  # DEBUG really was on, and the per-message lines were written
            assert "DEBUG" in proc.stderr and "citebot.core" in proc.stderr
        assert_no_secret(proc.stdout)
        assert_no_secret(proc.stderr)
