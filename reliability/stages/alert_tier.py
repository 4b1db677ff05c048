"""Which alert an action raises or resolves: page, ticket or no_data, whatever the user calls them.

The tier is the stable word Alertmanager inhibit rules match on; the `severity` label is the
user's name for page or ticket (settings.severity_names), no_data counting as a ticket.
"""

from __future__ import annotations

from reliability.config.model import SeverityNames, Trigger
from reliability.conventions import TIER_NO_DATA


def alert_tier(trigger: Trigger, previous_state: str | None = None) -> str:
    """A recovery's tier is the state it left; everything but a page or no data is a ticket."""
    if trigger is Trigger.RECOVERY:
        assert previous_state is not None, "a recovery follows page or ticket"
        trigger = Trigger(previous_state)
    if trigger is Trigger.NO_DATA:
        return TIER_NO_DATA
    return "page" if trigger is Trigger.PAGE else "ticket"


def severity_name(names: SeverityNames, tier: str) -> str:
    """The `severity` label of an alert of `tier`."""
    return names.of(tier)
