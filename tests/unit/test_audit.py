"""The dependency audit (scripts/audit.py): the locked versions against the committed
advisory snapshot, and the matcher that decides."""

from __future__ import annotations

import json
import sys
from importlib import metadata
from pathlib import Path

from packaging.version import Version

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import audit


def snapshot() -> dict:
    return json.loads(audit.SNAPSHOT.read_text())


def test_the_locked_versions_have_no_open_advisory() -> None:
    assert audit.check() == 0


def test_what_is_installed_is_what_is_locked() -> None:
    """The audit judges the lock; the suite must run on the lock's versions for that to mean
    anything (install.sh installs with -c requirements.lock)."""
    differ = []
    for name, locked in audit.pins().items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue  # pinned for a platform or an extra not installed here
        if Version(installed).public != Version(locked).public:
            differ.append(f"{name}: locked {locked}, installed {installed}")
    assert not differ


def test_a_known_advisory_is_found_and_a_fixed_version_is_not() -> None:
    # PYSEC-2023-120: aiohttp's HTTP parser, fixed in 3.8.5.
    found = audit.findings(snapshot(), {"aiohttp": "3.8.0"})
    assert "PYSEC-2023-120" in {f["id"] for f in found}
    assert "PYSEC-2023-120" not in {
        f["id"] for f in audit.findings(snapshot(), {"aiohttp": "3.8.5"})
    }


def test_ranges_introduced_fixed_and_last_affected() -> None:
    advisory = {
        "ranges": [
            [
                {"introduced": "1.2"},
                {"fixed": "1.4"},
                {"introduced": "2.0"},
                {"last_affected": "2.1"},
            ]
        ],
        "versions": ["0.9"],
    }
    verdicts = {
        v: audit.affects(advisory, v) for v in ("0.9", "1.1", "1.2", "1.3.9", "1.4", "2.1", "2.2")
    }
    assert verdicts == {
        "0.9": True,
        "1.1": False,
        "1.2": True,
        "1.3.9": True,
        "1.4": False,
        "2.1": True,
        "2.2": False,
    }
    assert audit.affects({"ranges": [[{"introduced": "0"}]]}, "99.0")  # no fix yet
