"""`personalize-shop batch`: batch recommendations for a list of users (or items), as a CSV.

A batch solution (`batch.<name>` in cdk.json, trained by `cdk deploy`) answers a batch inference
job: Personalize reads JSON Lines under an S3 prefix and writes JSON Lines under another. This
module builds and checks that input from a CSV with a USER_ID (ITEM_ID) column or from JSON Lines,
local or in S3, uploads it under `batch/<job>/input/` of the data bucket (the input path ends with
`/`: Personalize reads a prefix), starts the job with the environment's Personalize role and the
solution version the stack trained, waits for it, and turns the output into a CSV:

- per user (aws-user-personalization-v2): `user_id,rank,item_id,score`
- per item (aws-similar-items): `item_id,rank,similar_item_id,score`

Lines Personalize could not answer come back with an `error`: they are reported (the first few on
screen, all of them in `<job>-errors.jsonl` beside the CSV) and the rest of the output is kept.
"""

from __future__ import annotations

import csv
import json
import math
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from botocore.exceptions import ClientError

from personalize_domain.batch_config import BatchRecipe, BatchSolutionConfig
from personalize_domain.config import EnvironmentConfig
from personalize_domain.stack_outputs import batch_solution_version_output
from personalize_ops.day_two.cleanup import Api
from personalize_ops.day_two.data_jobs import (
    JobOutcome,
    S3Client,
    require_output,
    split_s3_uri,
    wait_for_job,
)
from personalize_ops.day_two.errors import DayTwoError, error_detail
from personalize_ops.day_two.stack import StackOutputs

# Batch inference quotas (developer guide, "Quotas"): per input file.
MAX_INPUT_BYTES = 1_000_000_000
MAX_INPUT_RECORDS = 50_000_000
# USER_ID and ITEM_ID are at most 256 characters (dataset schemas).
MAX_ID_CHARS = 256
MAX_JOB_NAME = 63
# SQLite's page cache (and sorter memory) while leaving out duplicate ids (_FirstOccurrences).
DEDUPE_CACHE_KIB = 16 * 1024
# How many bad input lines, and how many error lines of the output, are shown on screen.
SHOWN_PROBLEMS = 10
DONE = frozenset({"ACTIVE"})
FAILED = frozenset({"CREATE FAILED"})
INPUT_FILE = "input.json"


@dataclass(frozen=True)
class Shape:
    """What one kind of batch solution reads and writes."""

    option: str  # --users or --items
    column: str  # the CSV column of the ids
    field: str  # the JSON Lines field Personalize reads
    header: tuple[str, str, str, str]  # the CSV we write


USERS = Shape("--users", "USER_ID", "userId", ("user_id", "rank", "item_id", "score"))
ITEMS = Shape("--items", "ITEM_ID", "itemId", ("item_id", "rank", "similar_item_id", "score"))


def shape_of(recipe: BatchRecipe) -> Shape:
    return USERS if recipe is BatchRecipe.USER_PERSONALIZATION_V2 else ITEMS


def batch_solution(env: EnvironmentConfig, name: str) -> BatchSolutionConfig:
    """The environment's batch solution `name`, or what to add to cdk.json."""
    configured = {b.name: b for b in env.batch}
    if not configured:
        raise DayTwoError(
            f"environment {env.name} has no batch solution: add environments.{env.name}.batch."
            f'{name} (e.g. {{"recipe": "aws-user-personalization-v2"}}) to cdk.json and run '
            f"`make deploy ENV={env.name}` (it trains a solution version: hours, billed per "
            "training hour; see docs/batch.md)"
        )
    if name not in configured:
        raise DayTwoError(
            f"unknown batch solution {name!r}: environment {env.name} has "
            f"{', '.join(sorted(configured))} (cdk.json environments.{env.name}.batch)"
        )
    return configured[name]


def check_source_option(solution: BatchSolutionConfig, users: str | None, items: str | None) -> str:
    """The one source the solution's recipe reads, or which option to use instead."""
    shape = shape_of(solution.recipe)
    given = {"--users": users, "--items": items}
    if users is not None and items is not None:
        raise DayTwoError("give either --users or --items, not both")
    source = given[shape.option]
    if source is None:
        other = "--items" if shape.option == "--users" else "--users"
        if given[other] is not None:
            raise DayTwoError(
                f"batch solution {solution.name} uses {solution.recipe.value}, which recommends "
                f"{'per user' if shape is USERS else 'per item'}: give {shape.option} instead of "
                f"{other}"
            )
        raise DayTwoError(
            f"give {shape.option} FILE or s3://... (a CSV with a {shape.column} column, or JSON "
            f'Lines of {{"{shape.field}": "..."}}): batch solution {solution.name} uses '
            f"{solution.recipe.value}"
        )
    return source


