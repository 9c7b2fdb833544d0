"""The tests' Realtime client is the package's own: `voice_agent.realtime.client`.

`text_item` stays importable from here for `tests/unit/test_session.py`."""

from voice_agent.realtime.client import text_item

__all__ = ["text_item"]
