"""How often the server chooses right under `tool_choice: "auto"`: two suites of requests,
half of each needing one of its three functions, each asked as the server asks it.

    python scripts/tool_choice.py [--llm-url URL --llm-name NAME]

The first suite set the embedded LLM's router threshold (`ToolRouter.THRESHOLD`); the second,
other tools and requests, was written after it and checks it. Prints each wrong choice and
the share right, for requests that need a tool and for those that do not (README, "Function
calling").
"""

from __future__ import annotations

import argparse
import asyncio

from voice_agent.config import ServerConfig
from voice_agent.engines.base import FunctionCall, FunctionTool, Message
from voice_agent.engines.cascade import build_llm
from voice_agent.engines.prompting import reply
from voice_agent.models.llm import ChatLLM
from voice_agent.realtime.protocol import SessionConfig

TOOLS = (
    FunctionTool(
        "get_weather",
        "Get the current weather for a city.",
        {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    ),
    FunctionTool("get_time", "Get the current local time.", {"type": "object", "properties": {}}),
    FunctionTool(
        "set_timer",
        "Start a timer that rings after some minutes.",
        {
            "type": "object",
            "properties": {"minutes": {"type": "integer"}},
            "required": ["minutes"],
        },
    ),
)

NEEDS = {
    "get_weather": [
        "What's the weather like in Paris?",
        "Is it going to rain in Tokyo?",
        "How hot is it in Cairo today?",
        "Do I need an umbrella in London?",
        "What's the temperature in Berlin right now?",
        "Is it snowing in Oslo?",
    ],
    "get_time": [
        "What time is it?",
        "Can you tell me the time?",
        "What's the time right now?",
        "Is it past noon yet?",
        "How late is it?",
        "What time do you have?",
    ],
    "set_timer": [
        "Set a timer for ten minutes.",
        "Start a five minute timer.",
        "Remind me in twenty minutes.",
        "Can you time three minutes for my eggs?",
        "Set an alarm to ring in fifteen minutes.",
        "Timer for one minute, please.",
    ],
}
NO_TOOL = [
    "What is the capital of France?",
    "Tell me a joke.",
    "How many legs does a spider have?",
    "Who wrote Romeo and Juliet?",
    "What is a baby cat called?",
    "Why is the sky blue?",
    "Say hello to my friend Anna.",
    "What's your name?",
    "How do I boil an egg?",
    "What is the biggest ocean?",
    "Thanks, that's all.",
    "Can you spell cat?",
    "What does a thermometer measure?",
    "What is the weather like on Mars usually?",
    "What did people use before clocks?",
    "How long is a marathon?",
    "Give me a word that rhymes with time.",
    "Is a tomato a fruit?",
]


HELD_OUT_TOOLS = (
    FunctionTool(
        "play_music",
        "Play a song, an album or an artist.",
        {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]},
    ),
    FunctionTool(
        "call_contact",
        "Phone someone from the address book.",
        {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]},
    ),
    FunctionTool(
        "turn_on_lights",
        "Switch on the lights in a room.",
        {"type": "object", "properties": {"room": {"type": "string"}}, "required": ["room"]},
    ),
)
HELD_OUT_NEEDS = {
    "play_music": [
        "Play some jazz.",
        "Put on the Beatles.",
        "I want to hear Bohemian Rhapsody.",
        "Can you play my workout playlist?",
    ],
    "call_contact": [
        "Call my mom.",
        "Phone David, please.",
        "Ring the office.",
        "Get Sarah on the phone.",
    ],
    "turn_on_lights": [
        "Turn on the kitchen lights.",
        "It's dark in the bedroom.",
        "Lights on in the living room, please.",
        "Can you light up the hallway?",
    ],
}
HELD_OUT_NO_TOOL = [
    "Who painted the Mona Lisa?",
    "How do you make pancakes?",
    "What's the square root of nine?",
    "Tell me about dolphins.",
    "What language do they speak in Brazil?",
    "Good morning!",
    "What is a light year?",
    "Who invented the telephone?",
    "What's a good name for a dog?",
    "How far is the moon?",
    "Do you like music?",
    "What rhymes with call?",
]


async def choice(llm: ChatLLM, request: str, tools: tuple[FunctionTool, ...]) -> str:
    out = [
        delta
        async for delta in reply(
            llm,
            SessionConfig().instructions,
            [Message("user", request)],
            0.0,
            8,
            False,
            tools,
        )
    ]
    return out[0].name if out and isinstance(out[0], FunctionCall) else "none"


async def suite(
    llm: ChatLLM,
    name: str,
    tools: tuple[FunctionTool, ...],
    needs: dict[str, list[str]],
    no_tool: list[str],
) -> None:
    right = {"tool": 0, "none": 0}
    asked = [(tool, request) for tool, requests in needs.items() for request in requests]
    for expected, request in asked + [("none", request) for request in no_tool]:
        chosen = await choice(llm, request, tools)
        right["none" if expected == "none" else "tool"] += chosen == expected
        if chosen != expected:
            print(f"  {request!r}: chose {chosen}, wanted {expected}")
    print(f"{name}: needs a tool {right['tool']}/{len(asked)} right; ", end="")
    print(f"needs none {right['none']}/{len(no_tool)} called nothing")


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--llm-url", default="", help="an OpenAI-compatible server instead")
    parser.add_argument("--llm-name", default="", help="its model name")
    args = parser.parse_args()
    llm = build_llm(ServerConfig(llm_url=args.llm_url, llm_name=args.llm_name))
    try:
        await suite(llm, "tuning suite", TOOLS, NEEDS, NO_TOOL)
        await suite(llm, "held-out suite", HELD_OUT_TOOLS, HELD_OUT_NEEDS, HELD_OUT_NO_TOOL)
    finally:
        await llm.close()


if __name__ == "__main__":
    asyncio.run(main())
