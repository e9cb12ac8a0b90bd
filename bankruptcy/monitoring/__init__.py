"""Monitoring a deployed model: drift, data quality, performance before and after labels.

Hydra-free functions on pandas/NumPy inputs; the command-line tools pass the model
package's reference statistics and a window of production rows as plain arguments.

- `monitor` -> the JSON-ready report; `write_html` -> the same as a self-contained page.
- `promotion_gate` -> the champion/challenger decision record.
- The parts, for callers that need one: `feature_drift`, `domain_classifier_drift`,
  `score_drift`, `data_quality`, `estimate_performance`, `realized_performance`.
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
