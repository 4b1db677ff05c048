"""Which YAML files hold OpenSLO documents: told from a file's first lines, without the translator.

A config folder of our own format never loads the OpenSLO translation (config.openslo).
"""

from __future__ import annotations

import re
from pathlib import Path

_OPENSLO_FILE = re.compile(r"^apiVersion:\s*[\"']?openslo/", re.MULTILINE)


def is_openslo(path: Path) -> bool:
    """Whether a YAML file holds OpenSLO documents (an `apiVersion: openslo/...` line)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(1 << 16).decode("utf-8", "replace")
    except OSError:
        return False
    return _OPENSLO_FILE.search(head) is not None
