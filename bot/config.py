"""Settings: one frozen object read from the environment and an optional ``.env`` file.

``Settings.from_env(environ)`` never touches ``os.environ`` when given a mapping (tests),
and never writes to it: a ``.env`` file is read with ``dotenv_values``. A bad value raises
:class:`~retrieval.errors.ConfigError` naming the key.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TypeVar

from retrieval.errors import ConfigError

T = TypeVar("T")

_TRUE = {"1", "true", "yes", "on", "y", "t"}
_FALSE = {"0", "false", "no", "off", "n", "f", ""}
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class Secret:
    """A credential: prints as ``***``; ``reveal()`` is the only way to the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return "***"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __bool__(self) -> bool:
        return bool(self._value)


# Field name -> environment key. ``require`` accepts either spelling.
ENV_KEYS: dict[str, str] = {
    "docs_paths": "CITEBOT_DOCS",
    "citations_per_answer": "CITEBOT_CITATIONS",
    "summary_sentences": "CITEBOT_SUMMARY_SENTENCES",
    "rate_limit_per_minute": "CITEBOT_RATE_LIMIT_PER_MINUTE",
    "rate_limit_burst": "CITEBOT_RATE_LIMIT_BURST",
    "thread_memory_size": "CITEBOT_THREAD_MEMORY_SIZE",
    "thread_memory_ttl_seconds": "CITEBOT_THREAD_MEMORY_TTL",
    "max_question_chars": "CITEBOT_MAX_QUESTION_CHARS",
    "max_in_flight": "CITEBOT_MAX_IN_FLIGHT",
    "log_level": "CITEBOT_LOG_LEVEL",
    "log_message_text": "CITEBOT_LOG_MESSAGE_TEXT",
    "cache_dir": "CITEBOT_CACHE_DIR",
    "max_document_mb": "CITEBOT_MAX_DOCUMENT_MB",
    "semantic": "CITEBOT_SEMANTIC",
    "slack_bot_token": "SLACK_BOT_TOKEN",
    "slack_signing_secret": "SLACK_SIGNING_SECRET",
    "slack_app_token": "SLACK_APP_TOKEN",
    "slack_api_url": "SLACK_API_URL",
    "slack_channels": "SLACK_CHANNELS",
    "slack_ephemeral": "SLACK_EPHEMERAL",
    "discord_token": "DISCORD_TOKEN",
    "discord_guild_ids": "DISCORD_GUILD_IDS",
    "discord_channels": "DISCORD_CHANNELS",
    "discord_ephemeral": "DISCORD_EPHEMERAL",
}


