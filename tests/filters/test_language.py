"""The numpy paths of language detection give langdetect's own answer, to the last bit.

`filters.langdetect_loop.detect` runs langdetect's sampling loop on numpy arrays, and
`filters.langdetect_batch.detect_many` runs the loops of many messages in lock-step (it is the slowest
filter); the filter's decisions must not move.
Compared here, exact float equality, with langdetect's own `Detector._detect_block` on every commit
message of the sample repositories and on a few hundred generated texts in several languages and
scripts, short and long, clear and mixed (mixed texts run to langdetect's iteration limit, the other
way out of its loop). tests/filters/test_language_batch.py checks the batch path's parts one by one.
"""
from __future__ import annotations

import random
import subprocess
from pathlib import Path

import pygit2
import pytest

from filters.langdetect_batch import detect_many
from filters.langdetect_loop import Detection, detect, detect_reference
from filters.language import text_for_detection
from tests.paths import ROOT

SAMPLES = ROOT / "samples" / "git"
WORDS = ("fix the reader for empty files update handle missing values when parsing add tests refactor "
         "corrige le lecteur pour les fichiers vides ajoute des tests "
         "behebe den Fehler beim Einlesen der Datei füge Tests hinzu "
         "corrige el error al leer el archivo de configuración añade pruebas "
         "correggi errore nella lettura del file aggiungi test "
         "исправить ошибку чтения файла добавить тесты 修复 读取 文件 错误 添加 测试 "
         "ファイル 読み込み 修正 테스트 추가").split()


def _sample_messages(tmp_path: Path) -> list[str]:
    messages: list[str] = []
    for bundle in sorted(SAMPLES.glob("*/*.bundle")):
        target = tmp_path / bundle.parent.name / bundle.stem
        subprocess.run(["git", "clone", "--quiet", "--bare", str(bundle), str(target)], check=True)
        repo = pygit2.Repository(str(target))
        seen: set[str] = set()
        for ref in repo.references:
            if not ref.startswith("refs/heads/"):
                continue
            for commit in repo.walk(repo.references[ref].target):
                if str(commit.id) not in seen:
                    seen.add(str(commit.id))
                    messages.append(commit.message)
    return messages


def _generated(count: int = 300) -> list[str]:
    rng = random.Random(7)
    return [" ".join(rng.choices(WORDS, k=rng.randint(1, 14))) for _ in range(count)]


@pytest.fixture(scope="module")
def texts(tmp_path_factory) -> list[str]:
    texts = [text_for_detection(m, 1_000) for m in _sample_messages(tmp_path_factory.mktemp("git"))]
    texts += _generated()
    texts = [t for t in dict.fromkeys(texts) if t]
    assert len(texts) > 300 + 20
    return texts


def test_numpy_detection_equals_langdetect(texts):
    for text in texts:
        assert detect.__wrapped__(text) == detect_reference(text), text


def test_batch_detection_equals_langdetect(texts):
    detect.cache_clear()
    assert detect_many(texts) == [detect_reference(text) for text in texts]


@pytest.mark.parametrize("text", ["", "   ", "12345", "!!!"])
def test_texts_without_features_are_errors_on_both_paths(text):
    assert detect.__wrapped__(text) == detect_reference(text) == Detection("und", (), error=True)
    detect.cache_clear()
    assert detect_many([text]) == [Detection("und", (), error=True)]
