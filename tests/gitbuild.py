"""Build real git repositories with pygit2 for tests: commits from plain dicts of path -> contents."""
from __future__ import annotations

from pathlib import Path
from typing import Mapping, Union

import pygit2

Content = Union[str, bytes, tuple[int, Union[str, bytes]]]  # contents, or (filemode, contents)
EPOCH = 1_600_000_000


class RepoBuilder:
    """Each commit states the whole tree; nested paths ("pkg/a.py") make subtrees."""

    def __init__(self, path: Path | str, bare: bool = False) -> None:
        self.repo = pygit2.init_repository(str(path), bare=bare, initial_head="main")
        self.path = Path(path)
        self._clock = EPOCH

    def _blob(self, content: Content) -> tuple[pygit2.Oid, int]:
        mode = pygit2.enums.FileMode.BLOB
        if isinstance(content, tuple):
            mode, content = content
        data = content.encode("utf-8") if isinstance(content, str) else content
        return self.repo.create_blob(data), mode

    def _tree(self, files: Mapping[str, Content]) -> pygit2.Oid:
        nested: dict[str, dict] = {}
        leaves: dict[str, Content] = {}
        for path, content in files.items():
            head, _, rest = path.partition("/")
            if rest:
                nested.setdefault(head, {})[rest] = content
            else:
                leaves[path] = content
        builder = self.repo.TreeBuilder()
        for name, content in leaves.items():
            oid, mode = self._blob(content)
            builder.insert(name, oid, mode)
        for name, sub in nested.items():
            builder.insert(name, self._tree(sub), pygit2.enums.FileMode.TREE)
        return builder.write()

    def commit(self, files: Mapping[str, Content], message: str, parents: list[str] | None = None,
               ref: str | None = "refs/heads/main", author: str = "Ada Lovelace",
               email: str = "ada@example.com") -> str:
        if parents is None:
            parents = [] if self.repo.head_is_unborn or ref is None or ref not in self.repo.references \
                else [str(self.repo.references[ref].target)]
        self._clock += 60
        sig = pygit2.Signature(author, email, self._clock, 0)
        oid = self.repo.create_commit(None, sig, sig, message, self._tree(files),
                                      [pygit2.Oid(hex=p) for p in parents])
        if ref is not None:
            if ref in self.repo.references:
                self.repo.references[ref].set_target(oid)
            else:
                self.repo.references.create(ref, oid)
        return str(oid)

    def submodule_entry(self) -> tuple[int, bytes]:
        raise NotImplementedError
