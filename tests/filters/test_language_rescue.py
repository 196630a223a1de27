"""The English rescue of language detection (issue 14): short technical English that langdetect
drops is kept, other languages are not.

ENGLISH_DROPPED are real subjects from the history of public Python libraries (flask, httpx, rich,
marshmallow, more-itertools, arrow, boltons) that langdetect alone drops as Danish, French, Norwegian
or Romanian; NOT_ENGLISH are hand-written commit messages in 16 other languages, many opening with an
English verb as mixed messages do (what reaches the language filter after strict's verb rule).
"""
from __future__ import annotations

import dataclasses
import pickle

import pytest

from config.filters import FilterConfig, filter_config_from_preset
from filters import language as lang
from filters import message as msg
from filters.chain import build_commit_filters, first_reason
from filters.langdetect_loop import log_likelihoods
from tests.filters.helpers import record_maker

STRICT = msg.compile_message_rules(FilterConfig())
RESCUE = lang.compile_language_rules(FilterConfig())
LANGDETECT_ALONE = lang.compile_language_rules(dataclasses.replace(FilterConfig(), language_english_margin=None))

make_record = record_maker(path="pkg/stats.py", commit="3f2a9c1e" * 5, repos=["octo/stats"],
                           author_name="Ada Lovelace")

ENGLISH_DROPPED = [
    "Update URL for PyMySQL documentation",
    "Fix copy-paste error in Delete doc",
    "Add per-message override for log highlighter",
    "Fix failing codespell test",
    "Make methods overridable",
    "Remove duplicate import",
    "Handle empty zstd responses",
    "Use consistent import style",
    "Add comment about lazy import",
    "Fix email validation errors",
    "Rename uniques to counts",
    "Resolve queryparam quoting",
    "Eliminate unnecessary variable",
    "Add support for FORCE_COLOR environment variable",
    "Fix intermittent regression test failure",
    "Document schema-level validation",
    "Add dark mode toggle for documentation",
    "Ensure all WSGITransport environs have a SERVER_PROTOCOL",
]

NOT_ENGLISH = [
    'Corrige el error al leer el archivo de configuración',
    'Update la documentación del módulo de usuarios',
    'Añade pruebas para el analizador de fechas',
    'Arregla el cálculo del promedio cuando la lista está vacía',
    'Elimina código muerto del módulo de exportación',
    'Actualiza las dependencias y corrige los avisos de flake8',
    'Fix error en la validación de correos electrónicos',
    'Mejora el rendimiento de la consulta principal',
    'Ajoute la gestion des erreurs réseau dans le client',
    'Corrige le lecteur pour les fichiers vides',
    'Supprime les imports inutilisés du module principal',
    "Met à jour la documentation de l'API publique",
    "Ajout d'un test pour la conversion des dates",
    'Fix plantage quand le fichier de configuration est absent',
    "Corrige une faute de frappe dans le message d'erreur",
    'Améliore la lisibilité du code de la fonction de tri',
    'Behebe Fehler beim Laden der Datei aus dem Cache',
    'Füge Tests für den Parser hinzu',
    'Entferne überflüssige Importe aus dem Hauptmodul',
    'Aktualisiere die Dokumentation der Konfigurationsdatei',
    'Korrigiere die Berechnung des Durchschnitts bei leerer Liste',
    'Fix Absturz wenn die Konfigurationsdatei fehlt',
    'Verbessere die Fehlermeldung bei ungültiger Eingabe',
    'Benenne die Hilfsfunktion für das Datumsformat um',
    'Correggi errore nella lettura del file di configurazione',
    'Aggiungi test per il parser delle date',
    'Rimuovi import inutilizzati dal modulo principale',
    'Aggiorna la documentazione delle API pubbliche',
    'Fix calcolo della media quando la lista è vuota',
    'Corrige erro ao ler o arquivo de configuração',
    'Adiciona testes para o analisador de datas',
    'Remove importações não utilizadas do módulo principal',
    'Atualiza a documentação da API pública',
    'Fix cálculo da média quando a lista está vazia',
    'Voeg tests toe voor de datumparser',
    'Herstel fout bij het lezen van het configuratiebestand',
    'Verwijder ongebruikte imports uit de hoofdmodule',
    'Werk de documentatie van de publieke API bij',
    'Popraw błąd przy wczytywaniu pliku konfiguracyjnego',
    'Dodaj testy dla parsera dat',
    'Oprav chybu při načítání konfiguračního souboru',
    'Yapılandırma dosyası okunurken oluşan hatayı düzelt',
    'Lägg till tester för datumtolken',
    'Perbaiki kesalahan saat membaca berkas konfigurasi',
    'Исправить ошибку чтения файла конфигурации',
    'Добавить тесты для парсера дат',
    'Виправити помилку читання файлу',
    '修复登录页面在移动端的显示错误',
    '添加日期解析器的测试',
    '設定ファイルの読み込みエラーを修正',
    '날짜 파서 테스트 추가',
    'Fix typo en el README y en la guía de instalación',
    'Add soporte para archivos comprimidos en el lector',
    'Update traducciones al español del panel de administración',
    'Refactor del módulo de autenticación para usar tokens',
    'Remove código duplicado en las vistas de usuario',
    'Fix bug beim Speichern der Einstellungen im Profil',
    'Add Unterstützung für komprimierte Dateien im Leser',
    'Update der Übersetzungen für das Admin-Panel',
    "Fix erreur lors de l'enregistrement des paramètres du profil",
    'Add support des fichiers compressés dans le lecteur',
    "Update des traductions françaises du panneau d'administration",
    'Fix errore durante il salvataggio delle impostazioni del profilo',
    'Add supporto per i file compressi nel lettore',
    'Fix erro ao salvar as configurações do perfil do usuário',
    'Add suporte a arquivos compactados no leitor',
    'Fix fout bij het opslaan van de profielinstellingen',
    'Fix błąd przy zapisywaniu ustawień profilu',
    'Fix ошибку при сохранении настроек профиля',
    'Add поддержку сжатых файлов',
    'Fix 修复保存个人资料设置时的错误',
    'Update 更新管理面板的中文翻译',
    'Remove la dependencia de six y actualiza los tests',
    'Use el nuevo cliente HTTP en las pruebas de integración',
    'Add test pour vérifier la lecture des fichiers vides',
    'Update test für die Verarbeitung leerer Dateien',
]


