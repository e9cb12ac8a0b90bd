"""Recourse: what would have to change, and by how much, for a flagged firm to leave the risk zone.

For every firm a model package flags, up to K **plans**: small sets of feature changes that
bring the package's PD below a target, each re-scored through the whole package (preprocessing,
model, calibration map) before it is returned. A plan is a statement about the model ("with
these values the package scores the firm below the target"), never a causal claim.

- `constraints`: what may change (immutable and one-way features, stored in the package at
  build time; the range and the unit of cost, from the package's contract);
- `search`: candidate changes scored in batches through the package (`GridSearch`, any model)
  and `scorecard`: the scorecard's exact search over its points table;
- `plausibility`: how much a changed firm looks like real healthy firms;
- `gaps`: missing values that raise the PD, reported apart (a plan never fills them);
- `engine`: `Recourser` chooses diverse, valid, plausible plans, cheapest first;
- `output`: plans as a table and in words.

The command is ``python -m bankruptcy.recourse`` (`bankruptcy.cli.recourse`); docs/recourse.md.
"""
