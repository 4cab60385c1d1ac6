"""Backups of the database (create, restore) that cannot bring an erased person back (compliance.dsar.ledger)."""
