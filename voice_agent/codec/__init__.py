"""Our streaming neural audio codec: the direct speech model's discrete audio tokens.

model.py (the network, its presets and checkpoints; start there), quantizer.py, losses.py,
data.py, train.py, evaluate.py, cli.py (the `train-codec` / `eval-codec` subcommands).
"""
