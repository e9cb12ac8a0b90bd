"""Config-composed, leak-free experiments for corporate bankruptcy prediction."""

import os

# OpenMP threads that spin while waiting turn any other load on the machine into a
# catastrophe: a HistGradientBoosting fit on Polish year 1 took 117 s instead of 3.1 s with
# OMP_WAIT_POLICY=PASSIVE on a busy 2-core host. libgomp reads the variable once, when
# scikit-learn's compiled code is first loaded, so it is set before anything imports it
# (a user's own setting wins).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from bankruptcy.experiment import resolvers  # noqa: E402  (after the environment it must not precede)

resolvers.register()
