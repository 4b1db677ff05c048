"""OpenSLO `metadata.labels` as our labels: one value per name, as a Prometheus label holds."""

from __future__ import annotations

from reliability.config.labels import label_problems
from reliability.config.openslo_fields import OpenSloDoc
from reliability.config.yaml_source import KeyPath

LABELLED_KINDS = ("Service", "SLO", "AlertPolicy")  # where our model has labels (a policy: severity)


def labels_of(doc: OpenSloDoc, at: KeyPath = ("metadata",)) -> dict[str, str]:
    """The labels of the metadata at `at`; a value is text or a list of one text."""
    if not doc.has((*at, "labels")):
        return {}
    if doc.kind not in LABELLED_KINDS or at != ("metadata",):
        doc.fail(
            (*at, "labels"),
            "not supported here: labels belong to a Service or an SLO (the SLO's labels apply to its SLI)",
        )
    labels = {}
    for name, value in doc.mapping((*at, "labels")).items():
        values = value if isinstance(value, list) else [value]
        if len(values) != 1 or not isinstance(values[0], str):
            doc.fail(
                (*at, "labels", name),
                f"expected one text value, got {value!r}: a Prometheus label has one value per series",
            )
        labels[str(name)] = values[0]
    for name, wrong in label_problems(labels):  # here, so the problem names the OpenSLO line
        doc.fail((*at, "labels", name), wrong)
    return labels
