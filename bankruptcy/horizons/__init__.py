"""Horizons: labels by horizon on firm-year panels, censoring, term structures of PDs."""
