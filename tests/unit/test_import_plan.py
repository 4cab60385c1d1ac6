"""The import plan: groups of rows linked by identifiers stay in one batch, in an order that ignores the file's."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.subjects.import_plan import content_key, groups, plan


def test_rows_linked_through_a_chain_form_one_group():
    keys = [["e1"], ["e1", "p1"], ["p1"], ["e9"], []]
    found = sorted(sorted(g) for g in groups(keys))
    assert found == [[0, 1, 2], [3], [4]]


def test_a_group_is_never_split_across_batches_even_when_larger_than_a_batch():
    keys = [["shared"]] * 5 + [["a"], ["b"]]
    content = [bytes([i]) for i in range(7)]
    batches = plan(keys, content, batch_size=2)
    assert any(sorted(b) == [0, 1, 2, 3, 4] for b in batches)
    assert sorted(i for b in batches for i in b) == list(range(7))


rows = st.lists(st.tuples(st.sets(st.sampled_from("abcdefgh"), max_size=3), st.integers(0, 10**6)), max_size=40)


@settings(max_examples=200, deadline=None)
@given(rows, st.integers(1, 12), st.integers(1, 12), st.randoms())
def test_the_plan_does_not_depend_on_row_order_or_batch_size_within_a_group(data, size_a, size_b, rnd):
    profiles = [{"keys": sorted(k), "n": n} for k, n in data]

    def written(order, size):
        keys = [profiles[i]["keys"] for i in order]
        content = [content_key(profiles[i]) for i in order]
        batches = plan(keys, content, size)
        batch_of = {i: n for n, batch in enumerate(batches) for i in batch}
        for group in groups(keys):  # a group is never split: its rows see each other in one transaction
            assert len({batch_of[i] for i in group}) == 1
        return [content[i] for batch in batches for i in batch]

    order = list(range(len(profiles)))
    shuffled = order[:]
    rnd.shuffle(shuffled)
    # The same sequence of rows is written, whatever the order of the file and the batch size.
    assert written(order, size_a) == written(shuffled, size_b)


def test_the_order_is_random_in_the_file_but_canonical_in_the_plan():
    profiles = [{"email": f"p{i}@example.com"} for i in range(50)]
    keys = [[p["email"]] for p in profiles]
    content = [content_key(p) for p in profiles]
    forward = [content[i] for b in plan(keys, content, 7) for i in b]
    idx = list(range(50))
    random.Random(3).shuffle(idx)
    back = [content[idx[i]] for b in plan([keys[j] for j in idx], [content[j] for j in idx], 7) for i in b]
    assert forward == back
