"""AWS SDK service integrations: `arn:aws:states:::aws-sdk:<service>:<apiAction>`.

Step Functions calls the AWS SDK for Java. The definition names members in PascalCase; the
result comes back in PascalCase; an error is named `<Service>.<Exception>` after the Java SDK's
classes. Here a real boto3 client (usually attached to a simulator) makes the call, and this
module translates names both ways with the client's own botocore model, so a member name the
model does not know fails loudly instead of being passed through.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from botocore import xform_name
from botocore.exceptions import ClientError, ParamValidationError
from botocore.model import ListShape, MapShape, OperationModel, ServiceModel, Shape, StructureShape

from .errors import DefinitionError, StatesError
from .paths import Json

_RESOURCE = re.compile(r"arn:aws[a-z-]*:states:::aws-sdk:([a-z0-9]+):([A-Za-z0-9]+)(\..+)?")
# Words for the Java names: "DynamoDB" -> Dynamo+DB, "APIGateway" -> API+Gateway, "EC2" -> EC2.
_WORDS = re.compile(r"[A-Z]+(?![a-z])\d*|[A-Z]?[a-z]+\d*|\d+")


def parse_resource(resource: str) -> tuple[str, str] | None:
    """(service, apiAction) of an aws-sdk Resource, None for other resources."""
    found = _RESOURCE.fullmatch(resource)
    if found is None:
        return None
    if found.group(3):
        raise DefinitionError(
            f"{resource}: the integration pattern {found.group(3)!r} is not supported; only "
            "request-response aws-sdk calls are simulated."
        )
    return found.group(1), found.group(2)


def operation_model(model: ServiceModel, action: str, resource: str) -> OperationModel:
    name = action[0].upper() + action[1:]
    if name not in model.operation_names:
        raise DefinitionError(f"{resource}: {model.service_name} has no operation {name}.")
    return model.operation_model(name)


def call(client: Any, action: str, parameters: Json, resource: str) -> Json:
    """Make the call with `client`; return the PascalCase result or raise `StatesError`."""
    model: ServiceModel = client.meta.service_model
    operation = operation_model(model, action, resource)
    request = to_request(parameters, operation.input_shape, operation.name)
    try:
        response = getattr(client, xform_name(operation.name))(**request)
    except ParamValidationError as error:
        raise DefinitionError(
            f"{resource}: botocore rejected the parameters {parameters!r}: {error}"
        ) from error
    except ClientError as error:
        raise sdk_error(model, error) from error
    response.pop("ResponseMetadata", None)
    return to_result(response, operation.output_shape)


# -- names ---------------------------------------------------------------------------------------


def asl_name(member: str) -> str:
    """The PascalCase name Step Functions uses for a model member (`datasetArn` -> DatasetArn)."""
    pascal = member[0].upper() + member[1:]
    # Documented: "API fields for equals will be referred to ... as EqualsValue".
    return "EqualsValue" if pascal == "Equals" else pascal


def java_service_name(service_id: str) -> str:
    """The service's name in the Java SDK: "DynamoDB" -> DynamoDb, "SFN" -> Sfn. [H]"""
    name = re.sub(r"^(Amazon|AWS)\s*", "", service_id)
    name = re.sub(r"\s+Service$", "", name)
    return "".join(_pascal_word(word) for word in _WORDS.findall(name))


def java_exception_name(code: str) -> str:
    """The Java SDK's class name for an error shape: Fault -> Exception, suffix added. [H]"""
    name = re.sub(r"Fault$", "Exception", code)
    if not name.endswith("Exception"):
        name += "Exception"
    return "".join(_pascal_word(word) for word in _WORDS.findall(name))


def _pascal_word(word: str) -> str:
    return word[0].upper() + word[1:].lower()


def sdk_error(model: ServiceModel, error: ClientError) -> StatesError:
    """`<Service>.<Exception>`; a code the model does not declare becomes the service's base
    exception, e.g. Personalize's ThrottlingException -> `Personalize.PersonalizeException`."""
    service = java_service_name(model.service_id)
    code = error.response.get("Error", {}).get("Code", "")
    # botocore's stubs type the code as int; the model looks it up by the string code.
    shape = model.shape_for_error_code(code)  # type: ignore[arg-type]
    exception = java_exception_name(shape.name) if shape is not None else f"{service}Exception"
    metadata = error.response.get("ResponseMetadata", {})
    message = error.response.get("Error", {}).get("Message") or f"Service returned error {code}"
    cause = (
        f"{message} (Service: {service}, Status Code: {metadata.get('HTTPStatusCode')}, "
        f"Request ID: {metadata.get('RequestId')})"
    )
    return StatesError(f"{service}.{exception}", cause)


# -- translation ---------------------------------------------------------------------------------


def to_request(value: Json, shape: Shape | None, where: str) -> Json:
    """PascalCase parameters -> the model's member names, recursively; map keys are data."""
    if shape is None:
        if value:
            raise DefinitionError(f"{where} takes no parameters, got {value!r}.")
        return {}
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        return _structure_request(value, shape, where)
    if isinstance(shape, ListShape) and isinstance(value, list):
        return [to_request(item, shape.member, f"{where}[{i}]") for i, item in enumerate(value)]
    if isinstance(shape, MapShape) and isinstance(value, dict):
        return {key: to_request(item, shape.value, f"{where}.{key}") for key, item in value.items()}
    # A scalar, or a value of the wrong type: botocore's validation reports it precisely.
    return value


def _structure_request(value: dict[str, Json], shape: StructureShape, where: str) -> Json:
    members = {asl_name(name): name for name in shape.members}
    request: dict[str, Json] = {}
    for key, item in value.items():
        member = members.get(key)
        if member is None:
            raise DefinitionError(
                f"{where}: {key!r} is not a parameter of {shape.name}; Step Functions expects "
                f"one of {sorted(members)}."
            )
        request[member] = to_request(item, shape.members[member], f"{where}.{key}")
    return request


def to_result(value: Json, shape: Shape | None) -> Json:
    """A botocore result -> PascalCase members, timestamps as ISO-8601 text; map keys as-is."""
    if isinstance(value, datetime):
        return iso_timestamp(value)
    if isinstance(value, bytes | bytearray):
        raise DefinitionError("Blob members in an aws-sdk result are not supported.")
    if shape is None:
        return value
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        return {
            asl_name(key) if key in shape.members else key: to_result(item, shape.members.get(key))
            for key, item in value.items()
        }
    if isinstance(shape, ListShape) and isinstance(value, list):
        return [to_result(item, shape.member) for item in value]
    if isinstance(shape, MapShape) and isinstance(value, dict):
        return {key: to_result(item, shape.value) for key, item in value.items()}
    return value


def iso_timestamp(value: datetime) -> str:
    """As Java's `Instant.toString()`: UTC, `Z`, a fraction only when not zero. [H]"""
    utc = value.astimezone(UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond % 1000:
        text += f".{utc.microsecond:06d}"
    elif utc.microsecond:
        text += f".{utc.microsecond // 1000:03d}"
    return text + "Z"
