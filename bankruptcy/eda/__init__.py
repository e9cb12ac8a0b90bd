"""Exploratory-analysis report: ``python -m bankruptcy.eda dataset=<name>``.

`stats` computes the tables, `plots` draws the figures, `sections` pairs them
with a short reading, `render` writes the self-contained HTML page and `run`
wires them to a tracker; `browser` checks a report in headless Chromium.
"""
