"""The sample repositories, one module each: its files as text and its history as a list of commits.
Here: the files both sample projects carry, made from their few differences."""
from __future__ import annotations

GITIGNORE = """__pycache__/
*.py[cod]
*.egg-info/
build/
dist/
.venv/
"""


def pyproject(name: str, version: str, description: str, license: str, python: str) -> str:
    """A setuptools pyproject.toml."""
    return f"""[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "{name}"
version = "{version}"
description = "{description}"
readme = "README.md"
license = {{ text = "{license}" }}
requires-python = "{python}"
"""


def package_init(description: str, version: str) -> str:
    """A package's __init__.py: its docstring and its version."""
    return f'''"""{description}"""

__version__ = "{version}"
'''