# ---------------------------------------------------------------- building the input


@dataclass
class BuiltInput:
    path: Path  # the JSON Lines file to upload
    records: int = 0
    size: int = 0
    duplicates: int = 0
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0


def read_lines(s3: S3Client, source: str) -> Iterator[str]:
    """The source's text lines (without line ends), local or s3://, read as a stream."""
    if source.startswith("s3://"):
        bucket, key = split_s3_uri(source)
        try:
            body = s3.get_object(Bucket=bucket, Key=key)["Body"]
        except ClientError as error:
            code, _ = error_detail(error)
            if code in ("NoSuchKey", "404", "NoSuchBucket"):
                raise DayTwoError(f"{source}: no such object ({code}); check the URI") from error
            raise
        for raw in body.iter_lines():
            yield raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
        return
    path = Path(source)
    if not path.is_file():
        raise DayTwoError(f"{source}: no such file; give a CSV or JSON Lines file, or an s3:// URI")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for line in handle:
            yield line.rstrip("\r\n")


def build_input(
    lines: Iterable[str],
    *,
    label: str,
    shape: Shape,
    out: Path,
    filter_values: dict[str, str] | None = None,
    max_bytes: int = MAX_INPUT_BYTES,
    max_records: int = MAX_INPUT_RECORDS,
) -> BuiltInput:
    """Write the JSON Lines input to `out`: one record per distinct id, in the source's order.

    The source is JSON Lines when its first non-blank line starts with `{`, else a CSV whose
    header has the shape's column. Problems name `label` and the line; the limits are
    Personalize's per input file.
    """
    built = BuiltInput(out)
    with _FirstOccurrences(out.with_name(f"{out.name}.ids.sqlite")) as ids:
        ids.add(_ids(lines, label, shape, built))
        if built.problem_count:
            more = built.problem_count - len(built.problems)
            shown = "\n".join(f"  {p}" for p in built.problems)
            tail = f"\n  ... and {more} more" if more else ""
            raise DayTwoError(
                f"{label}: {built.problem_count} bad line(s), so nothing was uploaded or "
                f"started; fix them:\n{shown}{tail}"
            )
        with out.open("w", encoding="utf-8", newline="\n") as handle:
            for line_no, found in ids.first():
                record: dict[str, Any] = {shape.field: found}
                if filter_values:
                    record["filterValues"] = filter_values
                text = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
                built.records += 1
                built.size += len(text.encode("utf-8"))
                if built.records > max_records:
                    raise DayTwoError(
                        f"{label}: more than {max_records:,} records (line {line_no}); "
                        "Personalize reads at most that many per input file: split the list and "
                        "run one batch per part"
                    )
                if built.size > max_bytes:
                    raise DayTwoError(
                        f"{label}: the JSON Lines input passes {max_bytes:,} bytes at line "
                        f"{line_no}; Personalize reads at most 1 GB per input file: split the "
                        "list and run one batch per part"
                    )
                handle.write(text)
        built.duplicates = ids.added - built.records
    if built.records == 0:
        raise DayTwoError(f"{label}: no {shape.column} values; nothing to recommend for")
    return built