def verdict(text: str, rules: lang.LanguageRules = RESCUE) -> lang.Verdict:
    return lang.message_language(make_record(subject=text.split("\n", 1)[0], message=text + "\n"), STRICT, rules)


@pytest.mark.parametrize("subject", ENGLISH_DROPPED)
def test_short_technical_english_is_kept(subject: str) -> None:
    assert verdict(subject, LANGDETECT_ALONE).reason == "language_not_allowed"
    assert verdict(subject) == lang.Verdict("en", None)


@pytest.mark.parametrize("text", NOT_ENGLISH)
def test_other_languages_are_still_dropped(text: str) -> None:
    assert verdict(text).reason == "language_not_allowed"


def test_the_named_subjects_through_the_strict_chain() -> None:
    chain = build_commit_filters(FilterConfig())
    old = "def mean(xs):\n    return sum(xs) / len(xs)\n\n\ndef main():\n    print(mean([1, 2, 3]))\n" * 3
    new = old.replace("    return sum(xs) / len(xs)\n", "    if not xs:\n        return 0.0\n    return sum(xs) / len(xs)\n", 1)
    for subject in ("Update URL for PyMySQL documentation", "Fix copy-paste error in Delete doc"):
        assert first_reason(chain, make_record(subject=subject, old_contents=old, new_contents=new)) is None
    french = "Corrige une faute de frappe dans le message d'erreur"
    german = "Behebe Fehler beim Laden der Datei aus dem Cache"
    for subject in (french, german):
        record = make_record(subject=subject, old_contents=old, new_contents=new)
        assert lang.check_language(record, (STRICT, RESCUE)) == "language_not_allowed"


def test_the_rescue_needs_english_allowed_ascii_letters_and_its_margin() -> None:
    subject = "Update URL for PyMySQL documentation"
    spanish_only = lang.compile_language_rules(dataclasses.replace(FilterConfig(), allowed_languages=["es"]))
    assert verdict(subject, spanish_only).reason == "language_not_allowed"
    no_margin = lang.compile_language_rules(dataclasses.replace(
        FilterConfig(), language_english_margin=0.0, language_english_word_margin=0.0))
    assert verdict(subject, no_margin).reason == "language_not_allowed"
    # The same words with one accented letter are not rescued: another script or alphabet is left to
    # langdetect alone.
    assert verdict("Update URL for PyMySQL documentatión", RESCUE).reason == "language_not_allowed"


def test_margin_counts_common_english_words() -> None:
    text = lang.text_for_detection("Move the spinner docstring into the class", 1_000)
    # move, the, the, into: function words and a listed verb; spinner, docstring, class are not counted.
    assert lang.english_margin(text, RESCUE) == 5.0 + 10.0 * 4
    assert {"the", "with", "instead", "fixes", "fixed", "fixing", "added", "removing", "performs"} <= RESCUE.english_words
    assert not {"a", "in", "of", "for", "die", "per", "also", "la", "de", "le", "und"} & RESCUE.english_words


def test_log_likelihoods_are_deterministic_and_english_leads_on_english() -> None:
    text = "Handle empty input in the mean helper"
    first = log_likelihoods(text)
    assert first is not None and len(first) == 55 and first == log_likelihoods(text)
    assert lang.english_gap(text) == 0.0
    assert log_likelihoods("12345") is None


def test_commitpackft_does_not_detect_language() -> None:
    assert not filter_config_from_preset("commitpackft").detect_language


def test_equal_copies_of_the_rules_share_one_memo_entry() -> None:
    """Each DoFn unpickles its own copy of the rules: the memo is keyed by the fields it reads, so a
    copy finds the answer another copy left, and rules that judge differently get their own."""
    lang._judged_text.cache_clear()
    copy = pickle.loads(pickle.dumps(RESCUE))
    assert copy == RESCUE and copy.english_words is not RESCUE.english_words
    text = "Update URL for PyMySQL documentation"
    assert lang.judged_text(text, RESCUE) == "Update URL for documentation"
    assert lang.judged_text(text, copy) == "Update URL for documentation"
    assert lang._judged_text.cache_info().hits == 1
    assert lang._judged_text.cache_info().currsize == 1
    longer = lang.compile_language_rules(dataclasses.replace(FilterConfig(), language_min_chars=30))
    assert lang.judged_text(text, longer) is None
    assert lang._judged_text.cache_info().currsize == 2
