"""Demo purchases and interactions of generated rows, drawn from their own random stream."""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import datetime, timedelta

PRICE = {"RUB": (2500, 10), "UAH": (900, 5), "EUR": (40, 0.01), "USD": (45, 0.01), "GBP": (35, 0.01)}
CURRENCIES = {
    "RU": (("RUB",), (1,)),
    "KZ": (("RUB", "USD"), (0.7, 0.3)),
    "BY": (("RUB", "USD", "EUR"), (0.6, 0.2, 0.2)),
    "UA": (("UAH", "EUR", "USD"), (0.85, 0.1, 0.05)),
    "GB": (("GBP", "EUR"), (0.9, 0.1)),
    "US": (("USD",), (1,)),
}
CATEGORIES = ("electronics", "clothing", "home", "books", "beauty", "sport", "kids", "grocery")
SUMMARIES = {
    "ru": ("вопрос о доставке", "возврат товара", "уточнение размера", "жалоба на курьера", "статус заказа"),
    "uk": ("питання щодо доставки", "повернення товару", "консультація", "статус замовлення"),
    "en": ("question about an order", "return request", "delivery delay", "size exchange"),
}
# Which interaction kinds make sense on which channel (no "call" by e-mail).
CHANNEL_KINDS = {
    "email": ("support", "newsletter_open", "newsletter_open"),
    "sms": ("support",),
    "phone": ("call", "support"),
    "telegram": ("chat", "support"),
    "whatsapp": ("chat", "support"),
    "web": ("chat", "visit", "support"),
    "store": ("visit", "support"),
}
YEAR = 365 * 86400


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds") + "Z"


def _purchases(row: dict[str, str], r: random.Random, now: datetime) -> list[dict]:
    """0-20 purchases over three years; leads have none, VIPs many, dormant customers none in the last year."""
    profile = r.choices(("lead", "regular", "vip", "dormant"), (0.2, 0.62, 0.05, 0.13))[0]
    count = {
        "lead": 0,
        "regular": min(20, int(r.expovariate(1 / 5))),
        "vip": r.randrange(30, 120),
        "dormant": r.randrange(1, 8),
    }
    currencies, weights = CURRENCIES[row["country"]]
    currency = r.choices(currencies, weights)[0]
    median, step = PRICE[currency]
    out = []
    for _ in range(count[profile]):
        ago = r.randrange(YEAR + 86400, 3 * YEAR) if profile == "dormant" else r.randrange(3600, 3 * YEAR)
        amount = max(step, round(r.lognormvariate(0, 0.9) * median * (1.8 if profile == "vip" else 1) / step) * step)
        if step < 1 and r.random() < 0.6:
            amount = int(amount) + 0.99  # shelf prices end in .99
        out.append(
            {
                "external_id": row["external_id"],
                "amount": f"{amount:.2f}",
                "currency": currency,
                "purchased_at": _iso(now - timedelta(seconds=ago)),
                "category": r.choice(CATEGORIES),
                "status": r.choices(("paid", "refunded", "cancelled"), (0.9, 0.06, 0.04))[0],
            }
        )
    return out


def _interactions(row: dict[str, str], r: random.Random, now: datetime) -> list[dict]:
    """0-10 contacts on channels the row actually has."""
    channels = ["web", "store"]
    channels += ["email"] if row["email"] else []
    channels += ["sms", "phone"] if row["phone"] else []
    channels += [c for c in ("telegram", "whatsapp") if row[c]]
    lang = "en" if row["country"] in ("GB", "US") else "uk" if row["country"] == "UA" else "ru"
    out = []
    for _ in range(r.choices(range(11), (20, 18, 15, 12, 9, 7, 6, 5, 4, 2, 2))[0]):
        channel = r.choice(channels)
        out.append(
            {
                "external_id": row["external_id"],
                "channel": channel,
                "kind": r.choice(CHANNEL_KINDS[channel]),
                "occurred_at": _iso(now - timedelta(seconds=r.randrange(600, 2 * YEAR))),
                "summary": r.choice(SUMMARIES[lang]),
            }
        )
    return out


def activity(rows: Iterable[dict[str, str]], r: random.Random, now: datetime) -> tuple[list[dict], list[dict]]:
    """Purchases and interactions for rows."""
    purchases: list[dict] = []
    interactions: list[dict] = []
    for row in rows:
        purchases += _purchases(row, r, now)
        interactions += _interactions(row, r, now)
    return purchases, interactions
