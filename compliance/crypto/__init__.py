"""Keys, envelope encryption and blind indexes. Pure cryptography; storage lives in compliance.store."""
