"""The mailer seam: messages to people go through here. Development and tests use a file outbox."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str
    kind: str  # "double_opt_in", "verification_code", "notice" ...


class OutboxMailer:
    """Writes each message as a JSON file (mode 0600) in an outbox folder instead of sending it."""

    def __init__(self, folder: Path | None):
        self.folder = Path(folder) if folder else None
        self.sent: list[Message] = []

    def send(self, message: Message) -> None:
        """Queue one message."""
        self.sent.append(message)
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{len(list(self.folder.glob('*.json'))) + 1:06d}-{message.kind}.json"
        fd = os.open(self.folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(message.__dict__, fh, ensure_ascii=False, indent=2)
