"""The direct model card's training section: every run behind the shipped weights."""

from voice_agent.direct.card import training_runs


def test_the_card_lists_each_run_earliest_hearing_first() -> None:
    results = {
        "command": "voice-agent train-direct --stages hear (latest)",
        "hear": {"steps": 5000, "seconds": 2100, "command": "train --hear-init b.pt"},
        "hear_second": {"steps": 1000, "seconds": 2700, "command": "train --hear-init a.pt"},
        "hear_first": {"steps": 3500, "seconds": 4680, "command": "train --hear-steps 3500"},
        "speak": {"steps": 1500, "seconds": 1057.6},
    }
    assert training_runs(results).splitlines() == [
        "- hearing, earlier (first): 3500 steps in 78 min, `train --hear-steps 3500`",
        "- hearing, earlier (second): 1000 steps in 45 min, `train --hear-init a.pt`",
        "- hearing: 5000 steps in 35 min, `train --hear-init b.pt`",
        # Not the run's latest command: that one trained another stage.
        "- speaking: 1500 steps in 18 min, command not recorded",
    ]
