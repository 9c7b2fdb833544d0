"""The direct model card's training section: every run behind the shipped weights."""

from voice_agent.direct.card import training_runs


def test_the_card_lists_each_run_earliest_hearing_first() -> None:
    results = {
        "command": "voice-agent train-direct --stages hear (latest)",
        "hear": {"steps": 5000, "seconds": 2100, "command": "train --hear-init b.pt"},
        "hear_10": {"steps": 20, "seconds": 60, "command": "train --hear-init c.pt"},
        "hear_2": {"steps": 1000, "seconds": 2700, "command": "train --hear-init a.pt"},
        "hear_1": {"steps": 3500, "seconds": 4680, "command": "train --hear-steps 3500"},
        "speak": {"steps": 1500, "seconds": 1057.6},
    }
    assert training_runs(results).splitlines() == [
        "- hearing, run 1: 3500 steps in 78 min, `train --hear-steps 3500`",
        "- hearing, run 2: 1000 steps in 45 min, `train --hear-init a.pt`",
        "- hearing, run 10: 20 steps in 1 min, `train --hear-init c.pt`",  # in order, not as text
        "- hearing: 5000 steps in 35 min, `train --hear-init b.pt`",
        # Not the run's latest command: that one trained another stage.
        "- speaking: 1500 steps in 18 min, command not recorded",
    ]
