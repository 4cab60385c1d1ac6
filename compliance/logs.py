"""Logging set-up: one file per instance, and a redaction filter as a last line of defence.

Code never logs personal data on purpose (it logs ids and counts); the filter masks anything that
still looks like an email, a phone number or an API key, so a mistake does not become a leak.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

_EMAIL = re.compile(r"[^\s@<>\"'(),;:]+@[^\s@<>\"'(),;:]+\.[A-Za-z]{2,}")
_PHONE = re.compile(r"(?<![\w.])\+?\d[\d\s().-]{7,}\d(?![\w])")
_KEY = re.compile(r"csk_[A-Za-z0-9]{20,}")


def redact(text: str) -> str:
    """Mask emails, phone-like digit runs and API keys in a text."""
    text = _KEY.sub("csk_[redacted]", text)
    text = _EMAIL.sub("[email]", text)
    return _PHONE.sub("[phone]", text)


class RedactingFilter(logging.Filter):
    """Rewrites each record's message with redact()."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg, record.args = redact(message), None
        return True


def configure(log_file: Path | None, level: int = logging.INFO) -> None:
    """Send the consentry loggers to a file (and stderr warnings) through the redaction filter."""
    logger = logging.getLogger("consentry")
    logger.setLevel(level)
    for handler in list(logger.handlers):
        if getattr(handler, "_consentry", False):
            logger.removeHandler(handler)
            handler.close()
    if log_file is not None:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(log_file, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)sZ %(levelname)s %(name)s %(message)s"))
        handler.addFilter(RedactingFilter())
        handler._consentry = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.propagate = False


def get(name: str) -> logging.Logger:
    """A logger under the consentry namespace."""
    return logging.getLogger(f"consentry.{name}")
