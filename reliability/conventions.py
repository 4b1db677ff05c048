"""Names that appear in more than one place: windows, stages, artifact files."""

from __future__ import annotations

from enum import StrEnum

# The recent windows every SLI is measured over: the Workbook's alert windows.
RECENT_WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")
HISTORY_WINDOW = "history"
# The burn rate that counts as "current" for projections: long enough not to flap,
# short enough to react within the hour.
CURRENT_BURN_WINDOW = "1h"
# A rolling window's budget is forecast this far ahead; the "carry" window is the part of
# today's window that will still count then.
FORECAST_HORIZON_SECONDS = 7 * 86400
FORECAST_CARRY_WINDOW = "forecast-carry"


class Stage(StrEnum):
    SLI = "sli"
    TARGETS = "targets"
    BUDGETS = "budgets"
    SLA = "sla"
    HOOKS = "hooks"


ARTIFACT_FILES = {
    Stage.SLI: "sli-metrics.json",
    Stage.TARGETS: "slo-targets.json",
    Stage.BUDGETS: "error-budgets.json",
    Stage.SLA: "sla-compliance.json",
}
SCHEMA_VERSION = 1
