"""The rule set compiled to SQL (run by DuckDB) agrees with the local validator on every fixture.

Same verdict, same rules with the same counts, same row, user, item and event counts: on the valid
sample files, on one fixture per value rule, on header errors, and on the use-case minimums.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from validation_helpers import INTERACTIONS_HEADER, ITEMS_HEADER, START, interaction_rows

from personalize_domain.data import validate_file
from personalize_domain.data.report import ValidationReport
from personalize_domain.data.rule_set import to_duckdb_sql, transpile, value_rules
from personalize_domain.data.sql_engine import validate_with_duckdb
from personalize_domain.schemas import DatasetSchema, DatasetType, load_schema, parse_schema
from personalize_domain.use_cases import USE_CASES

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
ALL = tuple(USE_CASES)


def _item(item_id: str = "i1", price: str = "9.99", l1: str = "home", text: str = "",
          created: str = "1700000000", adult: str = "no") -> str:  # fmt: skip
    return f"{item_id},{price},{l1},,,{text},{created},,{adult},"


def _interactions(*bad: str, n: int = 400) -> list[str]:
    return [INTERACTIONS_HEADER, *interaction_rows(n), *bad]


FIXTURES: dict[str, tuple[DatasetType, Callable[[], list[str]]]] = {
    "valid-interactions": (DatasetType.INTERACTIONS, lambda: _interactions()),
    "empty-value": (DatasetType.INTERACTIONS, lambda: _interactions("u1,,1700000000,View")),
    "not-an-integer": (DatasetType.INTERACTIONS, lambda: _interactions("u1,i1,17x,View")),
    "timestamp-iso-date": (
        DatasetType.INTERACTIONS,
        lambda: _interactions("u1,i1,2025-01-01T00:00:00Z,View", "u2,i2,2025-02-01,View"),
    ),
    "timestamp-decimal": (
        DatasetType.INTERACTIONS,
        lambda: _interactions("u1,i1,1700000000.5,View"),
    ),
    "timestamp-units": (
        DatasetType.INTERACTIONS,
        lambda: _interactions(
            f"u1,i1,{START}000,View",
            f"u1,i1,{START}000000,View",
            f"u1,i1,{START}000000000,View",
            "u1,i1,20000000000,View",
            "u1,i1,5,View",
        ),
    ),
    "id-too-long": (
        DatasetType.INTERACTIONS,
        lambda: _interactions(f"{'u' * 300},i1,{START},View"),
    ),
    "events-lower-case": (DatasetType.INTERACTIONS, lambda: _interactions(f"u1,i1,{START},view")),
    "too-few-users": (
        DatasetType.INTERACTIONS,
        lambda: [INTERACTIONS_HEADER, *interaction_rows(40, users=10)],
    ),
    "header-missing-column": (
        DatasetType.INTERACTIONS,
        lambda: ["USER_ID,ITEM_ID,TIMESTAMP", *(r.rsplit(",", 1)[0] for r in interaction_rows(50))],
    ),
    "header-order": (
        DatasetType.INTERACTIONS,
        lambda: [
            "ITEM_ID,USER_ID,TIMESTAMP,EVENT_TYPE",
            *(
                ",".join([r.split(",")[1], r.split(",")[0], *r.split(",")[2:]])
                for r in interaction_rows(50)
            ),
        ],
    ),
    "header-only": (DatasetType.INTERACTIONS, lambda: [INTERACTIONS_HEADER]),
    "items-values": (
        DatasetType.ITEMS,
        lambda: [
            ITEMS_HEADER,
            _item("i1"),
            _item("i2", price="€9"),
            _item("i3", price=""),
            _item("i4", l1="x" * 1001),
            _item("i5", l1="a|" + "b" * 1001),
            _item("i6", text="t" * 20_001),
            _item("i7", created="1700000000000"),
            _item("i1"),
        ],
    ),
}


@pytest.fixture(params=sorted(FIXTURES))
def fixture(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, DatasetSchema]:
    dataset_type, rows = FIXTURES[request.param]
    path = tmp_path / f"{dataset_type.key}.csv"
    path.write_text("\n".join(rows()) + "\n")
    return path, load_schema(dataset_type)


def _verdict(report: ValidationReport) -> dict[str, object]:
    stats = report.stats
    return {
        "ok": report.ok,
        "findings": sorted((f.rule, f.severity.value, f.count) for f in report.findings),
        "rows": stats.rows,
        "users": (stats.distinct_users, stats.users_with_two_or_more),
        "items": stats.distinct_items,
        "events": dict(stats.event_counts),
        "duplicates": stats.duplicate_ids,
        "timestamps": (stats.min_timestamp, stats.max_timestamp),
    }


def test_both_engines_give_the_same_verdict_and_counts(
    fixture: tuple[Path, DatasetSchema],
) -> None:
    path, schema = fixture
    local = validate_file(path, schema, ALL)
    sql = validate_with_duckdb(path, schema, ALL)
    assert _verdict(sql) == _verdict(local), local.render()


@pytest.mark.parametrize("name", ["interactions.csv", "items.csv", "users.csv"])
def test_both_engines_agree_on_the_sample_files(name: str) -> None:
    dataset_type = {"interactions.csv": DatasetType.INTERACTIONS, "items.csv": DatasetType.ITEMS,
                    "users.csv": DatasetType.USERS}[name]  # fmt: skip
    schema = load_schema(dataset_type)
    local = validate_file(SAMPLE / name, schema, ALL)
    assert _verdict(validate_with_duckdb(SAMPLE / name, schema, ALL)) == _verdict(local)


def test_the_millisecond_message_is_the_validators(tmp_path: Path) -> None:
    path = tmp_path / "interactions.csv"
    path.write_text("\n".join(_interactions(f"u1,i1,{START}000,View")) + "\n")
    report = validate_with_duckdb(path, load_schema(DatasetType.INTERACTIONS), ALL)
    [finding] = [f for f in report.findings if f.rule == "timestamp-milliseconds"]
    assert finding.issues[0].message == (
        "TIMESTAMP looks like epoch milliseconds; Personalize needs epoch seconds."
    )
    assert finding.issues[0].fix.startswith("divide by 1000 and drop the fraction (1700000000,")


def test_every_value_rule_transpiles_to_athena(tmp_path: Path) -> None:
    fields = [
        {"name": "USER_ID", "type": "string"},
        {"name": "ITEM_ID", "type": "string"},
        {"name": "TIMESTAMP", "type": "long"},
        {"name": "EVENT_TYPE", "type": "string"},
        {"name": "QUANTITY", "type": ["null", "int"]},
        {"name": "IS_GIFT", "type": ["null", "boolean"]},
        {"name": "DISCOUNT", "type": ["null", "double"]},
        {"name": "DEVICE", "type": ["null", "string"], "categorical": True},
    ]
    text = json.dumps({"type": "record", "name": "Interactions", "fields": fields})
    schema = parse_schema(DatasetType.INTERACTIONS, text, tmp_path / "typed.json")
    for position, spec in enumerate(schema.fields):
        for rule in value_rules(spec, position):
            athena = transpile(
                f"SELECT COUNT(*) FROM data WHERE {to_duckdb_sql(rule.exact)}", "athena"
            )
            assert "regexp_matches" not in athena.lower(), athena  # Trino: REGEXP_LIKE
            assert "list_transform" not in athena.lower(), athena  # Trino: TRANSFORM
