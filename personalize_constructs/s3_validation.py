"""Validation at deploy time of an s3:// source, by Athena, before its import starts.

`datasets.<type>.validateInS3: true` (an s3://bucket/key.csv source): the stack holds a Glue
database and, per validated dataset, a table over the object's folder (every column a string,
OpenCSVSerde as `personalize-shop validate --engine athena` creates it, but the header kept as a
row so the query can check it). The import's custom resource carries the query
(`personalize_domain/data/deploy_validation.py`, restricted to the object by `"$path"`), and the
readiness workflow runs it with Step Functions' Athena integration before it creates the import
job (personalize_constructs/readiness/import_branch.py). See docs/data-validation.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Aws, Stack
from aws_cdk import aws_glue as glue
from aws_cdk import aws_iam as iam
from constructs import Construct

from personalize_constructs.acknowledgments import acknowledge
from personalize_domain.data.deploy_validation import (
    SERDE,
    SERDE_PARAMETERS,
    table_digest,
    table_folder,
    validation_query,
)
from personalize_domain.s3_uri import split_s3_uri
from personalize_domain.schemas import DatasetSchema, DatasetType


@dataclass(frozen=True)
class ValidatedSource:
    dataset_type: DatasetType
    uri: str
    schema: DatasetSchema


def glue_name(name_prefix: str) -> str:
    """A Glue/Athena name (lower case, digits, underscores) for the environment's prefix."""
    return name_prefix.lower().replace("-", "_")


