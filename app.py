#!/usr/bin/env python3
"""Composition only: configuration from CDK context, one stack per environment, cdk-nag."""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Before aws_cdk starts its Node.js process. The project runs on Node 20 or later (README); on
# Node 20 (jsii ended its support on 2026-10-30), jsii prints an 11-line banner into every `npx cdk`
# command, as Python byte strings (b'!!  Node 20 is end-of-life ...\n', aws/jsii#4065). Only
# Node 20 is silenced, by the variable jsii reads for this; an older Node still shows it, and
# Node 22 or 24 prints nothing. The Makefile and the tests set the same.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import aws_cdk as cdk
from cdk_nag import (
    AwsSolutionsChecks,
    HIPAASecurityChecks,
    NIST80053R5Checks,
    PCIDSS321Checks,
)

from personalize_constructs.acknowledgments import ComplianceDecisions
from personalize_domain.config import AppConfig, ConfigError, load_app_config
from personalize_domain.data_sources import (
    DataSourceError,
    destroy_only_datasets,
    resolve_datasets,
)
from personalize_domain.schemas import SCHEMAS_DIR, SchemaError
from personalize_domain.stack_outputs import stack_name
from stacks.personalize_stack import PersonalizeShopStack

ROOT = Path(__file__).resolve().parent
# Validation reports keyed by file content: an unchanged file is not read again.
CACHE_DIR = ROOT / ".cache" / "data-validation"


def build_app(
    app: cdk.App,
    config: AppConfig,
    *,
    cache_dir: Path | None = CACHE_DIR,
    schemas_dir: Path = SCHEMAS_DIR,
) -> dict[str, PersonalizeShopStack]:
    stacks = {}
    for env in config.selected:
        datasets = (
            destroy_only_datasets(env)
            if config.destroy_only
            else resolve_datasets(env, root=ROOT, cache_dir=cache_dir)
        )
        stacks[env.name] = PersonalizeShopStack(
            app,
            stack_name(env.name),
            config=env,
            datasets=datasets,
            schemas_dir=schemas_dir,
            env=cdk.Environment(account=env.account, region=env.region),
            termination_protection=env.termination_protection,
            description=f"Amazon Personalize product recommendations, environment {env.name}",
        )
        if config.destroy_only:
            _refuse_deploy(stacks[env.name], env.name)
    # The compliance packs' product decisions and the checkov skips, on every resource they
    # concern; each construct acknowledges its own cdk-nag findings.
    cdk.Aspects.of(app).add(ComplianceDecisions())
    # Reasons are written into the template metadata, so reviewers see them in the PR diff.
    cdk.Validations.of(app).add_plugins(
        AwsSolutionsChecks(app, write_suppressions_to_cloud_formation=True),
        HIPAASecurityChecks(app),
        NIST80053R5Checks(app),
        PCIDSS321Checks(app),
    )
    return stacks


def _refuse_deploy(stack: cdk.Stack, env_name: str) -> None:
    """A template synthesized without its data fails any create or update in CloudFormation
    (rules are checked then, not on delete), so `cdk deploy -c destroyOnly=true` cannot ship it."""
    cdk.CfnRule(
        stack,
        "DestroyOnly",
        assertions=[
            cdk.CfnRuleAssertion(
                assert_=cdk.Fn.condition_equals("synthesized-without-data", "deployable"),
                assert_description=(
                    "This template was synthesized with -c destroyOnly=true, without its data, "
                    "for cdk destroy only. Deploy without destroyOnly."
                ),
            )
        ],
    )
    print(
        f"[{env_name}] destroyOnly: data files not "
        "read; this template is for cdk destroy only (deploying it fails)",
        file=sys.stderr,
    )


def main() -> None:
    app = cdk.App()
    try:
        config = load_app_config(app.node.get_all_context())
        build_app(app, config)
    except (ConfigError, DataSourceError, SchemaError) as exc:
        print(exc, file=sys.stderr)
        sys.exit(1)
    app.synth()


if __name__ == "__main__":
    main()
