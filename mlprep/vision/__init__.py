"""Vision models, metrics and experiment helpers for the image notebooks.

Import what you need from the submodules, e.g. ``from mlprep.vision.models import ResNetMini``.
"""
