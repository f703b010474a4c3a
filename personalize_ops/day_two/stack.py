"""Find an environment's stack and read its outputs (plain outputs, read with DescribeStacks)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from botocore.exceptions import ClientError

from personalize_domain.stack_outputs import (
    DATASET_GROUP_ARN,
    filter_arn_output,
    recommender_arn_output,
    recommender_metrics_output,
    stack_name,
)
from personalize_domain.use_cases import USE_CASES
from personalize_ops.day_two.clients import CloudFormationClient
from personalize_ops.day_two.errors import DayTwoError, error_detail


@dataclass(frozen=True)
class StackOutputs:
    stack_name: str
    values: dict[str, str]

    @property
    def dataset_group_arn(self) -> str:
        return self.values[DATASET_GROUP_ARN]

    @property
    def recommender_arns(self) -> dict[str, str]:
        """Deployed recommenders by use-case key, in the catalogue's order."""
        return {
            key: self.values[recommender_arn_output(key)]
            for key in USE_CASES
            if recommender_arn_output(key) in self.values
        }

    def stored_metrics(self, use_case_key: str) -> dict[str, float] | None:
        """The metrics the stack recorded when the recommender became ACTIVE, if any."""
        raw = self.values.get(recommender_metrics_output(use_case_key))
        if not raw:
            return None
        try:
            parsed = json.loads(raw)
        except ValueError:
            return None
        if not isinstance(parsed, dict):
            return None
        return {str(k): float(v) for k, v in parsed.items() if isinstance(v, int | float)}

    def recommender_arn(self, use_case_key: str, env_name: str) -> str:
        arns = self.recommender_arns
        if use_case_key not in arns:
            deployed = ", ".join(arns) or "none"
            raise DayTwoError(
                f"use case {use_case_key} is not configured in environment {env_name} "
                f"(deployed: {deployed}); add it under environments.{env_name}.recommenders in "
                f"cdk.json and run `make deploy ENV={env_name}`"
            )
        return arns[use_case_key]

    def filter_arn(self, name: str, env_name: str) -> str:
        """A configured filter's ARN; it is in the stack once `make deploy` has created it."""
        output = filter_arn_output(name)
        if output not in self.values:
            raise DayTwoError(
                f"filter {name} is in cdk.json but not in stack {self.stack_name} (no output "
                f"{output}): run `make deploy ENV={env_name}` to create it"
            )
        return self.values[output]


def read_outputs(cloudformation: CloudFormationClient, env_name: str) -> StackOutputs:
    name = stack_name(env_name)
    try:
        stacks = cloudformation.describe_stacks(StackName=name)["Stacks"]
    except ClientError as error:
        _, message = error_detail(error)
        if "does not exist" in message:
            region = cloudformation.meta.region_name
            raise DayTwoError(
                f"no stack {name} in {region}: run `make deploy ENV={env_name}` first"
            ) from error
        raise
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    if DATASET_GROUP_ARN not in outputs:
        status = stacks[0].get("StackStatus", "unknown")
        raise DayTwoError(
            f"stack {name} has no {DATASET_GROUP_ARN} output (stack status {status}); wait for "
            f"`make deploy ENV={env_name}` to finish, or run it again"
        )
    return StackOutputs(stack_name=name, values=outputs)
