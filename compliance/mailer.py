"""The mailer seam: messages to people go through here. Development and tests use a file outbox.

A mailer has two operations: `send(message)`, and `forget(subject_id, addresses) -> int`, which deletes the
messages it still holds for a person (the erasure step "outbox") and says how many. A mailer that hands messages
on at once (SMTP) holds none and returns 0; the file outbox keeps each message as a file and deletes the person's.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hygiene.identifiers import email_key


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str
    kind: str  # "double_opt_in", "verification_code", "notice" ...
    subject_id: str | None = None  # the recipient's sub_… id when the sender knows it (so erasure finds the mail)


def _addressed_to(data: dict[str, Any], subject_id: str, keys: set[str]) -> bool:
    """Whether a stored message went to the person: its subject id, or its address in canonical form (never a
    substring match: erasing ann@x.org must not touch joann@x.org's mail)."""
    if subject_id and data.get("subject_id") == subject_id:
        return True
    to = data.get("to")
    return isinstance(to, str) and email_key(to) in keys


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
        while True:
            # After the largest number in use, not after the count: erasure deletes files from the middle.
            numbers = [int(p.name[:6]) for p in self.folder.glob("*.json") if p.name[:6].isdigit()]
            name = f"{max(numbers, default=0) + 1:06d}-{message.kind}.json"
            try:
                fd = os.open(self.folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                continue  # another process took the number between the listing and the open
            break
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(message.__dict__, fh, ensure_ascii=False, indent=2)

    def forget(self, subject_id: str, addresses: Iterable[str]) -> int:
        """Delete the outbox files (and the in-memory copies) of every message to a person; return how many
        messages were deleted (files, or in-memory messages when there is no outbox folder)."""
        keys = {k for k in (email_key(a) for a in addresses) if k}
        before = len(self.sent)
        self.sent = [m for m in self.sent if not _addressed_to(m.__dict__, subject_id, keys)]
        if self.folder is None:
            return before - len(self.sent)
        deleted = 0
        for path in sorted(self.folder.glob("*.json")) if self.folder.is_dir() else []:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # not a message this mailer wrote
            if isinstance(data, dict) and _addressed_to(data, subject_id, keys):
                path.unlink(missing_ok=True)
                deleted += 1
        return deleted
