"""The values every layer speaks in, each parsed or spelled in one place: windows, objectives, ids."""

from __future__ import annotations

from reliability.vocabulary.ids import item_id, item_name
from reliability.vocabulary.objectives import Objective, budget_fraction, ratio_of_percent
from reliability.vocabulary.windows import Window

__all__ = ["Objective", "Window", "budget_fraction", "item_id", "item_name", "ratio_of_percent"]
