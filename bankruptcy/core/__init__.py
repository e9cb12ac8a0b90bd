"""Building blocks every stage shares: user errors, strict JSON, analysis results, figures,
and how a process sizes its native threads. Nothing here imports another part of the package.
"""
