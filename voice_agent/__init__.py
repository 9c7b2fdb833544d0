"""voice_agent: a real-time speech-to-speech assistant server (OpenAI Realtime protocol)."""

__version__ = "0.1.0"