class _FirstOccurrences:
    """Each distinct id once, at its first line, in line order: compared on disk, not in memory.

    A list may hold 50 million ids: a Python set of them takes gigabytes (about 100 bytes an id),
    and even a set of 8-byte hashes about 3.5 GB (and could drop a distinct id on a collision).
    SQLite (standard library) stores (line, id) in a file beside the input and its sorter finds
    each id's first line with at most DEDUPE_CACHE_KIB of cache, spilling sorted runs to its
    temporary files: exact, bounded, a few microseconds an id (figures in docs/batch.md).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.added = 0
        path.unlink(missing_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None)
        # A scratch file, deleted at the end: no journal, no fsync.
        for pragma in ("journal_mode=OFF", "synchronous=OFF", f"cache_size=-{DEDUPE_CACHE_KIB}"):
            self._db.execute(f"PRAGMA {pragma}")
        self._db.execute("CREATE TABLE ids (line INTEGER PRIMARY KEY, id TEXT NOT NULL)")

    def __enter__(self) -> _FirstOccurrences:
        return self

    def __exit__(self, *_: object) -> None:
        self._db.close()
        self.path.unlink(missing_ok=True)

    def add(self, found: Iterable[tuple[int, str | None]]) -> None:
        """Store every (line, id) that has an id; the lines must be distinct."""

        def counted() -> Iterator[tuple[int, str]]:
            for line_no, value in found:
                if value is not None:
                    self.added += 1
                    yield line_no, value

        self._db.execute("BEGIN")
        self._db.executemany("INSERT INTO ids VALUES (?, ?)", counted())
        self._db.execute("COMMIT")

    def first(self) -> Iterator[tuple[int, str]]:
        """(line, id) of each id's first occurrence, in line order."""
        yield from self._db.execute("SELECT MIN(line), id FROM ids GROUP BY id ORDER BY 1")


def _ids(
    lines: Iterable[str], label: str, shape: Shape, built: BuiltInput
) -> Iterator[tuple[int, str | None]]:
    """(line number, id) per record; None (and a problem recorded) for a bad one."""
    numbered = ((n, line) for n, line in enumerate(lines, start=1))
    first = next(((n, line) for n, line in numbered if line.strip()), None)
    if first is None:
        return
    if first[1].lstrip().startswith("{"):
        yield _json_id(first[0], first[1], label, shape, built)
        for n, line in numbered:
            if line.strip():
                yield _json_id(n, line, label, shape, built)
        return
    header_no, header_line = first
    header = next(csv.reader([header_line]))
    names = [h.strip() for h in header]
    if shape.column not in names:
        raise DayTwoError(
            f"{label} line {header_no}: the header has no {shape.column} column "
            f"({','.join(names)}); give a CSV whose first line names the columns, one of them "
            f'{shape.column}, or JSON Lines of {{"{shape.field}": "..."}}'
        )
    index = names.index(shape.column)
    for n, line in numbered:
        if not line.strip():
            continue
        row = next(csv.reader([line]))
        value = row[index].strip() if index < len(row) else ""
        yield n, _checked(n, value, label, shape, built)


def _json_id(
    n: int, line: str, label: str, shape: Shape, built: BuiltInput
) -> tuple[int, str | None]:
    try:
        record = json.loads(line)
    except ValueError:
        _problem(built, f"{label} line {n}: not valid JSON")
        return n, None
    if not isinstance(record, dict) or shape.field not in record:
        _problem(built, f'{label} line {n}: no "{shape.field}"')
        return n, None
    value = record[shape.field]
    if not isinstance(value, str):
        _problem(built, f'{label} line {n}: "{shape.field}" is not a string')
        return n, None
    return n, _checked(n, value.strip(), label, shape, built)


def _checked(n: int, value: str, label: str, shape: Shape, built: BuiltInput) -> str | None:
    if not value:
        _problem(built, f"{label} line {n}: {shape.column} is blank")
        return None
    if len(value) > MAX_ID_CHARS:
        _problem(
            built,
            f"{label} line {n}: {shape.column} has {len(value)} characters (at most "
            f"{MAX_ID_CHARS})",
        )
        return None
    return value


def _problem(built: BuiltInput, text: str) -> None:
    built.problem_count += 1
    if len(built.problems) < SHOWN_PROBLEMS:
        built.problems.append(text)


# ---------------------------------------------------------------- the job


@dataclass(frozen=True)
class BatchJob:
    name: str
    arn: str
    input_path: str  # s3://bucket/batch/<job>/input/
    output_path: str  # s3://bucket/batch/<job>/output/


def new_token() -> str:
    """4 random hex digits: two runs in the same second do not collide."""
    return uuid.uuid4().hex[:4]


def job_name(name_prefix: str, solution: str, now: datetime) -> str:
    """`<prefix>-<solution>-<UTC time>-<4 random hex>`: unique, sortable, at most 63."""
    stamp = f"{now.astimezone(UTC):%Y%m%d%H%M%S}-{new_token()}"
    head = f"{name_prefix}-{solution}"[: MAX_JOB_NAME - len(stamp) - 1]
    return f"{head}-{stamp}"


