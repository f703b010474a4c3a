"""`batch`: check and upload the input, run the batch inference job, write the CSV.

End to end against the Personalize simulator (which runs the job) and moto's S3 (batch_env.py).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from batch_env import SOLUTION, BatchEnv, batch_env

from personalize_ops.day_two.batch import (
    ITEMS,
    USERS,
    Problem,
    build_input,
    parse_output_line,
)
from personalize_ops.day_two.errors import DayTwoError


@pytest.fixture
def benv() -> Iterator[BatchEnv]:
    with batch_env() as made:
        yield made


def _users(tmp_path: Path, *ids: str, name: str = "users.csv") -> Path:
    path = tmp_path / name
    path.write_text("USER_ID,EMAIL_OPT_IN\n" + "".join(f"{i},yes\n" for i in ids))
    return path


def _batch(source: Path | str, out: Path | str, *more: str) -> list[str]:
    return [
        *("batch", "--env", "dev", "--solution", SOLUTION, "--users", str(source)),
        *("--out", str(out), *more),
    ]


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text())))


def _written_csv(out: Path) -> Path:
    (found,) = out.glob("*.csv")
    return found


def test_each_user_gets_ranked_recommendations_in_the_csv(benv: BatchEnv, tmp_path: Path) -> None:
    # GIVEN two users
    source = _users(tmp_path, "U0000001", "U0000002")
    # WHEN a batch runs for them with 3 results each
    result = benv.invoke(_batch(source, tmp_path / "out", "--num-results", "3"))
    # THEN the CSV has user_id,rank,item_id,score, ranks 1-3 per user, scores descending
    assert result.exit_code == 0, result.output
    rows = _rows(_written_csv(tmp_path / "out"))
    assert list(rows[0]) == ["user_id", "rank", "item_id", "score"]
    assert [(r["user_id"], r["rank"]) for r in rows] == [
        (user, str(rank)) for user in ("U0000001", "U0000002") for rank in (1, 2, 3)
    ]
    scores = [float(r["score"]) for r in rows[:3]]
    assert scores == sorted(scores, reverse=True)


def test_the_input_is_json_lines_under_the_jobs_input_prefix(
    benv: BatchEnv, tmp_path: Path
) -> None:
    # GIVEN a users CSV (another column beside USER_ID, a duplicate)
    source = _users(tmp_path, "U0000001", "U0000002", "U0000001")
    # WHEN a batch runs
    assert benv.invoke(_batch(source, tmp_path / "out")).exit_code == 0
    # THEN the job read the prefix batch/<job>/input/ (ending with /), one record per user
    [request] = benv.deployed.sim.calls_to("CreateBatchInferenceJob")
    job = request["jobName"]
    assert request["jobInput"] == {
        "s3DataSource": {"path": f"s3://{benv.bucket}/batch/{job}/input/"}
    }
    assert benv.text(f"batch/{job}/input/input.json") == (
        '{"userId":"U0000001"}\n{"userId":"U0000002"}\n'
    )


def test_the_job_runs_with_the_stacks_role_solution_version_and_output_prefix(
    benv: BatchEnv, tmp_path: Path
) -> None:
    # WHEN a batch runs
    assert benv.invoke(_batch(_users(tmp_path, "U0000001"), tmp_path / "out")).exit_code == 0
    # THEN the trained version and the Personalize role of the stack's outputs are used, and the
    # output goes under batch/<job>/output/, the only prefix the role may write
    [request] = benv.deployed.sim.calls_to("CreateBatchInferenceJob")
    assert request["solutionVersionArn"] == benv.version_arn
    assert request["roleArn"] == benv.deployed.outputs["PersonalizeRoleArn"]
    assert request["numResults"] == 25
    assert request["jobOutput"] == {
        "s3DataDestination": {"path": f"s3://{benv.bucket}/batch/{request['jobName']}/output/"}
    }
    assert request["jobName"].startswith("shop-dev-email-")


def test_progress_is_shown_until_the_job_is_active(benv: BatchEnv, tmp_path: Path) -> None:
    result = benv.invoke(_batch(_users(tmp_path, "U0000001"), tmp_path / "out"))
    # THEN each status appears, then how long it took
    assert result.exit_code == 0, result.output
    assert ": PENDING" in result.output
    assert ": IN PROGRESS" in result.output
    assert "is ACTIVE after 0:10:00" in result.output


def test_a_list_and_an_out_in_s3_work_like_local_ones(benv: BatchEnv) -> None:
    # GIVEN the users in S3 (JSON Lines this time)
    benv.s3.put_object(Bucket=benv.bucket, Key="lists/users.jsonl", Body=b'{"userId": "U1"}\n')
    # WHEN the batch reads it and writes to an s3:// prefix
    result = benv.invoke(
        _batch(
            f"s3://{benv.bucket}/lists/users.jsonl",
            f"s3://{benv.bucket}/campaigns/",
            "--num-results",
            "2",
        )
    )
    # THEN the CSV is under that prefix
    assert result.exit_code == 0, result.output
    [key] = benv.keys("campaigns/")
    assert key.endswith(".csv")
    assert benv.text(key).splitlines()[0] == "user_id,rank,item_id,score"
    assert len(benv.text(key).splitlines()) == 3


def test_an_unknown_solution_names_the_configured_ones(benv: BatchEnv, tmp_path: Path) -> None:
    args = _batch(_users(tmp_path, "U1"), tmp_path / "out")
    args[args.index(SOLUTION)] = "newsletter"
    result = benv.invoke(args)
    assert result.exit_code == 1
    assert "unknown batch solution 'newsletter': environment dev has email" in result.output
    assert benv.deployed.sim.calls == []


def test_an_environment_without_batch_solutions_says_what_to_configure(
    benv: BatchEnv, tmp_path: Path
) -> None:
    args = _batch(_users(tmp_path, "U1"), tmp_path / "out")
    args[args.index("dev")] = "prod"
    result = benv.invoke(args)
    assert result.exit_code == 1
    assert "environment prod has no batch solution: add environments.prod.batch.email" in (
        result.output
    )


def test_a_stack_without_a_trained_version_is_refused_before_anything_is_uploaded(
    tmp_path: Path,
) -> None:
    # GIVEN dev deployed before its batch solution was configured (no version output)
    with batch_env(trained=False) as untrained:
        # WHEN a batch is asked for
        result = untrained.invoke(_batch(_users(tmp_path, "U1"), tmp_path / "out"))
        # THEN it says to deploy (which trains), and nothing was uploaded or started
        assert result.exit_code == 1
        assert "has no trained version (no output EmailBatchSolutionVersionArn)" in result.output
        assert "make deploy ENV=dev" in result.output
        assert untrained.keys() == []
        assert untrained.deployed.sim.calls_to("CreateBatchInferenceJob") == []


def test_a_blank_id_is_named_by_file_and_line_and_nothing_starts(
    benv: BatchEnv, tmp_path: Path
) -> None:
    # GIVEN a list whose third line has no USER_ID
    source = _users(tmp_path, "U1", " ", "U3")
    # WHEN a batch is asked for
    result = benv.invoke(_batch(source, tmp_path / "out"))
    # THEN the file and line are named, and nothing reached S3 or Personalize
    assert result.exit_code == 1
    assert f"{source} line 3: USER_ID is blank" in result.output
    assert benv.keys() == []
    assert benv.deployed.sim.calls == []


def test_a_json_line_without_the_id_field_is_named(benv: BatchEnv, tmp_path: Path) -> None:
    source = tmp_path / "users.jsonl"
    source.write_text('{"userId": "U1"}\n{"user": "U2"}\n')
    result = benv.invoke(_batch(source, tmp_path / "out"))
    assert result.exit_code == 1
    assert f'{source} line 2: no "userId"' in result.output


def test_a_csv_without_the_id_column_is_refused(benv: BatchEnv, tmp_path: Path) -> None:
    source = tmp_path / "users.csv"
    source.write_text("EMAIL\na@example.com\n")
    result = benv.invoke(_batch(source, tmp_path / "out"))
    assert result.exit_code == 1
    assert f"{source} line 1: the header has no USER_ID column (EMAIL)" in result.output


def test_items_for_a_per_user_solution_are_refused(benv: BatchEnv, tmp_path: Path) -> None:
    args = _batch(_users(tmp_path, "U1"), tmp_path / "out")
    args[args.index("--users")] = "--items"
    result = benv.invoke(args)
    assert result.exit_code == 1
    assert "uses aws-user-personalization-v2, which recommends per user: give --users" in (
        result.output
    )


def test_more_records_than_the_limit_are_refused(tmp_path: Path) -> None:
    # GIVEN a limit of 2 records per file (Personalize's is 50 million)
    lines = ["USER_ID", "U1", "U2", "U3"]
    # WHEN the input is built / THEN the line that passes it is named
    with pytest.raises(DayTwoError, match=r"more than 2 records \(line 4\)"):
        build_input(lines, label="u.csv", shape=USERS, out=tmp_path / "in.json", max_records=2)


def test_more_bytes_than_the_limit_are_refused(tmp_path: Path) -> None:
    # GIVEN a limit of 40 bytes per file (Personalize's is 1 GB)
    lines = ["USER_ID", "U1", "U2", "U3"]
    with pytest.raises(DayTwoError, match="passes 40 bytes at line 4"):
        build_input(lines, label="u.csv", shape=USERS, out=tmp_path / "in.json", max_bytes=40)


def test_a_failed_job_ends_with_personalizes_reason(benv: BatchEnv, tmp_path: Path) -> None:
    # GIVEN Personalize fails the next batch job
    benv.deployed.sim.fail_batch_job()
    # WHEN a batch runs
    result = benv.invoke(_batch(_users(tmp_path, "U1"), tmp_path / "out"))
    # THEN it ends with the status and Personalize's reason, and no CSV is written
    assert result.exit_code == 1
    assert "ended CREATE FAILED after 0:10:00: Internal error while processing the batch job." in (
        result.output
    )
    assert not (tmp_path / "out").exists()


def test_lines_personalize_marked_as_errors_are_reported_and_kept(
    benv: BatchEnv, tmp_path: Path
) -> None:
    # GIVEN Personalize answers one user's line with an error
    benv.deployed.sim.fail_batch_record("U2", "Invalid filter values for this user.")
    # WHEN a batch runs for three users
    result = benv.invoke(_batch(_users(tmp_path, "U1", "U2", "U3"), tmp_path / "out"))
    # THEN the error line is reported, kept in <job>-errors.jsonl, and the others are in the CSV
    assert result.exit_code == 0, result.output
    assert "1 input line(s) Personalize marked as errors:" in result.output
    assert "input.json.out line 2: userId U2: Invalid filter values for this user." in result.output
    (errors,) = (tmp_path / "out").glob("*-errors.jsonl")
    assert json.loads(errors.read_text())["input"] == {"userId": "U2"}
    assert {r["user_id"] for r in _rows(_written_csv(tmp_path / "out"))} == {"U1", "U3"}


def test_a_filter_is_applied_by_its_arn(tmp_path: Path) -> None:
    with batch_env(shop_data=True) as benv:
        result = benv.invoke(
            _batch(_users(tmp_path, "U1"), tmp_path / "out", "--filter", "exclude-purchased")
        )
        assert result.exit_code == 0, result.output
        [request] = benv.deployed.sim.calls_to("CreateBatchInferenceJob")
        assert request["filterArn"] == benv.deployed.filters["exclude-purchased"]


def test_a_filters_values_go_on_every_input_line(tmp_path: Path) -> None:
    with batch_env(shop_data=True) as benv:
        result = benv.invoke(
            _batch(
                _users(tmp_path, "U1", "U2"),
                tmp_path / "out",
                "--filter",
                "category",
                "--filter-value",
                "CATEGORY=home",
            )
        )
        assert result.exit_code == 0, result.output
        [request] = benv.deployed.sim.calls_to("CreateBatchInferenceJob")
        lines = benv.text(f"batch/{request['jobName']}/input/input.json").splitlines()
        assert [json.loads(line)["filterValues"] for line in lines] == [{"CATEGORY": '"home"'}] * 2


def test_an_include_filter_without_its_value_is_refused_before_anything_starts(
    benv: BatchEnv, tmp_path: Path
) -> None:
    result = benv.invoke(_batch(_users(tmp_path, "U1"), tmp_path / "out", "--filter", "category"))
    assert result.exit_code == 1
    assert "add --filter-value CATEGORY=VALUE" in result.output
    assert benv.deployed.sim.calls == []


def test_a_similar_items_output_is_written_per_item() -> None:
    # GIVEN the output of an aws-similar-items job for one item
    line = json.dumps(
        {
            "input": {"itemId": "I1"},
            "output": {"recommendedItems": ["I7", "I3"], "scores": [0.5, 0.25]},
            "error": None,
        }
    )
    # WHEN it is read / THEN the rows say which item each list is similar to
    assert parse_output_line(ITEMS, "input.json.out line 1", line) == [
        ("I1", 1, "I7", "0.5"),
        ("I1", 2, "I3", "0.25"),
    ]


def _answer(key: str, items: list[str], scores: list[object]) -> str:
    return json.dumps(
        {"input": {"userId": key}, "output": {"recommendedItems": items, "scores": scores}}
    )


def test_scores_are_written_through_with_every_digit() -> None:
    # GIVEN scores with more than 6 significant digits, and a tiny one
    line = _answer("U1", ["I7", "I3"], [0.123456789012, 1.5e-09])
    # WHEN the line is read / THEN each score is as Personalize wrote it, not rounded
    assert parse_output_line(USERS, "input.json.out line 1", line) == [
        ("U1", 1, "I7", "0.123456789012"),
        ("U1", 2, "I3", "1.5e-09"),
    ]


def test_a_non_numeric_score_is_an_error_naming_the_output_file_and_line() -> None:
    # GIVEN an answer whose second score is not a number
    line = _answer("U1", ["I7", "I3"], [0.5, "high"])
    # WHEN the line is read / THEN it is a problem naming the file and line, none of it a row
    assert parse_output_line(USERS, "input.json.out line 4", line) == Problem(
        'input.json.out line 4: userId U1: score "high" (rank 2) is not a number', unreadable=True
    )


def test_duplicates_far_apart_are_left_out_keeping_the_first_order(tmp_path: Path) -> None:
    # GIVEN a list where B and A come back later, A quoted the second time
    lines = ["USER_ID", "B", "A", "B", "C", '"A"']
    # WHEN the input is built
    built = build_input(lines, label="u.csv", shape=USERS, out=tmp_path / "in.json")
    # THEN each id is there once, where it first appeared, and the rest are counted
    assert (tmp_path / "in.json").read_text() == (
        '{"userId":"B"}\n{"userId":"A"}\n{"userId":"C"}\n'
    )
    assert (built.records, built.duplicates) == (3, 2)
    # AND nothing but the input is left in the work directory
    assert [p.name for p in tmp_path.iterdir()] == ["in.json"]


def test_leaving_out_duplicates_keeps_python_memory_flat(tmp_path: Path) -> None:
    # GIVEN 40,000 distinct ids (a set of them took about 4 MB, 4x the bound; 50 million,
    # gigabytes)
    lines = itertools.chain(["USER_ID"], (f"U{n:010d}" for n in range(40_000)))
    # WHEN the input is built, memory traced
    tracemalloc.start()
    try:
        built = build_input(lines, label="u.csv", shape=USERS, out=tmp_path / "in.json")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # THEN the ids were compared on disk (SQLite's cache is capped: DEDUPE_CACHE_KIB)
    assert built.records == 40_000
    assert peak < 1_000_000, f"peak {peak:,} bytes"
