"""Identity decisions do not depend on the import batch size or on row order (issue 12): the household rows of
tests/support/identity.py give the same subjects, candidates and counters in any order and any batch size."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.subjects.importer import Importer
from tests.support import identity as ids


def import_household(svc, admin, rows, batch_size):
    """Import the rows into an emptied store; returns (counters, snapshot up to ids)."""
    ids.clear_store()
    report = Importer(svc, admin, source="crm", batch_size=batch_size).run([dict(r) for r in rows])
    return ids.counters(report), ids.snapshot()


def test_the_household_lands_as_ten_people_with_six_candidates(svc, admin):
    """The reference run: who ended up as whom, with which values, and which pairs a steward must see."""
    counters, _ = import_household(svc, admin, ids.HOUSEHOLD, len(ids.HOUSEHOLD))
    assert counters == {"imported": 10, "updated": 5, "unchanged": 0, "rejected": 0, "suppressed": 0, "review": 5}
    assert len(ids.live_subjects()) == 10
    father_id, father = ids.the_one(email="ivan.s.petrov@mail.ru")
    son_id, son = ids.the_one(email="vanya.petrov@gmail.com")
    anna_id, anna = ids.the_one(email="a.kuznetsova@romashka.ru")
    olga_id, olga = ids.the_one(phone="+79161112233")
    petr_id, petr = ids.the_one(phone="+79164445566")
    dmitry_id, _ = ids.the_one(email="d.sokolov@romashka.ru")
    elena_id, _ = ids.the_one(email="e.volkova@romashka.ru")
    morozova_id, _ = ids.the_one(last_name="Морозова")
    lebedeva_id, _ = ids.the_one(last_name="Лебедева")
    assert (father["first_name"], father["middle_name"], father["birth_date"], father["position"]) == (
        "Иван", "Сергеевич", "1960-03-15", "Главный инженер")
    assert (son["first_name"], son["middle_name"], son["birth_date"], son["position"]) == (
        "Иван", "Иванович", "1988-09-02", "Инженер")
    assert father["phones"] == son["phones"] == [ids.HOME_PHONE]
    assert (anna["first_name"], anna["position"], anna["city"]) == ("Анна", "Главный бухгалтер", "Москва")
    assert (olga["first_name"], olga["birth_date"], olga["emails"]) == ("Ольга", "1986-04-12", ["smirnovy@yandex.ru"])
    assert (petr["first_name"], petr["birth_date"], petr["phones"]) == ("Пётр", None, ["+79164445566"])
    assert ids.reasons_by_pair() == {
        frozenset((father_id, son_id)): ["identity.shared_phone"],
        frozenset((anna_id, dmitry_id)): ["identity.shared_phone"],
        frozenset((anna_id, elena_id)): ["identity.shared_phone"],
        frozenset((dmitry_id, elena_id)): ["identity.shared_phone"],
        frozenset((morozova_id, lebedeva_id)): ["identity.shared_email"],
        frozenset((olga_id, petr_id)): ["identity.name_conflict"],
    }


def test_batch_size_and_row_order_do_not_change_the_outcome(svc, admin):
    """Any permutation of the household rows in any batch size: the reference subjects, candidates and counters."""
    reference = import_household(svc, admin, ids.HOUSEHOLD, len(ids.HOUSEHOLD))
    assert reference[0]["imported"] == 10  # the property below is about a meaningful outcome, not an empty one

    # Each example rebuilds the store (one svc, tables cleared), so examples are few and take their time.
    @settings(max_examples=20, deadline=None)
    @given(rows=st.permutations(ids.HOUSEHOLD), batch_size=st.integers(1, len(ids.HOUSEHOLD)))
    def same_outcome(rows, batch_size):
        assert import_household(svc, admin, rows, batch_size) == reference

    same_outcome()


def test_reading_in_worker_processes_changes_nothing(svc, admin, monkeypatch):
    """A file read by a pool of processes (subjects.row_pool) gives the same report, row for row, and the same
    subjects and candidates as one read in the importing process: messy and bad rows included."""
    from compliance.subjects import row_pool

    rows = [dict(r) for r in ids.HOUSEHOLD] * 3
    rows += [{"email": "not-an-address", "first_name": "Борис"}, {"phone": "12", "kind": "alien"},
             {"notes": "no name, no contact"}, {"phone": "8 (916) 111-22-33", "first_name": "Ольга"}]
    rows += [{"email": f"user{i}@example.org", "phone": f"+7 916 {i:07d}"[:16]} for i in range(90)]
    monkeypatch.setattr(row_pool, "POOL_FROM", 20)
    monkeypatch.setattr(row_pool, "CHUNK", 7)
    pools = []

    class CountedPool(row_pool.ProcessPoolExecutor):
        def __init__(self, *args, **kwargs):
            pools.append(args)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(row_pool, "ProcessPoolExecutor", CountedPool)
    # The pool forks only a single-threaded process; whatever threads earlier tests left behind, fork here.
    monkeypatch.setattr(row_pool.threading, "active_count", lambda: 1)

    def run(workers):
        ids.clear_store()
        report = Importer(svc, admin, source="crm", batch_size=25, workers=workers).run([dict(r) for r in rows])
        found = report.as_dict()
        found.pop("run")
        return found, ids.snapshot()

    serial = run(1)
    assert not pools
    pooled = run(2)
    assert pools and pools[0][0] == 2  # the rows really went through two worker processes
    assert pooled == serial
    assert serial[0]["rejected"] == 2 and serial[0]["errors"]  # the bad rows are in the comparison
