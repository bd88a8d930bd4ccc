"""RECIST 1.1: per-visit response, best overall response with confirmation, progression-free survival."""
