"""Keep pyarrow from importing pandas in a process of ours that never hands it pandas objects.

The first time pyarrow converts a Python value (`pa.array([...])`, a scalar given to a compute
function) it imports pandas, only to ask whether the value is a pandas object. pandas is no
dependency of ours, but an optional extra brings it (chDB), and importing it costs about 0.4 s: more
than a `run` of the bundled example spends on its stages. `without_pandas_probe` lets pyarrow settle
that question as "no pandas" once, which is what it finds in an install without the extras; an
explicit pandas conversion (`to_pandas`) still imports pandas when something asks for one.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib.machinery import ModuleSpec
from types import ModuleType

PANDAS = "pandas"


class _RefusePandas:
    """A meta path finder that makes `import pandas` fail, as in an environment without it."""

    def find_spec(
        self, name: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if name == PANDAS:
            raise ModuleNotFoundError(f"No module named {PANDAS!r}", name=PANDAS)
        return None


@contextmanager
def without_pandas_probe() -> Iterator[None]:
    """Run the block with pandas out of pyarrow's reach, then settle pyarrow's probe if it was loaded.

    Nothing happens when pandas is already imported: there is no import left to save.
    """
    if PANDAS in sys.modules:
        yield
        return
    refuse = _RefusePandas()
    sys.meta_path.insert(0, refuse)
    try:
        yield
        if "pyarrow" in sys.modules:
            import pyarrow as pa

            pa.array([])  # the probe runs once per process: here, while pandas cannot be found
    finally:
        sys.meta_path.remove(refuse)
