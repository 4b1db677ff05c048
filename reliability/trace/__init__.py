"""Traceability: a reported number back to its configuration lines, input files, stage and formula.

Every figure shown is read from the artifacts. Formulas are filled in with the artifact's own inputs
so a reader can redo the arithmetic; nothing here computes a second answer that could disagree.

run: reading one run's artifacts · slo: an SLO's artifact entries and configuration · sources: its
configuration lines and input files · measurement, budget, alerting, sla: the working of each field ·
explanation: fields and sections as data · pipeline_map: `explain --list` · render: text and markdown.
"""
