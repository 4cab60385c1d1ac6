"""Reference parameters for bases too small to learn from: written from how contact records behave, not fitted.

EM needs thousands of candidate pairs before its m and u mean anything; a base of a few hundred records gives a
few dozen. Those bases are scored with the probabilities below instead. They were written down from the domain
(how often one person's two records agree on a field, how often two different people do), not estimated on any
labelled set, and err on the side of caution: an agreement on a name is worth far less than on a mobile number.
"""

from __future__ import annotations

from types import MappingProxyType

from hygiene.linkage.levels import DEFAULT_COMPARISONS
from hygiene.linkage.model import Model

# field -> (m, u) per level, in the order of hygiene.linkage.levels.
_PARAMETERS = {
    "first_name": (
        # same spelling, same name, jaro-winkler >= 0.92, initial agrees, jaro-winkler >= 0.80, different
        (0.80, 0.08, 0.05, 0.03, 0.02, 0.02),
        (0.01, 0.003, 0.005, 0.03, 0.02, 0.932),
    ),
    "last_name": (
        # same spelling, same stem, jaro-winkler >= 0.92, jaro-winkler >= 0.80, different
        (0.85, 0.04, 0.06, 0.02, 0.03),
        (0.002, 0.0005, 0.002, 0.01, 0.9855),
    ),
    "birth_date": (
        # same date, day and month swapped, one digit typo, same year, different
        (0.90, 0.02, 0.04, 0.01, 0.03),
        (0.00005, 0.00002, 0.0005, 0.016, 0.98343),
    ),
    "email": (
        # same address, same role mailbox, same mailbox, same local part, similar local part, different
        (0.55, 0.005, 0.05, 0.05, 0.03, 0.315),
        (0.00001, 0.0001, 0.00001, 0.0002, 0.001, 0.99868),
    ),
    "phone": (
        # same mobile, same landline, same subscriber number, different
        (0.55, 0.10, 0.02, 0.33),
        (0.000001, 0.0001, 0.00001, 0.999889),
    ),
    "postcode": (
        # same postcode, one edit apart, same district, different
        (0.85, 0.04, 0.03, 0.08),
        (0.005, 0.01, 0.03, 0.955),
    ),
    "city": (
        # same city, jaro-winkler >= 0.90, different
        (0.88, 0.04, 0.08),
        (0.15, 0.01, 0.84),
    ),
    "street": (
        # same street and house, close street and same house, token set >= 0.75, different
        (0.75, 0.10, 0.05, 0.10),
        (0.0005, 0.001, 0.02, 0.9785),
    ),
}
# Share of matches among a small base's candidate pairs: blocking keeps few pairs, many of them duplicates.
REFERENCE_PRIOR = 0.2


def reference_model() -> Model:
    """The reference model over DEFAULT_COMPARISONS (no term-frequency adjustment: small bases have no
    frequencies worth the name)."""
    m = tuple(_PARAMETERS[c.field][0] for c in DEFAULT_COMPARISONS)
    u = tuple(_PARAMETERS[c.field][1] for c in DEFAULT_COMPARISONS)
    return Model(DEFAULT_COMPARISONS, m, u, REFERENCE_PRIOR, MappingProxyType({}))
