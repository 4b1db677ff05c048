"""How a component, SLO or SLA is named across the configuration, the artifacts and the outputs."""

from __future__ import annotations


def item_id(service: str, name: str) -> str:
    """`service/name`: a service's names are unique, and neither part may hold a '/'."""
    return f"{service}/{name}"


def item_name(item: str) -> str:
    """The name part of an id: 'checkout/api' -> 'api'."""
    return item.split("/", 1)[1]
