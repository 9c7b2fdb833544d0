"""Distillation data: the cascade turned into (speech1, text1, text2, speech2) items."""
