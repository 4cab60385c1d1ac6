"""splink (4 or 5, DuckDB backend) on any list of plain Consentry records, for benchmarks that set
Consentry's matcher next to splink on the same records in the same run.

    from bench.splink_engine import available, run
    if (why := available()) is None:
        out = run(records, threshold=0.9)   # {"pairs", "seconds", "candidates", "version"}

The records are normalised the way a careful splink user would before linking: names, street and city
lower-cased and stripped, birth dates to ISO "YYYY-MM-DD" (else null), the first phone in E.164
(hygiene.phones.phone_key, region RU), the first email by hygiene.identifiers.email_key and the gender by
hygiene.normalise.normalise_gender. Columns null in every record are left out of the model, the blocking
rules and the training. The model is splink's comparison library for people data (NameComparison, or with
joint_names ForenameSurnameComparison; DateOfBirthComparison, EmailComparison, exact phone / postcode /
gender, Levenshtein street, Jaro-Winkler city), term frequencies on the names; lambda from deterministic
rules (recall 0.7), u by random sampling (seeded), m by EM on up to three blocking rules (both names, birth
date, email, then phone, postcode...) so that every comparison is estimated at least once. splink's log is
turned down to errors (its warnings about levels EM did not observe would flood a benchmark's output).
"""

from __future__ import annotations

import logging
import re
import time
from datetime import date, datetime
from typing import Any

_MAX_U_PAIRS = 2e6
_SPACES = re.compile(r"\s+")

# Rules that generate the pairs to score; a rule is kept when all its columns hold data. Two equal fields each
# (one of them a name or the birth date), the identifiers, the street as typed (number and name, as splink's
# FEBRL example blocks on street_number + address_1) and first and last name swapped.
_SWAPPED_NAMES = "l.first_name = r.last_name and l.last_name = r.first_name"
_PREDICTION_RULES: tuple[tuple[tuple[str, ...], str | None], ...] = (
    (("first_name", "last_name"), None),
    (("first_name", "last_name"), _SWAPPED_NAMES),
    (("last_name", "birth_date"), None),
    (("first_name", "birth_date"), None),
    (("postcode", "first_name"), None),
    (("postcode", "last_name"), None),
    (("birth_date", "postcode"), None),
    (("email",), None),
    (("phone",), None),
    (("street",), None),
)
# Near-certain matches, for the prior (probability two random records match).
_DETERMINISTIC_RULES = (("first_name", "last_name", "birth_date"), ("email",), ("phone",))
_DETERMINISTIC_FALLBACK = (("first_name", "last_name", "postcode"), ("first_name", "last_name", "street"))
# EM training rules in order of preference; EM estimates m for every comparison not in the rule.
_TRAINING_RULES = (
    ("first_name", "last_name"),
    ("birth_date",),
    ("email",),
    ("phone",),
    ("postcode",),
    ("last_name",),
    ("first_name",),
    ("city",),
)


def available() -> str | None:
    """None when splink can run here, else the reason (for the benchmark to print)."""
    try:
        import duckdb  # noqa: F401
        import pandas  # noqa: F401
        import splink
        from splink import DuckDBAPI  # noqa: F401
    except ImportError as exc:
        return f"splink is not installed ({exc}); .venv/bin/pip install -e '.[bench]'"
    major = _major(splink.__version__)
    if major is None or major < 4:
        return f"splink {splink.__version__} is too old: splink 4 or later is needed"
    return None


def run(records: list[dict], *, threshold: float = 0.5, seed: int = 0, joint_names: bool = False) -> dict:
    """splink on the records: {"pairs": set[frozenset[str]] predicted at match probability >= threshold,
    "seconds": float, "candidates": int, "version": str}

    `seconds` covers normalisation, training and prediction (not the candidate count, done afterwards).
    `joint_names` compares first and last name as one ForenameSurnameComparison (which scores a swapped
    first and last name) instead of a NameComparison each.
    """
    import pandas as pd
    import splink
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    started = time.perf_counter()
    frame = pd.DataFrame([_row(r) for r in records], columns=list(_row({"id": ""})))
    present = [c for c in frame.columns if c != "unique_id" and frame[c].notna().any()]
    frame = frame[["unique_id", *present]]
    have = set(present)
    joint = joint_names and have.issuperset(("first_name", "last_name"))
    if joint:
        frame["full_name"] = frame["first_name"].str.cat(frame["last_name"], sep=" ")

    def rules(specs):
        return [block_on(*cols) for cols in specs if have.issuperset(cols)]

    predict_rules = [sql or block_on(*cols) for cols, sql in _PREDICTION_RULES if have.issuperset(cols)]
    comparisons = _comparisons(have, joint)
    if len(records) < 2 or not comparisons or not predict_rules:
        return {
            "pairs": set(),
            "seconds": time.perf_counter() - started,
            "candidates": 0,
            "version": splink.__version__,
        }
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=predict_rules,
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )
    major = _major(splink.__version__) or 4
    db_api = DuckDBAPI()
    log = logging.getLogger("splink")
    level = log.level
    try:
        if major >= 5:
            table = db_api.register(frame)
            linker = Linker(table, settings, log_level=logging.ERROR)
        else:
            table = frame
            linker = Linker(frame, settings, db_api=db_api, set_up_basic_logging=False)
        log.setLevel(logging.ERROR)  # splink 4 and 5 both set up their logger in Linker()
        training = linker.training
        if not _estimate_prior(linker, [rules(_DETERMINISTIC_RULES), rules(_DETERMINISTIC_FALLBACK), predict_rules]):
            # No pair agrees even on a blocking rule (or all do): splink has no prior to score with.
            seconds = time.perf_counter() - started
            candidates = _candidates(table, predict_rules, db_api, major)
            return {"pairs": set(), "seconds": seconds, "candidates": candidates, "version": splink.__version__}
        training.estimate_u_using_random_sampling(max_pairs=_MAX_U_PAIRS, seed=seed)
        for cols in _training_rules(have):
            try:
                training.estimate_parameters_using_expectation_maximisation(block_on(*cols))
            except (ValueError, ZeroDivisionError, _em_failure()):
                # An empty or degenerate block (a tiny base: every pair in it converges to a match, a prior of
                # 1) has nothing to teach; the other rules, or splink's defaults, give these m values.
                continue
        found = linker.inference.predict(threshold_match_probability=threshold).as_pandas_dataframe()
        pairs = {frozenset((str(a), str(b))) for a, b in zip(found["unique_id_l"], found["unique_id_r"], strict=True)}
        seconds = time.perf_counter() - started
        candidates = _candidates(table, predict_rules, db_api, major)
    finally:
        log.setLevel(level)
        con = getattr(db_api, "_con", None)
        if con is not None:
            con.close()
    return {"pairs": pairs, "seconds": seconds, "candidates": candidates, "version": splink.__version__}


