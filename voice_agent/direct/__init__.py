"""The direct engine's model: Whisper's encoder hears, SmolLM2 thinks, Piper's decoder speaks.

Only the small parts between them are trained: `adapter` (speech frames into the LLM) and
`speech_head` (LLM hidden states into voice tokens). See `models/direct/README.md`.
"""
