"""Benchmarks for repairpack; run them as scripts (`python bench/git_mining.py --help`)."""
