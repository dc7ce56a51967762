"""Settings from an environ mapping and .env files; bad values name their key."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.config import ENV_KEYS, Secret, Settings
from retrieval.errors import ConfigError

REPO = Path(__file__).resolve().parent.parent


def test_defaults_from_an_empty_environment() -> None:
    settings = Settings.from_env({})
    assert settings.docs_paths == ()
    assert settings.citations_per_answer == 3
    assert settings.summary_sentences == 7
    assert settings.log_level == "WARNING"
    assert settings.log_message_text is False
    assert settings.slack_bot_token is None and settings.discord_token is None


def test_values_are_parsed() -> None:
    settings = Settings.from_env(
        {
            "CITEBOT_DOCS": f"docs{os.pathsep}more/handbook.md",
            "CITEBOT_CITATIONS": "2",
            "CITEBOT_SUMMARY_SENTENCES": "4",
            "CITEBOT_RATE_LIMIT_PER_MINUTE": "6.5",
            "CITEBOT_RATE_LIMIT_BURST": "2",
            "CITEBOT_THREAD_MEMORY_SIZE": "10",
            "CITEBOT_THREAD_MEMORY_TTL": "60",
            "CITEBOT_MAX_QUESTION_CHARS": "300",
            "CITEBOT_LOG_LEVEL": "info",
            "CITEBOT_LOG_MESSAGE_TEXT": "yes",
            "SLACK_BOT_TOKEN": "xoxb-123",
            "SLACK_API_URL": "http://127.0.0.1:8080/api",
            "SLACK_CHANNELS": "C01, #general",
            "SLACK_EPHEMERAL": "true",
            "DISCORD_GUILD_IDS": "123,456",
            "DISCORD_CHANNELS": "789,questions",
            "DISCORD_EPHEMERAL": "0",
        }
    )
    assert settings.docs_paths == (Path("docs"), Path("more/handbook.md"))
    assert settings.citations_per_answer == 2
    assert settings.summary_sentences == 4
    assert settings.rate_limit_per_minute == 6.5
    assert settings.rate_limit_burst == 2
    assert settings.thread_memory_size == 10
    assert settings.thread_memory_ttl_seconds == 60.0
    assert settings.max_question_chars == 300
    assert settings.log_level == "INFO"
    assert settings.log_message_text is True
    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.reveal() == "xoxb-123"
    assert settings.slack_api_url == "http://127.0.0.1:8080/api/"
    assert settings.slack_channels == ("C01", "general")
    assert settings.slack_ephemeral is True
    assert settings.discord_guild_ids == (123, 456)
    assert settings.discord_channels == ("789", "questions")
    assert settings.discord_ephemeral is False


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("CITEBOT_CITATIONS", "three"),
        ("CITEBOT_CITATIONS", "0"),
        ("CITEBOT_SUMMARY_SENTENCES", "-1"),
        ("CITEBOT_RATE_LIMIT_PER_MINUTE", "fast"),
        ("CITEBOT_RATE_LIMIT_PER_MINUTE", "nan"),
        ("CITEBOT_RATE_LIMIT_BURST", "0"),
        ("CITEBOT_THREAD_MEMORY_TTL", "-5"),
        ("CITEBOT_MAX_QUESTION_CHARS", "1e3"),
        ("CITEBOT_LOG_LEVEL", "LOUD"),
        ("CITEBOT_LOG_MESSAGE_TEXT", "maybe"),
        ("SLACK_API_URL", "slack.com/api"),
        ("SLACK_EPHEMERAL", "2"),
        ("DISCORD_GUILD_IDS", "123,abc"),
        ("DISCORD_TOKEN", "two words"),
    ],
)
def test_a_bad_value_names_its_key(key: str, value: str) -> None:
    with pytest.raises(ConfigError, match=key):
        Settings.from_env({key: value})


def test_secrets_never_print() -> None:
    settings = Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-very-secret"})
    assert "xoxb-very-secret" not in repr(settings)
    assert "xoxb-very-secret" not in str(settings)
    assert str(Secret("abc")) == "***"
    assert "abc" not in repr(Secret("abc"))
    assert Secret("abc") == Secret("abc")


def test_env_file_is_read_without_touching_os_environ(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("CITEBOT_CITATIONS=5\nCITEBOT_TEST_ONLY_MARKER=1\nDISCORD_TOKEN='tok en'\n")
    with pytest.raises(ConfigError, match="DISCORD_TOKEN"):
        Settings.from_env({}, env_file=env)
    env.write_text("CITEBOT_CITATIONS=5\nCITEBOT_SUMMARY_SENTENCES=3\n")
    settings = Settings.from_env({"CITEBOT_SUMMARY_SENTENCES": "6"}, env_file=env)
    assert settings.citations_per_answer == 5  # from the file
    assert settings.summary_sentences == 6  # the environment wins
    assert "CITEBOT_CITATIONS" not in os.environ or os.environ["CITEBOT_CITATIONS"] != "5"


def test_missing_env_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        Settings.from_env({}, env_file=tmp_path / "nope.env")


def test_require_names_the_first_missing_key() -> None:
    settings = Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-1"})
    settings.require("slack_bot_token")
    settings.require("SLACK_BOT_TOKEN")
    with pytest.raises(ConfigError, match="SLACK_APP_TOKEN"):
        settings.require("slack_bot_token", "slack_app_token", "discord_token")
    with pytest.raises(ConfigError, match="DISCORD_TOKEN"):
        settings.require("DISCORD_TOKEN")
    with pytest.raises(ConfigError, match="unknown setting"):
        settings.require("no_such_setting")


def test_env_example_documents_every_setting_and_parses() -> None:
    example = REPO / ".env.example"
    text = example.read_text()
    for key in ENV_KEYS.values():
        assert key in text, key
    settings = Settings.from_env({}, env_file=example)
    assert settings == Settings.from_env({})
