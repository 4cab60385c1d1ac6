"""EncryptedField: a peewee field whose value is plaintext in memory and AES-GCM ciphertext in the database.

Reading a row gives a `Sealed` value that is decrypted on first attribute access; assigning a value stores
plaintext in memory; `EncryptedModel.save()` seals dirty values before writing. `db_value` refuses anything
that is not sealed, so plaintext can never reach the database by a forgotten code path.

Whose data key seals a field is the model's `key_subject_id()` (the subject the row belongs to) unless the field
names another method with `key_owner`: a request's free text is sealed under the request's own key, which outlives
the person's erasure as long as the request record is kept.
"""

from __future__ import annotations

from typing import Any

from peewee import BlobField, FieldAccessor


class Sealed(bytes):
    """Ciphertext as stored; a distinct type so plaintext and ciphertext are never confused."""

    __slots__ = ()


class PlaintextWriteError(TypeError):
    """An encrypted field was about to be written without being sealed."""


class EncryptedAccessor(FieldAccessor):
    """Decrypts on read (cached per instance), keeps plaintext on write."""

    def __get__(self, instance, instance_type=None):
        if instance is None:
            return self.field
        value = instance.__data__.get(self.name)
        if isinstance(value, Sealed):
            cache = instance.__dict__.setdefault("_plain", {})
            if self.name not in cache:
                cache[self.name] = instance.keyring().open(
                    instance.key_owner_of(self.field),
                    self.model._meta.table_name,
                    self.field.column_name,
                    instance.row_key(),
                    bytes(value),
                )
            return cache[self.name]
        return value

    def __set__(self, instance, value):
        instance.__data__[self.name] = value
        instance.__dict__.setdefault("_plain", {}).pop(self.name, None)
        instance._dirty.add(self.name)


class EncryptedField(BlobField):
    """A JSON value encrypted under its owner's data key, bound to table, column and row."""

    accessor_class = EncryptedAccessor

    def __init__(self, *args: Any, key_owner: str = "key_subject_id", **kwargs: Any):
        # The name of the model method giving the id whose data key seals this field.
        self.key_owner = key_owner
        super().__init__(*args, **kwargs)

    def db_value(self, value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, Sealed):
            raise PlaintextWriteError(
                f"{self.model._meta.table_name}.{self.column_name} must be sealed before it is written"
            )
        return super().db_value(bytes(value))

    def python_value(self, value: Any) -> Any:
        if value is None:
            return None
        return Sealed(bytes(value))


class EncryptedModel:
    """Mixin for models with encrypted fields (list it before the peewee base); rows say whose key protects them."""

    def key_subject_id(self) -> str:
        """The subject whose data key encrypts this row."""
        raise NotImplementedError

    def key_owner_of(self, field: EncryptedField) -> str:
        """The id whose data key seals one encrypted field of this row (its `key_owner`)."""
        return getattr(self, field.key_owner)()

    def row_key(self) -> str:
        """The row id bound into each ciphertext's associated data (a public id known before insert)."""
        return str(self._pk)

    def keyring(self):
        """The keyring bound to this model's database."""
        return self._meta.database.keyring

    def seal_dirty(self) -> None:
        """Encrypt every assigned-but-unsealed encrypted field."""
        ring = self.keyring()
        for field in self._meta.sorted_fields:
            if isinstance(field, EncryptedField):
                value = self.__data__.get(field.name)
                if value is not None and not isinstance(value, Sealed):
                    self.__data__[field.name] = Sealed(
                        ring.seal(
                            self.key_owner_of(field), self._meta.table_name, field.column_name, self.row_key(), value
                        )
                    )
                    self.__dict__.setdefault("_plain", {})[field.name] = value

    def save(self, *args, **kwargs):
        """Seal plaintext, then save."""
        self.seal_dirty()
        return super().save(*args, **kwargs)

    @classmethod
    def opened(cls, field: EncryptedField, subject_id: str, row_id: str, blob: bytes | None) -> Any:
        """Decrypt a stored value read without a model instance (bulk reads); the counterpart of sealed()."""
        if blob is None:
            return None
        ring = cls._meta.database.keyring
        return ring.open(subject_id, cls._meta.table_name, field.column_name, row_id, bytes(blob))

    @classmethod
    def sealed(cls, field: EncryptedField, subject_id: str, row_id: str, value: Any) -> Sealed | None:
        """Seal a value for bulk inserts, where no model instance exists."""
        if value is None:
            return None
        ring = cls._meta.database.keyring
        return Sealed(ring.seal(subject_id, cls._meta.table_name, field.column_name, row_id, value))
