"""Resolve an environment's dataset sources and validate local files before anything is uploaded.

Called once per selected environment in `app.py`: a file that would fail its Personalize import
or its recommenders' training fails synth instead, in seconds, naming file, row and column.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from personalize_domain.config import EnvironmentConfig
from personalize_domain.data.digest import file_digest
from personalize_domain.data.report import ValidationReport
from personalize_domain.data.validator import validate_datasets
from personalize_domain.s3_uri import split_s3_uri
from personalize_domain.schemas import DatasetType

_VALIDATE = ".venv/bin/personalize-shop validate"


class DataSourceError(ValueError):
    """A dataset source is missing or its data is invalid; the message says where and how to fix."""


@dataclass(frozen=True)
class ResolvedDataset:
    dataset_type: DatasetType
    # Exactly one of local_path (a file shipped by deploy) and s3_uri (data already in S3).
    local_path: Path | None
    s3_uri: str | None
    # sha256 of the local file: its S3 key, and what makes a changed file a new import.
    digest: str | None
    report: ValidationReport | None

    @property
    def version(self) -> str:
        """What identifies this data: the file's digest, or the URI for data already in S3."""
        version = self.digest or self.s3_uri
        assert version is not None
        return version


def resolve_datasets(
    env: EnvironmentConfig,
    *,
    root: Path,
    cache_dir: Path | None,
    log: Callable[[str], None] = lambda line: print(line, file=sys.stderr),
) -> tuple[ResolvedDataset, ...]:
    """Check every local file of `env` (unless skipped) and return where each dataset's data is."""
    paths: dict[DatasetType, Path] = {}
    for dataset in env.datasets:
        key = f"environments.{env.name}.datasets.{dataset.dataset_type.key}.source"
        if dataset.is_s3_uri:
            if dataset.validate_in_s3:
                log(
                    f"[{env.name}] {key} = {dataset.source}: validated at deploy by Athena, "
                    "before its import (validateInS3)"
                )
            else:
                log(_not_validated_locally(env.name, key, dataset.source))
            continue
        # Absolute: the deploy ships it as an asset, which must not depend on the working
        # directory. Messages show it relative to the project, as cdk.json writes it.
        path = dataset.local_path(root)
        if not path.is_file():
            problem = "is a folder, not a file" if path.is_dir() else "no such file"
            raise DataSourceError(
                f"{key} = {dataset.source!r}: {problem} ({path}). Point it at a CSV file "
                "(absolute, ~/..., or relative to the project root), or at an s3:// URI: "
                "README, 'Where a team's data lives'."
            )
        paths[dataset.dataset_type] = path

    to_check = {
        d.dataset_type: _display_path(paths[d.dataset_type])
        for d in env.datasets
        if d.dataset_type in paths and not d.skip_validation
    }
    reports = _validate(env, to_check, cache_dir, log)

    resolved = []
    for dataset in env.datasets:
        local = paths.get(dataset.dataset_type)
        report = reports.get(dataset.dataset_type)
        resolved.append(
            ResolvedDataset(
                dataset_type=dataset.dataset_type,
                local_path=local,
                s3_uri=dataset.source if dataset.is_s3_uri else None,
                digest=(report.digest if report else file_digest(local)) if local else None,
                report=report,
            )
        )
    return tuple(resolved)


# Where a destroy-only synth says the data is. Nothing reads it: that template cannot be deployed
# (app.py adds a rule CloudFormation fails on create and update).
DESTROY_ONLY_BUCKET = "personalize-shop-destroy-only"


def destroy_only_datasets(env: EnvironmentConfig) -> tuple[ResolvedDataset, ...]:
    """Each dataset without reading, or even looking for, its data: what `cdk destroy` needs.

    CloudFormation deletes a stack by its name; the template synth produces for it is never
    sent. A missing or invalid file must not stop the teardown of an environment billed by the
    hour, so local sources become a placeholder location instead of an asset.
    """
    return tuple(
        ResolvedDataset(
            dataset_type=d.dataset_type,
            local_path=None,
            s3_uri=d.source
            if d.is_s3_uri
            else f"s3://{DESTROY_ONLY_BUCKET}/{env.name}/{d.dataset_type.key}.csv",
            digest=None,
            report=None,
        )
        for d in env.datasets
    )


def _not_validated_locally(env_name: str, key: str, uri: str) -> str:
    """What synth did not check about data already in S3, and the commands that check it."""
    location = split_s3_uri(uri)
    dataset = key.split(".")[-2]
    if location.is_folder:
        fetch = f"aws s3 cp --recursive --exclude '*/*' {uri} /tmp/{env_name}-{dataset}/"
        check = f"{_VALIDATE} --{dataset} <each file in /tmp/{env_name}-{dataset}/>"
    else:
        local = f"/tmp/{env_name}-{PurePosixPath(location.key).name}"
        fetch = f"aws s3 cp {uri} {local}"
        check = f"{_VALIDATE} --{dataset} {local}"
    return (
        f"[{env_name}] not validated locally: {key} = {uri} is in S3 and synth does not read "
        f"it; to validate it: {fetch} && {check}"
    )


def _display_path(path: Path) -> Path:
    """Relative to where synth runs (the project root) when inside it, as written in cdk.json."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def _validate(
    env: EnvironmentConfig,
    paths: dict[DatasetType, Path],
    cache_dir: Path | None,
    log: Callable[[str], None],
) -> dict[DatasetType, ValidationReport]:
    if not paths:
        return {}
    use_cases = [r.use_case.key for r in env.recommenders]
    size_mb = sum(p.stat().st_size for p in paths.values()) / 1e6
    log(f"[{env.name}] validating {len(paths)} dataset file(s), {size_mb:,.1f} MB ...")
    started = time.perf_counter()
    report = validate_datasets(
        interactions=paths.get(DatasetType.INTERACTIONS),
        items=paths.get(DatasetType.ITEMS),
        users=paths.get(DatasetType.USERS),
        use_cases=use_cases,
        cache_dir=cache_dir,
    )
    elapsed = time.perf_counter() - started
    if not report.ok:
        raise DataSourceError(
            f"[{env.name}] dataset validation failed; fix the files (or set "
            f"environments.{env.name}.datasets.<type>.skipValidation=true if they are validated "
            f"elsewhere):\n{report.render()}"
        )
    for file_report in report.reports:
        cached = " (cached)" if file_report.from_cache else ""
        log(f"[{env.name}] ok{cached}: {file_report.path}: {file_report.stats.summary()}")
    for warning in report.warnings:
        log(f"[{env.name}] {warning.render()}")
    log(f"[{env.name}] validation took {elapsed:.1f} s")
    return {DatasetType(r.dataset_type): r for r in report.reports}
