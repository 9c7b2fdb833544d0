"""Check the locked dependencies against known advisories, offline.

    python scripts/audit.py                   # the lock against security/advisories.json
    python scripts/audit.py --refresh DB      # rebuild that snapshot from a checkout of
                                              # github.com/pypa/advisory-database
    python scripts/audit.py --pip-audit       # where PyPI's JSON API and OSV are reachable:
                                              # run pip-audit itself, same acceptances

The machines this project is built and tested on reach the package registries but no
advisory service, so `pip-audit` cannot run there. This is its equivalent for them: the
pinned versions of `requirements.lock` and `requirements-nodeps.txt` are matched (OSV ranges:
introduced / fixed / last_affected, and listed versions) against a committed snapshot of the
PyPA advisory database (the source of pip-audit's PYSEC findings). The snapshot is only as new
as its date (printed with every run): refresh it, or run --pip-audit, where you can.

To accept an advisory (not exploitable here, no fix yet), add a line to
security/accepted.txt: its id, then why. pip-audit gets the same ids as --ignore-vuln.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parent.parent
LOCKS = [ROOT / "requirements.lock", ROOT / "requirements-nodeps.txt"]
SNAPSHOT = ROOT / "security" / "advisories.json"
ACCEPTED = ROOT / "security" / "accepted.txt"


def normalize(name: str) -> str:
    """PEP 503: names that differ only in case and `-_.` are one package."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(paths: list[Path] = LOCKS) -> dict[str, str]:
    """package -> pinned version, from `name==version` lines."""
    pinned: dict[str, str] = {}
    for path in paths:
        for line in path.read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if "==" in line:
                name, version = line.split("==", 1)
                pinned[normalize(name.split("[", 1)[0])] = version.split(";", 1)[0].strip()
    return pinned


def affects(advisory: dict[str, Any], version: str) -> bool:
    """Whether `version` lies in one of the advisory's ranges or its list of versions."""
    if version in advisory.get("versions", []):
        return True
    try:
        have = Version(version)
    except InvalidVersion:
        return False
    for events in advisory.get("ranges", []):
        introduced: Version | None = None
        for event in events:
            kind, at = next(iter(event.items()))
            bound = Version("0") if at == "0" else Version(at)
            if kind == "introduced":
                introduced = bound
            elif introduced is not None and have >= introduced:
                if (kind == "fixed" and have < bound) or (
                    kind == "last_affected" and have <= bound
                ):
                    return True
                introduced = None
        if introduced is not None and have >= introduced:  # no fix yet
            return True
    return False


def accepted() -> dict[str, str]:
    """Accepted advisory ids, each with why."""
    if not ACCEPTED.exists():
        return {}
    entries = {}
    for line in ACCEPTED.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            advisory_id, _, why = line.strip().partition(" ")
            entries[advisory_id] = why.strip()
    return entries


def findings(snapshot: dict[str, Any], pinned: dict[str, str]) -> list[dict[str, str]]:
    """Every advisory that affects a pinned version."""
    found = []
    for advisory in snapshot["advisories"]:
        version = pinned.get(advisory["package"])
        if version is not None and affects(advisory, version):
            ids = [advisory["id"], *advisory.get("aliases", [])]
            found.append(
                {
                    "package": advisory["package"],
                    "version": version,
                    "id": advisory["id"],
                    "ids": ", ".join(ids),
                    "summary": advisory["summary"],
                }
            )
    return found


def check() -> int:
    snapshot = json.loads(SNAPSHOT.read_text())
    pinned = pins()
    ok = accepted()
    found = findings(snapshot, pinned)
    print(
        f"{len(pinned)} pinned packages against {len(snapshot['advisories'])} advisories of "
        f"{snapshot['source']} as of {snapshot['date']} ({snapshot['commit'][:12]})"
    )
    open_ones = [f for f in found if not set(f["ids"].split(", ")) & ok.keys()]
    for f in found:
        status = "open" if f in open_ones else "accepted"
        print(f"  {status}: {f['package']} {f['version']}: {f['ids']}: {f['summary']}")
    if open_ones:
        print(f"{len(open_ones)} open advisories: upgrade, or accept in {ACCEPTED.name}")
        return 1
    print("no open advisories")
    return 0


def refresh(database: Path) -> None:
    """Rebuild the snapshot from a checkout of pypa/advisory-database: only the packages the
    locks pin, so the file stays small."""
    import yaml

    pinned = pins()
    advisories = []
    for path in sorted((database / "vulns").glob("*/*.yaml")):
        entry = yaml.safe_load(path.read_text())
        if entry.get("withdrawn"):
            continue
        for affected in entry.get("affected", []):
            package = normalize(affected["package"]["name"])
            if package not in pinned:
                continue
            ranges = [r["events"] for r in affected.get("ranges", []) if r["type"] == "ECOSYSTEM"]
            summary = (entry.get("summary") or entry.get("details") or "").strip()
            advisories.append(
                {
                    "id": entry["id"],
                    "aliases": entry.get("aliases", []),
                    "package": package,
                    "summary": summary.split("\n")[0][:160],
                    "ranges": [[{k: str(v)} for e in r for k, v in e.items()] for r in ranges],
                    "versions": [str(v) for v in affected.get("versions", [])],
                }
            )
    git = ["git", "-C", str(database), "log", "-1", "--format=%H %cs"]
    commit, date = subprocess.run(git, capture_output=True, text=True, check=True).stdout.split()
    snapshot = {
        "source": "github.com/pypa/advisory-database",
        "commit": commit,
        "date": date,
        "advisories": advisories,
    }
    SNAPSHOT.parent.mkdir(exist_ok=True)
    SNAPSHOT.write_text(json.dumps(snapshot, indent=1) + "\n")
    print(f"{SNAPSHOT}: {len(advisories)} advisories for the pinned packages, as of {date}")


def pip_audit() -> int:
    ignores = [arg for advisory_id in accepted() for arg in ("--ignore-vuln", advisory_id)]
    command = [sys.executable, "-m", "pip_audit", "--no-deps", "--disable-pip"]
    command += [arg for lock in LOCKS for arg in ("-r", str(lock))]
    return subprocess.run([*command, *ignores]).returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--refresh", type=Path, metavar="DB", help="pypa/advisory-database")
    parser.add_argument("--pip-audit", action="store_true", help="run pip-audit (online)")
    args = parser.parse_args()
    if args.refresh:
        refresh(args.refresh)
        return 0
    return pip_audit() if args.pip_audit else check()


if __name__ == "__main__":
    sys.exit(main())