def solution_version_arn(outputs: StackOutputs, solution: str, env_name: str) -> str:
    output = batch_solution_version_output(solution)
    if output not in outputs.values:
        raise DayTwoError(
            f"batch solution {solution} is in cdk.json but stack {outputs.stack_name} has no "
            f"trained version (no output {output}): run `make deploy ENV={env_name}`, which "
            "trains it (hours)"
        )
    return outputs.values[output]


def check_trained(api: Api, version_arn: str, solution: str) -> None:
    """Refuse a version that is not ACTIVE, with what Personalize says about it."""
    version = api.call(api.personalize.describe_solution_version, solutionVersionArn=version_arn)[
        "solutionVersion"
    ]
    status = version.get("status", "?")
    if status == "ACTIVE":
        return
    reason = f": {version['failureReason']}" if version.get("failureReason") else ""
    raise DayTwoError(
        f"the solution version of batch solution {solution} is {status}{reason}; batch jobs need "
        "an ACTIVE one (see `personalize-shop status`, or deploy again to train a new one)"
    )


def start_job(
    api: Api,
    s3: S3Client,
    *,
    built: BuiltInput,
    bucket: str,
    name: str,
    version_arn: str,
    role_arn: str,
    num_results: int,
    filter_arn: str | None,
) -> BatchJob:
    """Upload the input under batch/<job>/input/ and start the job reading that prefix."""
    input_prefix = f"batch/{name}/input/"
    s3.upload_file(str(built.path), bucket, f"{input_prefix}{INPUT_FILE}")
    input_path = f"s3://{bucket}/{input_prefix}"
    output_path = f"s3://{bucket}/batch/{name}/output/"
    request: dict[str, Any] = {
        "jobName": name,
        "solutionVersionArn": version_arn,
        "numResults": num_results,
        "jobInput": {"s3DataSource": {"path": input_path}},
        "jobOutput": {"s3DataDestination": {"path": output_path}},
        "roleArn": role_arn,
    }
    if filter_arn is not None:
        request["filterArn"] = filter_arn
    arn = api.call(api.personalize.create_batch_inference_job, **request)["batchInferenceJobArn"]
    return BatchJob(name, arn, input_path, output_path)


def wait_for_batch(api: Api, job: BatchJob, echo: Callable[[str], None]) -> JobOutcome:
    return wait_for_job(
        api,
        label=f"batch inference job {job.name}",
        arn=job.arn,
        describe=lambda: api.personalize.describe_batch_inference_job(batchInferenceJobArn=job.arn)[
            "batchInferenceJob"
        ],
        done=DONE,
        failed=FAILED,
        echo=echo,
    )


# ---------------------------------------------------------------- the output


Row = tuple[str, int, str, str]
# Bytes read from S3 at a time when streaming a .out file (botocore's default is 1 KiB).
READ_CHUNK = 1 << 16


@dataclass
class Results:
    """What the output held: counts and the first problems (the rows went straight to the CSV)."""

    header: tuple[str, str, str, str]
    keys: int = 0  # users (items) answered
    rows: int = 0
    errors: int = 0  # lines Personalize answered with an error (or without output)
    unreadable: int = 0  # lines we could not read: not JSON, a score that is not a number
    shown_errors: list[str] = field(default_factory=list)  # one readable line each, the first few
    shown_unreadable: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)  # the files (s3:// URIs) written

    def problem(self, problem: Problem) -> None:
        if problem.unreadable:
            self.unreadable += 1
            shown = self.shown_unreadable
        else:
            self.errors += 1
            shown = self.shown_errors
        if len(shown) < SHOWN_PROBLEMS:
            shown.append(problem.shown)


@dataclass(frozen=True)
class Problem:
    """An output line that is not in the CSV; kept as it is in `<job>-errors.jsonl`."""

    shown: str
    unreadable: bool = False  # ours to explain (bad JSON, a bad score), not Personalize's error


def output_keys(s3: S3Client, job: BatchJob) -> list[str]:
    """The `.out` files under the job's output prefix, in name order."""
    bucket, prefix = split_s3_uri(job.output_path)
    keys: list[str] = []
    token: str | None = None
    while True:
        page = s3.list_objects_v2(
            Bucket=bucket, Prefix=prefix, **({"ContinuationToken": token} if token else {})
        )
        keys += [o["Key"] for o in page.get("Contents", []) if o["Key"].endswith(".out")]
        token = page.get("NextContinuationToken")
        if not token:
            break
    if not keys:
        raise DayTwoError(
            f"batch inference job {job.name} is ACTIVE but wrote no output under "
            f"{job.output_path}; check the bucket, and run the batch again"
        )
    return sorted(keys)