@dataclass(frozen=True)
class Settings:
    """Every setting citebot reads; defaults suit a small team workspace."""

    docs_paths: tuple[Path, ...] = ()  # empty: the bundled documents
    citations_per_answer: int = 3
    summary_sentences: int = 7
    rate_limit_per_minute: float = 20.0
    rate_limit_burst: int = 5
    thread_memory_size: int = 1000
    thread_memory_ttl_seconds: float = 3600.0
    max_question_chars: int = 1000
    max_in_flight: int = 1000  # questions waiting for / on worker threads; more get "busy"
    log_level: str = "WARNING"
    log_message_text: bool = False
    cache_dir: Path | None = None  # None: no index cache
    max_document_mb: float = 256.0  # 0: no limit
    # Rerank with sentence vectors too (retrieval/semantic.py); None ("auto"): only where
    # one person waits for one answer (``citebot ask``), see bot.engine_setup.
    semantic: bool | None = None
    slack_bot_token: Secret | None = None
    slack_signing_secret: Secret | None = None
    slack_app_token: Secret | None = None
    slack_api_url: str | None = None
    slack_channels: tuple[str, ...] = ()
    slack_ephemeral: bool = True
    discord_token: Secret | None = None
    discord_guild_ids: tuple[int, ...] = ()
    discord_channels: tuple[str, ...] = ()
    discord_ephemeral: bool = False

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        env_file: str | Path | None = None,
    ) -> Settings:
        """Read settings from ``environ`` (default ``os.environ``) over an optional ``.env``.

        Values in ``environ`` win over the file. ``env_file=None`` reads ``./.env`` only
        when reading the real environment (not when a mapping is passed in tests).
        """
        values: dict[str, str] = {}
        file = Path(env_file) if env_file is not None else None
        if file is None and environ is None and Path(".env").is_file():
            file = Path(".env")
        if file is not None:
            values.update(_read_env_file(file))
        source = os.environ if environ is None else environ
        values.update({k: v for k, v in source.items() if k in _KNOWN_KEYS})
        return cls._parse(values, default_cache=_default_cache_dir(source))

    @property
    def max_document_bytes(self) -> int | None:
        """The document size limit in bytes; ``None`` when there is none."""
        return int(self.max_document_mb * 1024 * 1024) or None

    @classmethod
    def _parse(cls, values: Mapping[str, str], *, default_cache: Path | None = None) -> Settings:
        def get(key: str, parse: Callable[[str, str], T], default: T) -> T:
            raw = values.get(key)
            if raw is None or raw.strip() == "":
                return default
            return parse(key, raw.strip())

        d = cls()
        return cls(
            docs_paths=get("CITEBOT_DOCS", _paths, d.docs_paths),
            citations_per_answer=get("CITEBOT_CITATIONS", _int_in(1, 10), 3),
            summary_sentences=get("CITEBOT_SUMMARY_SENTENCES", _int_in(1, 50), 7),
            rate_limit_per_minute=get(
                "CITEBOT_RATE_LIMIT_PER_MINUTE", _float_in(0.0, 1e6), d.rate_limit_per_minute
            ),
            rate_limit_burst=get("CITEBOT_RATE_LIMIT_BURST", _int_in(1, 10000), d.rate_limit_burst),
            thread_memory_size=get(
                "CITEBOT_THREAD_MEMORY_SIZE", _int_in(0, 10_000_000), d.thread_memory_size
            ),
            thread_memory_ttl_seconds=get(
                "CITEBOT_THREAD_MEMORY_TTL", _float_in(0.0, 1e9), d.thread_memory_ttl_seconds
            ),
            max_question_chars=get(
                "CITEBOT_MAX_QUESTION_CHARS", _int_in(10, 100_000), d.max_question_chars
            ),
            max_in_flight=get("CITEBOT_MAX_IN_FLIGHT", _int_in(1, 1_000_000), d.max_in_flight),
            log_level=get("CITEBOT_LOG_LEVEL", _log_level, d.log_level),
            log_message_text=get("CITEBOT_LOG_MESSAGE_TEXT", _bool, False),
            cache_dir=get("CITEBOT_CACHE_DIR", _cache_dir, default_cache),
            max_document_mb=get(
                "CITEBOT_MAX_DOCUMENT_MB", _float_in(0.0, 1e7), d.max_document_mb
            ),
            semantic=get("CITEBOT_SEMANTIC", _bool_or_auto, d.semantic),
            slack_bot_token=get("SLACK_BOT_TOKEN", _secret, None),
            slack_signing_secret=get("SLACK_SIGNING_SECRET", _secret, None),
            slack_app_token=get("SLACK_APP_TOKEN", _secret, None),
            slack_api_url=get("SLACK_API_URL", _url, None),
            slack_channels=get("SLACK_CHANNELS", _names, ()),
            slack_ephemeral=get("SLACK_EPHEMERAL", _bool, True),
            discord_token=get("DISCORD_TOKEN", _secret, None),
            discord_guild_ids=get("DISCORD_GUILD_IDS", _ids, ()),
            discord_channels=get("DISCORD_CHANNELS", _names, ()),
            discord_ephemeral=get("DISCORD_EPHEMERAL", _bool, False),
        )

    def require(self, *names: str) -> None:
        """Raise :class:`ConfigError` naming the first unset setting among ``names``.

        ``names`` may be field names (``slack_bot_token``) or env keys (``SLACK_BOT_TOKEN``).
        """
        by_key = {key: name for name, key in ENV_KEYS.items()}
        for name in names:
            field_name = by_key.get(name, name)
            if field_name not in _FIELD_NAMES:
                raise ConfigError(f"unknown setting {name}")
            value = getattr(self, field_name)
            if value is None or value == () or (isinstance(value, Secret) and not value):
                key = ENV_KEYS[field_name]
                raise ConfigError(f"{key} is not set; add it to the environment or .env")


