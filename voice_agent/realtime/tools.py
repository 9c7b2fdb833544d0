"""Sans-I/O parsing of the reply settings both `session.update` and `response.create` carry:
`tools`, `tool_choice`, `output_modalities` and `max_output_tokens`."""

from __future__ import annotations

import re
from typing import Any

import jsonschema

from voice_agent.engines.base import FunctionTool, ToolChoice
from voice_agent.realtime.protocol import ProtocolError

TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
MAX_TOOLS = 128
TOOL_CHOICES = ("auto", "none", "required")


def parse_tools(value: Any, param: str) -> tuple[FunctionTool, ...]:
    """Function tools, each with a valid JSON schema for its arguments."""
    if not isinstance(value, list):
        raise ProtocolError("invalid_value", f"'{param}' must be a list", param)
    if len(value) > MAX_TOOLS:
        raise ProtocolError("invalid_value", f"'{param}' holds at most {MAX_TOOLS} tools", param)
    tools = [_parse_tool(spec, f"{param}[{index}]") for index, spec in enumerate(value)]
    names = [tool.name for tool in tools]
    if len(set(names)) < len(names):
        raise ProtocolError("invalid_value", f"'{param}' names a function twice", param)
    return tuple(tools)


def _parse_tool(spec: Any, param: str) -> FunctionTool:
    if not isinstance(spec, dict):
        raise ProtocolError("invalid_value", f"'{param}' must be an object", param)
    if spec.get("type", "function") != "function":
        raise ProtocolError(
            "invalid_value", f"'{param}.type' {spec.get('type')!r}: only 'function' tools", param
        )
    name = spec.get("name")
    if not isinstance(name, str) or not TOOL_NAME.match(name):
        raise ProtocolError(
            "invalid_value",
            f"'{param}.name' must be 1-64 letters, digits, '_' or '-'",
            f"{param}.name",
        )
    description = spec.get("description", "")
    if not isinstance(description, str):
        raise ProtocolError(
            "invalid_value", f"'{param}.description' must be a string", f"{param}.description"
        )
    parameters = spec.get("parameters", {"type": "object", "properties": {}})
    if not isinstance(parameters, dict) or parameters.get("type", "object") != "object":
        raise ProtocolError(
            "invalid_tool_schema",
            f"'{param}.parameters' must be a JSON schema of type 'object'",
            f"{param}.parameters",
        )
    try:
        validator = jsonschema.validators.validator_for(parameters)
        validator.check_schema(parameters)
        _check_refs(parameters, parameters)
    except jsonschema.SchemaError as exc:
        where = "/".join(str(part) for part in exc.path) or "the top"
        problem = f"(at {where}): {exc.message}"
    except Exception as exc:  # a $schema that is not a URI string, a $ref to nowhere...
        problem = f"({type(exc).__name__}: {exc})"
    else:
        return FunctionTool(name, description, parameters)
    raise ProtocolError(
        "invalid_tool_schema",
        f"'{param}.parameters' is not a valid JSON schema {problem}",
        f"{param}.parameters",
    )


def _check_refs(node: Any, root: dict[str, Any]) -> None:
    """Every `$ref` points inside the schema: nothing is fetched, and a call's arguments
    must be checkable against it."""
    if isinstance(node, list):
        for child in node:
            _check_refs(child, root)
    if not isinstance(node, dict):
        return
    ref = node.get("$ref")
    if ref is not None:
        if not isinstance(ref, str) or not ref.startswith("#"):
            raise ValueError(f"$ref {ref!r} is not a reference inside the schema ('#/...')")
        target: Any = root
        for part in filter(None, ref[1:].split("/")):
            key = part.replace("~1", "/").replace("~0", "~")
            if isinstance(target, list) and key.isdigit() and int(key) < len(target):
                target = target[int(key)]
            elif isinstance(target, dict) and key in target:
                target = target[key]
            else:
                raise ValueError(f"$ref {ref!r} points at nothing in the schema")
    for key, child in node.items():
        if key not in ("const", "enum", "default", "examples"):  # values, not schemas
            _check_refs(child, root)


def parse_tool_choice(value: Any, tools: tuple[FunctionTool, ...], param: str) -> ToolChoice:
    """'auto', 'none', 'required', or `{"type": "function", "name": ...}` naming one of
    `tools` (beta: `{"type": "function", "function": {"name": ...}}` too)."""
    if isinstance(value, str):
        if value not in TOOL_CHOICES:
            raise ProtocolError(
                "invalid_value",
                f"'{param}' {value!r} is not one of {', '.join(TOOL_CHOICES)} or a function",
                param,
            )
        return ToolChoice(value)
    if not isinstance(value, dict) or value.get("type") != "function":
        raise ProtocolError(
            "invalid_value",
            f"'{param}' must be 'auto', 'none', 'required' or "
            '{"type": "function", "name": ...}',
            param,
        )
    function = value.get("function")
    name = function.get("name") if isinstance(function, dict) else value.get("name")
    if not any(tool.name == name for tool in tools):
        raise ProtocolError(
            "invalid_value", f"'{param}' names {name!r}, which is not among the tools", param
        )
    return ToolChoice("function", name)


def parse_token_limit(value: Any, param: str) -> int | None:
    """A reply's token limit: 1 to 4096, or 'inf' (None)."""
    if value == "inf":
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 4096:
        raise ProtocolError("invalid_value", f"{param} must be in [1, 4096] or 'inf'", param)
    return value


def parse_modalities(value: Any, param: str) -> tuple[str, ...]:
    """["audio"] (speech, with its transcript) or ["text"]; the beta's ["audio", "text"]
    is audio."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ProtocolError("invalid_value", f"'{param}' must be a list of strings", param)
    kinds = set(value)
    if kinds == {"text"}:
        return ("text",)
    if kinds in ({"audio"}, {"audio", "text"}):
        return ("audio",)
    raise ProtocolError(
        "invalid_value", f'\'{param}\' must be ["audio"] or ["text"], not {value!r}', param
    )
