"""Monitoring a deployed model: drift, data quality, performance before and after labels.

Hydra-free functions on pandas/NumPy inputs. The command-line tools pass the model
package's reference statistics and a window of production rows as plain arguments:

- `monitor` -> the JSON-ready report (`to_json` for strict JSON text);
  `write_html` -> the same report as a self-contained page with figures.
- `promotion_gate` -> the champion/challenger decision record.
- The parts, for callers that need one: `feature_drift`, `domain_classifier_drift`,
  `score_drift`, `data_quality`, `estimate_performance`, `realized_performance`.

What a model package must hold for `monitor` (nothing is re-derived from training data):

- ``reference``: up to 5,000 training rows, the model's raw input columns with their
  training dtypes (NaN and infinities as they came);
- the test rows' scores (``p_bankrupt`` when the model has probabilities, else ``score``)
  and their ``y_true``: ``reference_scores`` and ``reference_labels``;
- the decision ``threshold``, whether the scores are ``calibrated`` probabilities, and
  their kind (``"proba"`` or ``"decision"``).
"""

from bankruptcy.monitoring.drift import feature_drift
from bankruptcy.monitoring.estimate import estimate_performance
from bankruptcy.monitoring.gate import promotion_gate
from bankruptcy.monitoring.html import write_html
from bankruptcy.monitoring.multivariate import domain_classifier_drift
from bankruptcy.monitoring.quality import data_quality
from bankruptcy.monitoring.realized import realized_performance
from bankruptcy.monitoring.report import monitor, to_json
from bankruptcy.monitoring.scores import score_drift

__all__ = [
    "data_quality",
    "domain_classifier_drift",
    "estimate_performance",
    "feature_drift",
    "monitor",
    "promotion_gate",
    "realized_performance",
    "score_drift",
    "to_json",
    "write_html",
]