def stream_output(
    s3: S3Client,
    job: BatchJob,
    shape: Shape,
    keys: Iterable[str],
    *,
    rows_out: IO[str],
    errors_out: IO[str],
) -> Results:
    """Each line of the `.out` files, as it is read, into CSV rows or the errors file.

    Nothing is kept but counts and the first problems: a job's output can be tens of millions
    of rows (50 million users x up to 500 results).
    """
    bucket, _ = split_s3_uri(job.output_path)
    results = Results(shape.header)
    writer = csv.writer(rows_out, lineterminator="\n")
    writer.writerow(shape.header)
    for key in keys:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"]
        name = key.rsplit("/", 1)[-1]
        for n, raw in enumerate(body.iter_lines(chunk_size=READ_CHUNK), start=1):
            line = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            if not line.strip():
                continue
            parsed = parse_output_line(shape, f"{name} line {n}", line)
            if isinstance(parsed, Problem):
                results.problem(parsed)
                errors_out.write(f"{line}\n")
                continue
            results.keys += 1
            results.rows += len(parsed)
            writer.writerows(parsed)
    return results


def parse_output_line(shape: Shape, where: str, line: str) -> list[Row] | Problem:
    """One answered line's CSV rows, or why the line is not in the CSV."""
    try:
        record = json.loads(line)
    except ValueError:
        return Problem(f"{where}: not JSON: {line[:120]}", unreadable=True)
    source = record.get("input") if isinstance(record, dict) else None
    key = source.get(shape.field) if isinstance(source, dict) else None
    error = record.get("error") if isinstance(record, dict) else "not a JSON object"
    output = record.get("output") if isinstance(record, dict) else None
    if error or not isinstance(output, dict) or key is None:
        what = f"{shape.field} {key}" if key is not None else f"input {json.dumps(source)}"
        return Problem(f"{where}: {what}: {error or 'no output'}")
    items = output.get("recommendedItems") or []
    scores = output.get("scores") or []
    texts = [_score_text(score) for score in scores[: len(items)]]
    if None in texts:
        rank = texts.index(None) + 1
        return Problem(
            f"{where}: {shape.field} {key}: score {json.dumps(scores[rank - 1])} (rank {rank}) "
            "is not a number",
            unreadable=True,
        )
    return [
        (str(key), rank, str(item), (texts[rank - 1] if rank - 1 < len(texts) else None) or "")
        for rank, item in enumerate(items, start=1)
    ]


def _score_text(score: object) -> str | None:
    """The score as Personalize wrote it (repr round-trips a float exactly); None if no number."""
    if isinstance(score, bool) or not isinstance(score, int | float):
        return None
    if isinstance(score, float) and not math.isfinite(score):
        return None
    return repr(score)


def write_results(s3: S3Client, job: BatchJob, shape: Shape, out: str, workdir: Path) -> Results:
    """Stream the output into `<job>.csv` (and `<job>-errors.jsonl` if any line is not in it).

    Under a local `out` the files are written beside their final names and renamed when
    complete, so an interrupted download leaves no CSV that looks whole; for an s3:// `out` they
    are written to `workdir` and uploaded (in parts, from disk) once complete.
    """
    keys = output_keys(s3, job)
    to_s3 = out.startswith("s3://")
    if to_s3:
        staging = workdir
    else:
        staging = Path(out)
        if staging.exists() and not staging.is_dir():
            raise DayTwoError(f"--out {out} is a file; give a directory (created if missing)")
        staging.mkdir(parents=True, exist_ok=True)
    names = (f"{job.name}.csv", f"{job.name}-errors.jsonl")
    partial = [staging / f".{name}.partial" for name in names]
    try:
        with (
            partial[0].open("w", encoding="utf-8", newline="") as rows_out,
            partial[1].open("w", encoding="utf-8", newline="") as errors_out,
        ):
            results = stream_output(s3, job, shape, keys, rows_out=rows_out, errors_out=errors_out)
        kept = [(names[0], partial[0])]
        if results.errors or results.unreadable:
            kept.append((names[1], partial[1]))
        if to_s3:
            bucket, prefix = split_s3_uri(out if out.count("/") > 2 else out + "/")
            prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
            for name, path in kept:
                s3.upload_file(str(path), bucket, f"{prefix}{name}")
                results.written.append(f"s3://{bucket}/{prefix}{name}")
        else:
            for name, path in kept:
                path.replace(staging / name)
                results.written.append(str(staging / name))
    finally:
        for path in partial:
            path.unlink(missing_ok=True)
    return results


