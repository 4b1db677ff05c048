"""Built-in defaults a configuration can name or override: alert window sets and the budget policy."""

from __future__ import annotations

from reliability.config.model import AlertWindowPair, PolicyRule, Slo, field_default
from reliability.vocabulary import Window

# SRE Workbook, chapter 5: 2 % of the budget in 1 h, 5 % in 6 h (page); 10 % in 1 d and in 3 d (ticket).
# Windows stay fixed; each pair's factor follows from its share and the SLO window.
WORKBOOK_PAIRS = (
    AlertWindowPair("page", Window.parse("1h"), Window.parse("5m"), 0.02),
    AlertWindowPair("page", Window.parse("6h"), Window.parse("30m"), 0.05),
    AlertWindowPair("ticket", Window.parse("1d"), Window.parse("2h"), 0.10),
    AlertWindowPair("ticket", Window.parse("3d"), Window.parse("6h"), 0.10),
)

# Only the two fast pairs: for SLOs that should page but never open tickets.
WORKBOOK_PAGE_ONLY = WORKBOOK_PAIRS[:2]

BUILTIN_WINDOW_SETS: dict[str, tuple[AlertWindowPair, ...]] = {
    "sre-workbook": WORKBOOK_PAIRS,
    "sre-workbook-page-only": WORKBOOK_PAGE_ONLY,
}
DEFAULT_WINDOW_SET: str = field_default(Slo, "alert_windows")  # one of the sets above, as a test checks

# First matching rule wins. Spent budget or a page freezes releases; low budget or a ticket warns.
DEFAULT_POLICY = (
    PolicyRule("freeze", budget_remaining_below=0.0),
    PolicyRule("freeze", alert_states=("page",)),
    PolicyRule("warn", budget_remaining_below=0.25),
    PolicyRule("warn", alert_states=("ticket",)),
)
