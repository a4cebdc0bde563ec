"""Where benchmark results go: benchmarks/results/NAME.{json,md}, stamped with date and machine."""

import json
import os
import platform
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results"


def stamp(quick: bool) -> dict:
    return {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "quick": quick,
    }


def write(name: str, payload: dict, markdown_lines, directory=None) -> Path:
    """Write ``payload`` (with its stamp) as JSON and the table as markdown; return the .md path."""
    directory = Path(directory or RESULTS)
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{name}_quick" if payload.get("quick") else name
    (directory / f"{name}.json").write_text(json.dumps(payload, indent=2) + "\n")
    path = directory / f"{name}.md"
    path.write_text("\n".join(markdown_lines) + "\n")
    return path
