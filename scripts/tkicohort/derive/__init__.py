"""Derivation of the one-row-per-patient analysis dataset: endpoints, thyroglobulin response, AE and dose flags."""
