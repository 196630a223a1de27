"""Beam transforms and pipelines. Pure logic lives in filters/, licenses/ and the *_history modules."""
