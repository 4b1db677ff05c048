"""Second modes of commands, each behind its own options: `gate --baseline`, `report --period`."""
