"""SmolLM2's chat template as token ids, for prompts that mix text with speech frames."""

from __future__ import annotations

import atexit
from pathlib import Path

from voice_agent.engines.base import Message

END_OF_TURN = "<|im_end|>"
HEAR_INSTRUCTIONS = "Repeat exactly what the user said."


class ChatTokens:
    """Token ids of chat pieces, by the GGUF's own tokenizer (llama.cpp, vocabulary only)."""

    def __init__(self, gguf: Path | None = None) -> None:
        from llama_cpp import Llama

        from voice_agent.direct.smollm import default_gguf

        self._llama = Llama(str(gguf or default_gguf()), vocab_only=True, verbose=False)
        # Freed before interpreter shutdown: llama_cpp's own finaliser then fails noisily.
        atexit.register(self._llama.close)
        self.end = self.ids(END_OF_TURN)[0]

    def ids(self, text: str) -> list[int]:
        return list(self._llama.tokenize(text.encode(), add_bos=False, special=True))

    def text(self, ids: list[int]) -> str:
        return self._llama.detokenize(ids).decode("utf-8", errors="replace")

    def piece(self, token: int) -> bytes:
        return bytes(self._llama.detokenize([token]))

    def system(self, instructions: str) -> list[int]:
        """The system prompt: the same ids in training (cached hidden states) and serving."""
        return self.ids(f"<|im_start|>system\n{instructions}{END_OF_TURN}\n")

    def conversation(self, messages: list[Message]) -> list[int]:
        """The template of whole messages, then the start of the assistant's turn."""
        text = "".join(f"<|im_start|>{m.role}\n{m.text}{END_OF_TURN}\n" for m in messages)
        return self.ids(text + "<|im_start|>assistant\n")

    def before_speech(self) -> list[int]:
        """The hearing prompt up to the user's speech."""
        return self.ids(f"<|im_start|>system\n{HEAR_INSTRUCTIONS}{END_OF_TURN}\n<|im_start|>user\n")

    def after_speech(self) -> list[int]:
        return self.ids(f"{END_OF_TURN}\n<|im_start|>assistant\n")
