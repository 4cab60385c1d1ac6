"""Probe personal data for raw byte scans: values that carry markers which cannot arise by chance.

A scan for a real-looking value ("cooper", "+79031112233") can be fooled by bytes that merely look like it: the
tail of a random id followed by the next column's text ("...coo" + "person"), a number in another column. The
probes here carry markers instead:

- a text marker is 12 ASCII characters in the pattern Upper-lower-digit-lower, three times, with the digits drawn
  from 0, 1, 8 and 9. Public ids are lower-case base32 (a-z, 2-7), so no id or run of ids can hold one; no word of
  any column can; and 12 given characters in random ciphertext bytes turn up with odds of 2**-96 per position;
- a phone marker is a Kazan number +7 843 … whose national part (10 digits, an 8 among them) is the needle: it is
  inside every form the number can be written in (E.164, 8 843…, 7843…), and no id holds an 8. The demo generator
  never makes an 843 number, so a probe never matches a demo person by phone.

Markers are compared case-insensitively (a normaliser may lower-case an email or title-case a name), and are
synthetic, so a failing scan may name them.
"""

from __future__ import annotations

import random
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

_DIGITS = "0189"


def marker(tag: str, number: int = 0) -> str:
    """A 12-character text marker, the same for the same tag and number."""
    rng = random.Random(f"{tag}:{number}")
    return "".join(
        rng.choice(string.ascii_uppercase)
        + rng.choice(string.ascii_lowercase)
        + rng.choice(_DIGITS)
        + rng.choice(string.ascii_lowercase)
        for _ in range(3)
    )


def phone_marker(tag: str, number: int = 0) -> tuple[str, str]:
    """(a phone as a person would type it, its 10-digit national part that a scan looks for)."""
    rng = random.Random(f"phone:{tag}:{number}")
    tail = "".join(rng.choice(string.digits) for _ in range(7))
    national = f"843{tail}"
    return f"+7 (843) {tail[:3]}-{tail[3:5]}-{tail[5:]}", national


@dataclass
class Probe:
    """Rows (CSV columns -> value) carrying markers, and the needles a scan must not find."""

    rows: list[dict[str, str]] = field(default_factory=list)
    stored: set[str] = field(default_factory=set)  # needles of values the instance keeps (encrypted)
    refused: set[str] = field(default_factory=set)  # needles of values in rows the import rejects

    @property
    def needles(self) -> set[str]:
        """Every needle, stored or refused."""
        return self.stored | self.refused


def probe_rows(count: int, tag: str = "probe") -> Probe:
    """`count` importable people whose every personal field holds a marker, plus one flagged and one refused row."""
    probe = Probe()
    for i in range(count):
        m = {name: marker(f"{tag}-{name}", i) for name in ("first", "last", "middle", "email", "street", "notes")}
        typed, national = phone_marker(tag, i)
        probe.rows.append(
            {
                "external_id": f"probe-{i:04d}",
                "first_name": f"Ирина {m['first']}",
                "last_name": f"Соколова-{m['last']}",
                "middle_name": f"Олеговна {m['middle']}",
                "email": f"{m['email']}@probe.example.org",
                "phone": typed,
                "street": f"ул. Ленина, {i + 1}, {m['street']}",
                "city": "Казань",
                "notes": f"любит чай {m['notes']}",
                "source": "probe",
            }
        )
        probe.stored |= {*m.values(), national}
    # Flagged on import (an email that is no address): it lands, and the warning must not quote it.
    flagged = marker(f"{tag}-flagged")
    probe.rows.append({"external_id": "probe-flagged", "last_name": "Петрова", "email": f"{flagged}@@broken"})
    probe.stored.add(flagged)
    # Refused on import (no identifier): nothing of it may be written anywhere, the error included.
    refused = marker(f"{tag}-refused")
    probe.rows.append({"city": "Омск", "notes": f"звонить вечером {refused}", "source": "probe"})
    probe.refused.add(refused)
    return probe


def instance_blobs(home: Path) -> dict[str, bytes]:
    """Every file under an instance folder (database, WAL, shared memory, logs, exports, ...) -> its bytes."""
    return {str(p.relative_to(home)): p.read_bytes() for p in sorted(home.rglob("*")) if p.is_file()}


def found_needles(blobs: Mapping[str, bytes], needles: Iterable[str]) -> dict[str, list[str]]:
    """Where -> the needles found there (sorted), compared case-insensitively; empty when nothing is found."""
    lowered = {needle: needle.lower().encode("utf-8") for needle in sorted(needles)}
    found: dict[str, list[str]] = {}
    for where, blob in blobs.items():
        data = blob.lower()  # bytes.lower() folds ASCII only: markers are ASCII
        hits = [needle for needle, low in lowered.items() if low in data]
        if hits:
            found[where] = hits
    return found