def _estimate_prior(linker, rule_lists: list[list]) -> bool:
    """The probability that two random records match, from the first list of rules giving one in (0, 1)."""
    for rules in rule_lists:
        if not rules:
            continue
        try:
            linker.training.estimate_probability_two_random_records_match(rules, recall=0.7)
        except ValueError:  # more pairs agree than a recall of 0.7 allows (a tiny base)
            continue
        if 0 < linker._settings_obj._probability_two_random_records_match < 1:
            return True
    return False


def _em_failure() -> type[Exception]:
    """splink's exception for a training rule that yields no pairs (ValueError where it has none)."""
    try:
        from splink.internals.exceptions import EMTrainingException
    except ImportError:
        return ValueError
    return EMTrainingException


def _major(version: str) -> int | None:
    head = version.split(".", 1)[0]
    return int(head) if head.isdigit() else None


def _comparisons(have: set[str], joint: bool) -> list:
    """splink's library comparisons for the columns that hold data."""
    import splink.comparison_library as cl

    names = []
    if joint:
        names = [cl.ForenameSurnameComparison("first_name", "last_name", forename_surname_concat_col_name="full_name")]
        have = have - {"first_name", "last_name"}

    made = {
        "first_name": lambda: cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
        "middle_name": lambda: cl.NameComparison("middle_name"),
        "last_name": lambda: cl.NameComparison("last_name").configure(term_frequency_adjustments=True),
        "birth_date": lambda: cl.DateOfBirthComparison("birth_date", input_is_string=True, datetime_format="%Y-%m-%d"),
        "gender": lambda: cl.ExactMatch("gender"),
        "email": lambda: cl.EmailComparison("email"),
        "phone": lambda: cl.ExactMatch("phone"),
        "street": lambda: cl.LevenshteinAtThresholds("street", [1, 3]),
        "postcode": lambda: cl.ExactMatch("postcode"),
        "city": lambda: cl.JaroWinklerAtThresholds("city", [0.9]),
    }
    return names + [make() for col, make in made.items() if col in have]


def _training_rules(have: set[str]) -> list[tuple[str, ...]]:
    """The first three EM blocking rules whose columns hold data and that leave some comparison to estimate.

    EM estimates m for every comparison whose column is not in the rule; the order of _TRAINING_RULES makes
    the second rule (a single column, or the other name) cover what the first (both names) leaves out.
    """
    return [cols for cols in _TRAINING_RULES if have.issuperset(cols) and have - set(cols)][:3]


def _candidates(table, predict_rules, db_api, major: int) -> int:
    """The number of distinct pairs the prediction blocking rules let through (exact count)."""
    from splink import blocking_analysis

    if major >= 5:
        counts = blocking_analysis.count_comparisons_from_blocking_rules(
            table, blocking_rules=predict_rules, link_type="dedupe_only", record_sample_proportion=1.0
        )
        return int(counts[-1]["cumulative_comparison_count"])
    counts = blocking_analysis.cumulative_comparisons_to_be_scored_from_blocking_rules_data(
        table_or_tables=table, blocking_rules=predict_rules, link_type="dedupe_only", db_api=db_api
    )
    return int(counts["cumulative_rows"].iloc[-1])


def _row(record: dict[str, Any]) -> dict[str, Any]:
    """A record as one splink input row: every column a normalised string or None."""
    from hygiene.identifiers import email_key
    from hygiene.normalise import normalise_gender
    from hygiene.phones import phone_key

    emails, phones = record.get("emails") or [], record.get("phones") or []
    postcode = _text(record.get("postcode"))
    return {
        "unique_id": str(record["id"]),
        "first_name": _text(record.get("first_name")),
        "middle_name": _text(record.get("middle_name")),
        "last_name": _text(record.get("last_name")),
        "birth_date": _iso_date(record.get("birth_date")),
        "gender": normalise_gender(_text(record.get("gender"))),
        "email": email_key(str(emails[0])) if emails else None,
        "phone": phone_key(str(phones[0]), "RU") if phones else None,
        "street": _text(record.get("street")),
        "postcode": postcode.replace(" ", "") if postcode else None,
        "city": _text(record.get("city")),
    }


def _text(value: Any) -> str | None:
    """Lower-cased, stripped, inner spaces collapsed; None when empty."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = _SPACES.sub(" ", str(value)).strip().lower()
    return text or None


def _iso_date(value: Any) -> str | None:
    """A birth date as "YYYY-MM-DD" (ISO, day-first or written-out month), else None."""
    from hygiene.normalise import normalise_birth_date

    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat() if value.year >= 1900 else None
    if value is None:
        return None
    return normalise_birth_date(str(value))
