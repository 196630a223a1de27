"""Dataflow's `--setup_file ./setup.py` route: Beam builds an sdist of this project from it and every
worker pip-installs that sdist (with the dependencies in pyproject.toml) before running a bundle.
All metadata lives in pyproject.toml; this file only gives Beam's stager the entry point it looks for.
"""
from setuptools import setup

setup()