class S3SourceValidation(Construct):
    """The Glue database and tables of an environment's validated s3:// sources, the query of
    each, and the workflow role's access (Athena on one workgroup, Glue on these tables, S3 read
    of the sources and write of the results prefix)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name_prefix: str,
        sources: tuple[ValidatedSource, ...],
        workgroup: str,
        results_location: str,
    ) -> None:
        super().__init__(scope, construct_id)
        if not sources:
            raise ValueError(f"{construct_id}: no s3:// source to validate")
        if (
            not results_location.startswith("s3://")
            or not results_location.endswith("/")
            or not split_s3_uri(results_location).key.strip("/")
        ):
            # At a bucket root, the role's s3:PutObject would cover the whole bucket.
            raise ValueError(f"{construct_id}: results_location must be s3://bucket/prefix/")
        for source in sources:
            if "/" not in split_s3_uri(source.uri).key:
                # The table's folder, and the role's ListBucket prefix, would be the whole bucket.
                raise ValueError(f"{construct_id}: {source.uri} is not in a folder")
        self.workgroup = workgroup
        self.results_location = results_location
        self.database_name = f"{glue_name(name_prefix)}_validation"
        self.database = glue.CfnDatabase(
            self,
            "Database",
            catalog_id=Aws.ACCOUNT_ID,
            database_input=glue.CfnDatabase.DatabaseInputProperty(
                name=self.database_name,
                description="Tables over s3:// dataset sources, validated by Athena at deploy",
            ),
        )
        self.tables: dict[DatasetType, str] = {}
        self._queries: dict[DatasetType, str] = {}
        self._sources = sources
        for source in sources:
            self._table(source)

    def _table(self, source: ValidatedSource) -> None:
        folder = table_folder(source.uri)
        columns = len(source.schema.column_names)
        # The name follows the folder and the column count, as the CLI's table.
        name = f"{source.dataset_type.key}_{table_digest(source.uri, columns)}"
        table = glue.CfnTable(
            self,
            f"{source.dataset_type.name.title()}Table",
            catalog_id=Aws.ACCOUNT_ID,
            database_name=self.database_name,
            table_input=glue.CfnTable.TableInputProperty(
                name=name,
                table_type="EXTERNAL_TABLE",
                parameters={"classification": "csv"},
                storage_descriptor=glue.CfnTable.StorageDescriptorProperty(
                    location=folder,
                    input_format="org.apache.hadoop.mapred.TextInputFormat",
                    output_format="org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                    columns=[
                        glue.CfnTable.ColumnProperty(name=f"column{i}", type="string")
                        for i in range(columns)
                    ],
                    serde_info=glue.CfnTable.SerdeInfoProperty(
                        serialization_library=SERDE, parameters=dict(SERDE_PARAMETERS)
                    ),
                ),
            ),
        )
        table.node.add_dependency(self.database)
        self.tables[source.dataset_type] = name
        self._queries[source.dataset_type] = validation_query(
            source.schema, uri=source.uri, table=f'"{self.database_name}"."{name}"'
        )

    def validation_property(self, dataset_type: DatasetType) -> dict[str, str]:
        """The import custom resource's `Validation` property for one dataset."""
        return {
            "QueryString": self._queries[dataset_type],
            "WorkGroup": self.workgroup,
            "OutputLocation": self.results_location,
        }

    def grant_query(self, role: iam.IRole) -> None:
        """What the readiness workflow needs to run the queries and read their results."""
        stack = Stack.of(self)

        def arn(service: str, resource: str) -> str:
            return f"arn:{Aws.PARTITION}:{service}:{stack.region}:{stack.account}:{resource}"

        results = split_s3_uri(self.results_location)
        statements = [
            iam.PolicyStatement(
                sid="ValidationQueries",
                actions=[
                    "athena:StartQueryExecution",
                    "athena:GetQueryExecution",
                    "athena:GetQueryResults",
                    "athena:StopQueryExecution",
                ],
                resources=[arn("athena", f"workgroup/{self.workgroup}")],
            ),
            iam.PolicyStatement(
                sid="ValidationTables",
                actions=["glue:GetDatabase", "glue:GetTable", "glue:GetPartitions"],
                resources=[
                    arn("glue", "catalog"),
                    arn("glue", f"database/{self.database_name}"),
                    *(
                        arn("glue", f"table/{self.database_name}/{name}")
                        for name in self.tables.values()
                    ),
                ],
            ),
            iam.PolicyStatement(
                sid="ValidationResults",
                actions=[
                    "s3:PutObject",
                    "s3:GetObject",
                    "s3:AbortMultipartUpload",
                    "s3:ListMultipartUploadParts",
                ],
                resources=[f"arn:{Aws.PARTITION}:s3:::{results.bucket}/{results.key}*"],
            ),
        ]
        buckets = sorted({results.bucket, *(split_s3_uri(s.uri).bucket for s in self._sources)})
        statements.append(
            iam.PolicyStatement(
                sid="ValidationBuckets",
                actions=["s3:GetBucketLocation"],
                resources=[f"arn:{Aws.PARTITION}:s3:::{bucket}" for bucket in buckets],
            )
        )
        for index, source in enumerate(self._sources):
            location = split_s3_uri(source.uri)
            folder = location.key.rsplit("/", 1)[0] + "/"
            statements.append(
                iam.PolicyStatement(
                    sid=f"ValidationSource{index}",
                    # Athena lists the table's folder, then reads the objects "$path" keeps.
                    actions=["s3:GetObject"],
                    resources=[f"arn:{Aws.PARTITION}:s3:::{location.bucket}/{folder}*"],
                )
            )
            statements.append(
                iam.PolicyStatement(
                    sid=f"ValidationList{index}",
                    actions=["s3:ListBucket"],
                    resources=[f"arn:{Aws.PARTITION}:s3:::{location.bucket}"],
                    conditions={"StringLike": {"s3:prefix": [f"{folder}*"]}},
                )
            )
            acknowledge(
                role,
                f"IAM5[Resource::arn:<AWS::Partition>:s3:::{location.bucket}/{folder}*]",
                "validation-reads-source-folder",
            )
        for statement in statements:
            role.add_to_principal_policy(statement)
        acknowledge(
            role,
            f"IAM5[Resource::arn:<AWS::Partition>:s3:::{results.bucket}/{results.key}*]",
            "validation-writes-results",
        )
