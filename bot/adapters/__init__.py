"""Chat platform adapters: the only modules that import a chat SDK."""
