"""Guardrails: every message that crosses between agents passes one guard pipeline.

Structural defenses hold by construction (untrusted text only inside marked data blocks, control decisions only
from the supervisor's own schema-constrained output, privileges, capability tokens, provenance); the detectors in
this package are the second line.
"""
