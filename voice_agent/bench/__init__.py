"""`voice-agent bench`: voice-to-voice latency and correctness of any Realtime server."""
