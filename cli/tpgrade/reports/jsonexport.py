"""Results as JSON for scripts: ``{"submissions": [...]}``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tpgrade.models import SubmissionResult
from tpgrade.reports.atomic import write_text


def as_json(results: list[SubmissionResult]) -> dict[str, Any]:
    return {"submissions": [result.model_dump(mode="json") for result in results]}


def write_json(results: list[SubmissionResult], path: Path) -> Path:
    return write_text(path, json.dumps(as_json(results), indent=2, ensure_ascii=False) + "\n")
