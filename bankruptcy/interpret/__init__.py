"""Interpretation of a fitted job: importances, SHAP values, partial dependence."""