def check_out(out: str) -> None:
    """Refuse an --out that cannot work, before anything starts."""
    if out.startswith("s3://"):
        bucket = out[5:].split("/", 1)[0]
        if not bucket:
            raise DayTwoError(f"--out {out!r} names no bucket; write it as s3://bucket/prefix/")
        return
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise DayTwoError(f"--out {out} is a file; give a directory (created if missing)")


def data_bucket(outputs: StackOutputs, env_name: str) -> str:
    return require_output(outputs.values, "DataBucketName", outputs.stack_name, env_name)


# ---------------------------------------------------------------- the whole command


@dataclass(frozen=True)
class BatchRequest:
    solution: str
    source: str
    out: str
    num_results: int
    filter_name: str | None = None
    filter_arn: str | None = None
    filter_values: dict[str, str] | None = None


def run_batch(
    api: Api,
    s3: S3Client,
    *,
    env: EnvironmentConfig,
    outputs: StackOutputs,
    request: BatchRequest,
    workdir: Path,
    now: datetime,
    echo: Callable[[str], None],
) -> Results:
    """Check, upload, start, wait, download, write: the command after its options are parsed."""
    solution = batch_solution(env, request.solution)
    shape = shape_of(solution.recipe)
    version_arn = solution_version_arn(outputs, solution.name, env.name)
    bucket = data_bucket(outputs, env.name)
    role_arn = require_output(outputs.values, "PersonalizeRoleArn", outputs.stack_name, env.name)
    built = build_input(
        read_lines(s3, request.source),
        label=request.source,
        shape=shape,
        out=workdir / INPUT_FILE,
        filter_values=request.filter_values,
    )
    duplicates = f" ({built.duplicates:,} duplicate(s) left out)" if built.duplicates else ""
    echo(
        f"valid: {request.source}: {built.records:,} {shape.column} value(s), "
        f"{built.size:,} bytes of JSON Lines{duplicates}"
    )
    check_trained(api, version_arn, solution.name)
    name = job_name(env.name_prefix, solution.name, now)
    job = start_job(
        api,
        s3,
        built=built,
        bucket=bucket,
        name=name,
        version_arn=version_arn,
        role_arn=role_arn,
        num_results=request.num_results,
        filter_arn=request.filter_arn,
    )
    echo(f"uploaded to {job.input_path}{INPUT_FILE}")
    used = f", filter {request.filter_name}" if request.filter_name else ""
    echo(
        f"started batch inference job {job.name}: solution {solution.name} "
        f"({solution.recipe.value}), {request.num_results} result(s) each{used}"
    )
    outcome = wait_for_batch(api, job, echo)
    elapsed = _elapsed_text(api.elapsed())
    if not outcome.ok:
        raise DayTwoError(
            f"batch inference job {job.name} ended {outcome.status} after {elapsed}: "
            f"{outcome.failure_reason}"
        )
    echo(f"batch inference job {job.name} is ACTIVE after {elapsed}; output in {job.output_path}")
    results = write_results(s3, job, shape, request.out, workdir)
    for path in results.written:
        echo(f"wrote {path}")
    echo(
        f"{results.keys:,} {shape.column} value(s) answered, {results.rows:,} row(s) "
        f"({','.join(shape.header)})"
    )
    _report(
        echo,
        results.errors,
        results.shown_errors,
        "input line(s) Personalize marked as errors",
        job,
    )
    _report(
        echo,
        results.unreadable,
        results.shown_unreadable,
        "output line(s) left out of the CSV, unreadable",
        job,
    )
    return results


def _report(
    echo: Callable[[str], None], count: int, shown: list[str], what: str, job: BatchJob
) -> None:
    if not count:
        return
    echo(f"{count:,} {what}:")
    for line in shown:
        echo(f"  {line}")
    if count > len(shown):
        echo(f"  ... all of them in {job.name}-errors.jsonl")


def _elapsed_text(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
