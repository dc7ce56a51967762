"""The error tree shared by retrieval and the bot."""


class CitebotError(Exception):
    """Base class for every error citebot reports to a user or operator."""


class DocumentError(CitebotError):
    """A document or folder could not be loaded."""


class ConfigError(CitebotError):
    """A setting is missing or malformed; the message names the key."""


class IndexCacheError(CitebotError):
    """A saved index is corrupt, truncated or does not match the documents."""
