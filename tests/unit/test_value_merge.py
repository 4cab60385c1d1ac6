"""Survivorship on update (hygiene.value_rank.merge): nothing is lost, the better value stays, the loser is reported."""

from __future__ import annotations

import pytest

from hygiene.normalise import date_problem, is_partial_date
from hygiene.value_rank import merge

STORED = {"first_name": "Иван", "last_name": "Иванов", "birth_date": "1990-07-01", "position": "Главный бухгалтер",
          "emails": ["ivan@example.com"], "phones": ["+74951234567"], "channels": {"telegram": "@ivan"},
          "city": None}


def test_a_worse_value_is_declined_and_reported_and_the_stored_one_stays():
    out = merge(STORED, {"first_name": "И.И.", "position": "Гл. бухгалтер"})
    assert out.profile["first_name"] == "Иван" and out.profile["position"] == "Главный бухгалтер"
    assert sorted(out.declined) == [("first_name", "Иван", "И.И."), ("position", "Главный бухгалтер", "Гл. бухгалтер")]
    assert out.replaced == []


def test_a_better_value_replaces_and_the_old_one_is_reported():
    out = merge({**STORED, "first_name": "И.", "birth_date": "07.1990"}, {"first_name": "Иван",
                                                                         "birth_date": "1990-07-01"})
    assert out.profile["first_name"] == "Иван" and out.profile["birth_date"] == "1990-07-01"
    assert sorted(out.replaced) == [("birth_date", "07.1990", "1990-07-01"), ("first_name", "И.", "Иван")]


def test_another_form_of_the_same_value_changes_nothing_and_reports_nothing():
    out = merge(STORED, {"birth_date": "01.07.1990", "first_name": "Ivan", "last_name": "ИВАНОВ"})
    assert out.profile == STORED and out.replaced == out.declined == []


def test_lists_are_united_and_an_empty_value_never_blanks():
    out = merge(STORED, {"emails": ["IVAN@example.com", "i.ivanov@work.example"], "phones": [], "city": "",
                         "last_name": None})
    assert out.profile["emails"] == ["ivan@example.com", "i.ivanov@work.example"]
    assert out.profile["phones"] == ["+74951234567"] and out.profile["last_name"] == "Иванов"


def test_a_new_value_fills_an_empty_field_without_a_report():
    out = merge(STORED, {"city": "Москва"})
    assert out.profile["city"] == "Москва" and out.replaced == out.declined == []


def test_maps_are_compared_key_by_key():
    out = merge(STORED, {"channels": {"telegram": "@ivan_new", "viber": "+74951234567"}})
    assert out.profile["channels"] == {"telegram": "@ivan_new", "viber": "+74951234567"}
    assert out.replaced == [("channels.telegram", "@ivan", "@ivan_new")]


def test_source_priority_decides_between_equally_good_values():
    kwargs = {"priority": ["crm", "shop"]}
    kept = merge({"city": "Москва"}, {"city": "Казань"}, stored_source="crm", incoming_source="shop", **kwargs)
    assert kept.profile["city"] == "Москва" and kept.declined == [("city", "Москва", "Казань")]
    won = merge({"city": "Москва"}, {"city": "Казань"}, stored_source="shop", incoming_source="crm", **kwargs)
    assert won.profile["city"] == "Казань" and won.replaced == [("city", "Москва", "Казань")]
    newer = merge({"city": "Москва"}, {"city": "Казань"}, stored_source="crm", incoming_source="crm", **kwargs)
    assert newer.profile["city"] == "Казань"  # equal quality, equal source: the newer value


def test_a_value_the_history_already_holds_is_not_replayed():
    def seen(field, value, current):
        return (field, value, current) == ("city", "Москва", "Казань")

    out = merge({"city": "Казань"}, {"city": "Москва"}, seen=seen)
    assert out.profile["city"] == "Казань" and out.replaced == out.declined == []


@pytest.mark.parametrize(
    ("value", "code"),
    [("1990-07-01", None), ("01.07.1990", None), ("7 марта 1985", None), ("07.1990", None), ("1990", None),
     ("", None), (None, None), ("31/31/1999", "date.invalid"), ("yesterday", "date.invalid"),
     ("32.01.1990", "date.invalid"), ("вчера", "date.invalid")],
)
def test_date_problem(value, code):
    assert date_problem(value) == code


def test_partial_dates():
    assert is_partial_date("07.1990") and is_partial_date("1990-07") and not is_partial_date("01.07.1990")
