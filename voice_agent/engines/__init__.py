"""Engines turn a conversation into a spoken reply. See `base.Engine`."""
