"""``python -m simulator`` works as the ``veikart`` command does."""

from .cli import entry

entry()
