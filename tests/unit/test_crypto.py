"""Envelope encryption, key providers and blind indexes (pure, no database)."""

from __future__ import annotations

import base64
import os
import stat

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.crypto import envelope
from compliance.crypto.blind_index import BlindIndexer
from compliance.crypto.keys import EnvKeyProvider, FileKeyProvider, KeyUnavailable

DEK = bytes(range(32))


@given(st.text())
@settings(max_examples=200)
def test_field_round_trip_any_unicode(text):
    blob = envelope.seal_field(DEK, 1, "subject", "pii", "sub_x", text.encode())
    assert envelope.open_field(DEK, "subject", "pii", "sub_x", blob).decode() == text


@pytest.mark.parametrize(
    "table,column,row",
    [("subject", "pii", "sub_other"), ("subject", "extra", "sub_x"), ("interaction", "pii", "sub_x")],
)
def test_ciphertext_is_bound_to_table_column_and_row(table, column, row):
    blob = envelope.seal_field(DEK, 1, "subject", "pii", "sub_x", b"secret")
    with pytest.raises(envelope.DecryptionError) as err:
        envelope.open_field(DEK, table, column, row, blob)
    assert "does not belong to this row and column" in str(err.value)
    assert "secret" not in str(err.value)


def test_ciphertext_bound_to_key_generation():
    blob = bytearray(envelope.seal_field(DEK, 1, "subject", "pii", "sub_x", b"v"))
    blob[1] = 2
    with pytest.raises(envelope.DecryptionError):
        envelope.open_field(DEK, "subject", "pii", "sub_x", bytes(blob))


def test_wrapped_key_bound_to_subject_and_kek_version():
    kek = os.urandom(32)
    wrapped = envelope.wrap_key(kek, 1, "sub_a", DEK)
    assert envelope.unwrap_key(kek, 1, "sub_a", wrapped) == DEK
    with pytest.raises(envelope.DecryptionError):
        envelope.unwrap_key(kek, 1, "sub_b", wrapped)
    with pytest.raises(envelope.DecryptionError):
        envelope.unwrap_key(kek, 2, "sub_a", wrapped)


def test_key_file_mode_0600_and_never_overwritten(tmp_path):
    path = tmp_path / "keys.json"
    provider = FileKeyProvider.create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert provider.active_kek == 1
    with pytest.raises(KeyUnavailable, match="refusing to overwrite"):
        FileKeyProvider.create(path)


def test_key_file_readable_by_others_is_refused(tmp_path):
    path = tmp_path / "keys.json"
    FileKeyProvider.create(path)
    path.chmod(0o644)
    with pytest.raises(KeyUnavailable, match="chmod 600"):
        FileKeyProvider(path)


def test_missing_and_corrupt_key_file_messages(tmp_path):
    with pytest.raises(KeyUnavailable, match="consentry init"):
        FileKeyProvider(tmp_path / "none.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    bad.chmod(0o600)
    with pytest.raises(KeyUnavailable, match="cannot be read"):
        FileKeyProvider(bad)


def test_key_file_rotation_and_retirement(tmp_path):
    provider = FileKeyProvider.create(tmp_path / "keys.json")
    v1 = provider.kek(1)
    assert provider.add_kek() == 2
    reopened = FileKeyProvider(tmp_path / "keys.json")
    assert reopened.active_kek == 2 and reopened.kek(1) == v1
    reopened.retire_kek(1)
    with pytest.raises(KeyUnavailable):
        FileKeyProvider(tmp_path / "keys.json").kek(1)
    with pytest.raises(KeyUnavailable):
        reopened.retire_kek(2)


def test_env_provider_versions():
    master = base64.b64encode(os.urandom(32)).decode()
    p1 = EnvKeyProvider(master, {})
    p2 = EnvKeyProvider(master, {"CONSENTRY_KEK_VERSION": "2"})
    assert p1.kek(1) == p2.kek(1) and p2.kek(2) != p2.kek(1)
    assert p2.active_kek == 2
    p3 = EnvKeyProvider(master, {"CONSENTRY_KEK_VERSION": "2", "CONSENTRY_KEK_MIN_VERSION": "2"})
    with pytest.raises(KeyUnavailable):
        p3.kek(1)
    with pytest.raises(KeyUnavailable, match="CONSENTRY_KEK_VERSION=3"):
        p2.add_kek()
    with pytest.raises(KeyUnavailable, match="base64"):
        EnvKeyProvider("not base64!!", {})


def test_blind_index_normalises_and_separates_kinds():
    indexer = BlindIndexer({1: b"k" * 32}, 1, "RU")
    assert indexer.digest("email", " Ivan.Petrov@Mail.RU ") == indexer.digest("email", "ivan.petrov@mail.ru")
    assert indexer.digest("phone", "+7 (912) 345-67-89") == indexer.digest("phone", "89123456789")
    assert indexer.digest("email", "x") != indexer.digest("external", "x")
    other = BlindIndexer({1: b"j" * 32}, 1, "RU")
    assert other.digest("email", "a@b.c") != indexer.digest("email", "a@b.c")


# Known-answer vector: a change of the blind-index construction would orphan every stored index.
def test_blind_index_known_answer():
    indexer = BlindIndexer({1: bytes(32)}, 1, "RU")
    assert indexer.digest("email", "Ivan@Example.com").hex() == (
        "3ccadd242a72a8351d6a353ffcfaaeb8a062d2a56c713f58bf56af4f1c1b53e4"
    )
