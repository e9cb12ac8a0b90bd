"""Deployment: the model package, the registry, batch scoring and the scoring service."""