_FIELD_NAMES = frozenset(f.name for f in fields(Settings))
_KNOWN_KEYS = frozenset(ENV_KEYS.values())


_CACHE_OFF = {"off", "none", "no", "false", "0"}


def _default_cache_dir(source: Mapping[str, str]) -> Path:
    """``$XDG_CACHE_HOME/citebot``, else ``~/.cache/citebot``."""
    xdg = source.get("XDG_CACHE_HOME", "").strip()
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "citebot"


def _cache_dir(key: str, raw: str) -> Path | None:
    return None if raw.lower() in _CACHE_OFF else Path(raw).expanduser()


def _read_env_file(path: Path) -> dict[str, str]:
    from dotenv import dotenv_values

    if not path.is_file():
        raise ConfigError(f"env file {path} does not exist")
    try:
        loaded = dotenv_values(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"env file {path} cannot be read: {exc}") from exc
    return {k: v for k, v in loaded.items() if v is not None}


def _int_in(low: int, high: int) -> Callable[[str, str], int]:
    def parse(key: str, raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise ConfigError(f"{key} must be a whole number, got {raw[:40]!r}") from None
        if not low <= value <= high:
            raise ConfigError(f"{key} must be between {low} and {high}, got {value}")
        return value

    return parse


def _float_in(low: float, high: float) -> Callable[[str, str], float]:
    def parse(key: str, raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            raise ConfigError(f"{key} must be a number, got {raw[:40]!r}") from None
        if not math.isfinite(value) or not low <= value <= high:
            raise ConfigError(f"{key} must be between {low:g} and {high:g}, got {raw[:40]!r}")
        return value

    return parse


def _bool(key: str, raw: str) -> bool:
    low = raw.lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise ConfigError(f"{key} must be true or false, got {raw[:40]!r}")


def _bool_or_auto(key: str, raw: str) -> bool | None:
    if raw.strip().lower() == "auto":
        return None
    try:
        return _bool(key, raw)
    except ConfigError:
        raise ConfigError(f"{key} must be auto, on or off, got {raw[:40]!r}") from None


def _log_level(key: str, raw: str) -> str:
    level = raw.upper()
    if level not in _LOG_LEVELS:
        raise ConfigError(f"{key} must be one of {', '.join(_LOG_LEVELS)}, got {raw[:40]!r}")
    return level


def _secret(key: str, raw: str) -> Secret:
    if any(c.isspace() for c in raw):
        raise ConfigError(f"{key} must not contain spaces")
    return Secret(raw)


def _url(key: str, raw: str) -> str:
    if not raw.startswith(("http://", "https://")):
        raise ConfigError(f"{key} must be an http(s) URL, got {raw[:60]!r}")
    return raw if raw.endswith("/") else raw + "/"


def _split(raw: str) -> list[str]:
    return [part.strip() for part in raw.replace(";", ",").split(",") if part.strip()]


def _names(key: str, raw: str) -> tuple[str, ...]:
    return tuple(part.lstrip("#") for part in _split(raw))


def _ids(key: str, raw: str) -> tuple[int, ...]:
    out = []
    for part in _split(raw):
        if not part.isdigit():
            raise ConfigError(f"{key} must be comma-separated numeric ids, got {part[:40]!r}")
        out.append(int(part))
    return tuple(out)


def _paths(key: str, raw: str) -> tuple[Path, ...]:
    parts = [p for p in raw.split(os.pathsep) if p.strip()]
    if len(parts) == 1 and "," in raw:
        parts = _split(raw)
    return tuple(Path(p.strip()).expanduser() for p in parts)
