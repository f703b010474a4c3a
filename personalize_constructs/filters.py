"""The environment's Personalize filters, as native `AWS::Personalize::Filter` resources."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_personalize as personalize
from constructs import Construct, IDependable

from personalize_domain.config import FilterConfig
from personalize_domain.filters.names import filter_name
from personalize_domain.stack_outputs import output_label


class RecommendationFilters(Construct):
    """One filter per configured `filters.<name>`, in the dataset group.

    Name, dataset group and expression are create-only, so a new expression makes CloudFormation
    create a new filter before it deletes the old one; the expression's hash in the name keeps
    the two apart. Each filter's logical id follows its configured name only, so the change is
    a replacement of the same resource, never a new one beside the old.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name_prefix: str,
        dataset_group_arn: str,
        filters: Sequence[FilterConfig],
        after: Sequence[IDependable] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        names = [f.name for f in filters]
        if len(set(names)) != len(names):
            raise ValueError(f"{construct_id}: filter names must be unique, got {names}")
        self.filters: dict[str, personalize.CfnFilter] = {}
        for config in filters:
            cfn_filter = personalize.CfnFilter(
                self,
                output_label(config.name),
                name=filter_name(name_prefix, config.name, config.expression),
                dataset_group_arn=dataset_group_arn,
                filter_expression=config.expression,
            )
            # Personalize checks the expression's fields against the datasets' schemas.
            for dependency in after:
                cfn_filter.node.add_dependency(dependency)
            self.filters[config.name] = cfn_filter

    def arn(self, name: str) -> str:
        return self.filters[name].attr_filter_arn
