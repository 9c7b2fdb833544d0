"""A second opinion on answers from a judge model behind an OpenAI-compatible chat API.

The accepted-answer rule (`judging.py`) is exact but literal; a judge model also accepts
"Jupiter's the biggest" for a reply that says it differently. Asked only when the user gives
`--judge-url`; its verdicts are reported next to the rule's, never instead of them.
"""

from __future__ import annotations

from collections.abc import Sequence

import aiohttp

PROMPT = (
    "You grade answers of a voice assistant. Question: {question}\n"
    "Accepted answers: {accepted}\n"
    "Assistant's reply: {reply}\n"
    "Does the reply answer the question correctly, in English? Reply with one word: yes or no."
)


class JudgeModel:
    def __init__(self, base_url: str, model: str = "default", api_key: str | None = None) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = aiohttp.ClientSession(headers=headers, timeout=aiohttp.ClientTimeout(total=60))

    async def grade(self, question: str, accepted: Sequence[str], reply: str) -> bool | None:
        """True or False, or None when the judge gave no usable verdict (the report counts
        only verdicts)."""
        body = {
            "model": self.model,
            "temperature": 0,
            "max_tokens": 3,
            "messages": [
                {
                    "role": "user",
                    "content": PROMPT.format(
                        question=question, accepted=" / ".join(accepted), reply=reply
                    ),
                }
            ],
        }
        try:
            async with self._http.post(self.url, json=body) as response:
                if response.status != 200:
                    return None
                data = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError):
            return None
        try:
            text = str(data["choices"][0]["message"]["content"]).strip().lower()
        except (KeyError, IndexError, TypeError):
            return None
        if text.startswith("yes"):
            return True
        if text.startswith("no"):
            return False
        return None

    async def close(self) -> None:
        await self._http.close()
