"""Message, subject, author, revert and version-bump rules: every keep case and every reason."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timezone
from typing import Any

import pytest

from filters import message as msg
from filters.chain import CompiledRules, build_commit_filters, first_reason
from tests.filters.helpers import record_maker, rules_maker
from config.filters import FilterConfig, filter_config_from_preset

T0 = datetime(2021, 6, 1, tzinfo=timezone.utc)
OLD = "def mean(xs):\n    return sum(xs) / len(xs)\n\n\ndef main():\n    print(mean([1, 2, 3]))\n"
NEW = ("def mean(xs):\n    if not xs:\n        return 0.0\n    return sum(xs) / len(xs)\n\n\n"
       "def main():\n    print(mean([1, 2, 3]))\n")
GOOD_SUBJECT = "Handle empty input in the mean helper"

make_record = record_maker(subject=GOOD_SUBJECT, path="pkg/stats.py", commit="3f2a9c1e" * 5, old_contents=OLD,
                           new_contents=NEW, repos=["octo/stats"], author_name="Ada Lovelace")
STRICT = msg.compile_message_rules(FilterConfig())
PUBLISHED = msg.compile_message_rules(filter_config_from_preset("commitpackft"))
rules_with = rules_maker(msg.compile_message_rules)


def subject_reason(subject: str, rules: msg.MessageRules = STRICT, **record: Any) -> str | None:
    return msg.check_subject(make_record(subject=subject, **record), rules)


# ------------------------------------------------------------------------------------ whole message

@pytest.mark.parametrize("message, reason", [
    ("Handle empty input in the mean helper\n", None),
    ("Fix\n", "message_too_short"),
    ("x" * 10_000, "message_too_long"),
    ("Initial commit\n", "message_denylisted"),
    ("Update README.md", "message_denylisted"),
    ("  Add files via upload  \n", "message_denylisted"),
    ("WIP", "message_too_short"),
    ("No message\n", "message_denylisted"),
    ("Merge remote-tracking branch 'origin/main'\n", "merge_message"),
    ("merged the two config loaders into one", "merge_message"),
])
def test_whole_message_rules(message: str, reason: str | None) -> None:
    assert msg.check_message(make_record(message=message), STRICT) == reason


def test_message_bounds_are_inclusive() -> None:
    assert msg.check_message(make_record(message="Fix it"), STRICT) is None  # 6 characters
    assert msg.check_message(make_record(message="y" * 9_999), STRICT) is None


# --------------------------------------------------------------------------------------------- bots

@pytest.mark.parametrize("author", ["dependabot[bot]", "pre-commit-ci[bot]", "renovate-bot", "Renovate Bot",
                                    "dependabot-preview[bot]", "pyup.io bot", "github-actions", "snyk-bot"])
def test_bot_authors_are_dropped(author: str) -> None:
    assert msg.check_author(make_record(author_name=author), STRICT) == "bot_author"


@pytest.mark.parametrize("author", ["Ada Lovelace", "Abbot Smith", "Borsuk Jan", "Robot Framework Fan", ""])
def test_people_are_kept(author: str) -> None:
    assert msg.check_author(make_record(author_name=author), STRICT) is None


# ------------------------------------------------------------------------------------------ reverts

def test_git_revert_subject_is_dropped() -> None:
    subject = 'Revert "Add caching to the resolver"'
    record = make_record(subject=subject, message=f"{subject}\n\nThis reverts commit 1a2b3c4d5e6f7a8b.\n")
    assert msg.check_revert(record, STRICT) == "revert"


def test_revert_body_with_rewritten_subject_is_dropped() -> None:
    record = make_record(subject="Undo the resolver cache for now",
                         message="Undo the resolver cache for now\n\nThis reverts commit 1a2b3c4d5e6f.\n")
    assert msg.check_revert(record, STRICT) == "revert"


def test_hand_written_revert_is_kept() -> None:
    assert msg.check_revert(make_record(subject="Revert the default timeout to 30 seconds"), STRICT) is None


# ---------------------------------------------------------------------------------------- subjects

@pytest.mark.parametrize("subject", [
    GOOD_SUBJECT,
    "Fix off-by-one error in pagination helper",
    "Use a context manager for the database connection",
    "Look up users by email in the admin view",          # two-word verb
    "Get rid of the global state in the scheduler",      # three-word verb
    "[core] Add retry logic for transient API errors",   # leading tag cleaned away
    "docs: Document the return value of get_items",      # leading scope cleaned away
])
def test_good_subjects_are_kept(subject: str) -> None:
    assert subject_reason(subject) is None


@pytest.mark.parametrize("subject, reason", [
    ("Fix crash on empty input (see #42)", "subject_has_hash"),
    ("Fix off-by-one error in stats loop", "subject_mentions_filename"),
    ("Fix a bug", "subject_too_short"),
    ("Refactor configuration loading", "subject_too_few_words"),
    ("[backend] api: Fix crashing parser", "subject_too_few_words"),  # only three words once cleaned
    ("A" + " fix" * 400, "subject_too_long"),
    ("fix crash when the cache is empty", None),  # strict keeps lowercase subjects (commitpackft: below)
    ("Fixed crash when the cache is empty", "subject_not_imperative"),
    ("Crash when the cache is empty is fixed", "subject_not_imperative"),
    ("Fix that bug where things didn't work but now they should", "subject_denylisted"),
    ("Merge branch 'feature/login' into develop", "subject_bad_phrase"),
    ("Address code review comments on the parser", "subject_bad_phrase"),
    ("Update contributing guide with new steps", "subject_bad_phrase"),
    ("Add the two sum solution | LeetCode", "subject_bad_phrase"),
    ("Port fix from 0123456789abcdef0123456789abcdef01234567 to stable", "subject_has_sha"),
    ("Fix the parser as i discussed with the team", "subject_first_person"),
    ("Add the tests i've been meaning to write", "subject_first_person"),
    ("Fix typo in docs, thanks to Alice for the report", "subject_thanks"),
    ("Fix crash reported in issue 42 on startup", "subject_issue_ref"),
    ("Fix regression from bug 1138 in the loader", "subject_issue_ref"),
    ("Add parser skeleton, work in progress", "subject_wip"),
    ("Add parser skeleton (wip) for now", "subject_wip"),
    ("Fix the link to https://example.org/docs page", "subject_has_url"),
])
def test_subject_reasons(subject: str, reason: str) -> None:
    assert subject_reason(subject) == reason


def test_a_lowercase_subject_is_kept_in_strict_with_a_capitalised_instruction() -> None:
    subject = "fix crash when the cache is empty"
    assert subject_reason(subject, PUBLISHED) == "subject_not_capitalized"
    assert msg.instruction_of(make_record(subject=subject, message=subject + "\n"), STRICT) == (
        "Fix crash when the cache is empty")


def test_subject_too_many_words() -> None:
    rules = rules_with(subject_max_chars=None)
    assert subject_reason("Add" + " more" * 1_000, rules) == "subject_too_many_words"


def test_version_and_hash_subjects() -> None:
    # Capital and verb rules would catch these first; switch them off to reach the version rules.
    rules = rules_with(subject_require_capital=False, subject_require_imperative=False,
                       subject_min_words=None, subject_min_chars=None, instruction_min_words=None)
    assert subject_reason("v1.2.3 release with many fixes", rules) == "subject_version"
    assert subject_reason("2.0.1", rules) == "subject_version"
    assert subject_reason("0239-2a41-beef-cafe", rules) == "subject_is_hash"
    assert subject_reason("debug the release", rules) is None


def test_filename_check_is_case_sensitive_and_whole_word() -> None:
    assert subject_reason("Stats are now computed lazily on demand") == "subject_not_imperative"
    assert subject_reason("Compute Stats lazily when first requested") is None
    assert subject_reason("Compute statistics lazily when first requested") is None
    assert subject_reason("Fix typo in stats.py docstring header") == "subject_mentions_filename"


def test_extra_verbs_are_accepted() -> None:
    subject = "Frobnicate the widgets before rendering them"
    assert subject_reason(subject) == "subject_not_imperative"
    assert subject_reason(subject, rules_with(imperative_verbs_extra=["Frobnicate"])) is None


def test_verb_list_is_large_and_lowercase() -> None:
    verbs = msg.load_verbs()
    assert len(verbs) >= 250
    assert all(v == v.lower().strip() for v in verbs)
    assert {"add", "fix", "remove", "update", "refactor", "rename", "support", "use", "handle",
            "implement", "clean up", "speed up"} <= verbs


# ------------------------------------------------- negated imperatives and measured verbs (issue 14)

# Real subjects of public Python libraries (flask, marshmallow, httpx, more-itertools, rich).
NEGATED = [
    "Don't test with a file in docs/",
    "Do not register empty CLI groups from Blueprint",
    "Never cache responses to HEAD requests",
    "Don\u2019t rely on set ordering for test data",          # typographic apostrophe
    "Dont perform implicit close/warning on `__del__`",
    "Don't silently store all uncaught exceptions",          # one adverb before the verb
    "Don't even install mypy on pypy",
]


@pytest.mark.parametrize("subject", NEGATED)
def test_negated_imperatives_are_kept_in_strict_and_dropped_by_commitpackft(subject: str) -> None:
    assert subject_reason(subject) is None
    assert subject_reason(subject, PUBLISHED) == "subject_not_imperative"
    assert subject_reason(subject, rules_with(subject_allow_negated=False)) == "subject_not_imperative"


@pytest.mark.parametrize("subject", [
    "Don't the parser and the lexer share state",    # no verb after the negation
    "Do not codespell any foreign language README",  # not a listed verb
    "Don't really silently store the exceptions",    # two adverbs
    "Donate the old parser to the contrib package",  # "don" is not a negation
    "Nevertheless handle the empty input case",
])
def test_negations_without_a_listed_verb_are_still_dropped(subject: str) -> None:
    assert subject_reason(subject) == "subject_not_imperative"


# Each verb below the [strict] line of verbs.txt, in a subject that opens with it (real subjects where
# the libraries had one, in this form).
STRICT_VERBS = {
    "appease": "Appease the ruff formatter in tests",
    "attempt": "Attempt to resolve test flakiness on Windows",
    "audit": "Audit all docstrings for style, typos and outdated info",
    "auto-detect": "Auto-detect create_app and make_app factory functions",
    "automate": "Automate the generation of the docs archive",
    "backport": "Backport List fix from the main branch",
    "be": "Be explicit about encoding when reading in the README.",
    "cherry-pick": "Cherry-pick the static folder fix from main",
    "cross-link": "Cross-link the console API from prompts",
    "cross-reference": "Cross-reference debug docs in run docstring.",
    "delegate": "Delegate to heapq.merge() for Python < 3.5",
    "demonstrate": "Demonstrate the core use case of forming an actual set",
    "differentiate": "Differentiate between `timeout=None` and `timeout=UNSET`.",
    "escalate": "Escalate 0.17 deprecation warnings to becoming fully deprecated.",
    "exemplify": "Exemplify usage of Schema.validate in the flask example",
    "factorize": "Factorize container fields logic into ContainerMixin",
    "fail": "Fail unit tests without full coverage",
    "force": "Force lowercase ASGI headers in the transport",
    "hack around": "Hack around a stupid error on setup.py test",
    "import": "Import Mapping from compat instead of collections",
    "incorporate": "Incorporate fixes from review and discussion",
    "inherit": "Inherit ordered schemas when Meta is defined",
    "jettison": "Jettison func_args and func_kwargs from side_effect",
    "lowercase": "Lowercase Norwegian months and weekdays",
    "organize": "Organize error_handler and data_handler tests into test classes",
    "organise": "Organise the error handler tests into classes",
    "perform": "Perform an active check for sqlite json extension",
    "pluralize": "Pluralize words ending in x with an es suffix",
    "privatize": "Privatize helper methods in the schema module",
    "rationalize": "Rationalize backend Semaphore interface slightly",
    "re-add": "Re-add filename param for send_from_directory",
    "re-introduce": "Re-introduce the replace-shift tests for full coverage",
    "re-order": "Re-order the deployment docs by semantics",
    "reclassify": "Reclassify totient() to the Integer Math section",
    "recommend": "Recommend the content argument for raw bytes",
    "refer": "Refer to the encoder instead of the decoder",
    "refine": "Refine docs phrasing on proxy routing",
    "rejig": "Rejig test and tighten up models API",
    "scan": "Scan only the template head for its type",
    "special-case": "Special-case an isascii implementation for old Pythons",
    "stringify": "Stringify the given file name before opening",
    "subscribe": "Subscribe to signals with extra kwargs in the docs",
    "suggest": "Suggest only one package in the install docs",
    "swallow": "Swallow TypeErrors raised by the bind hooks",
    "touch up": "Touch up and integrate docs on deploying Flask.",
    "try": "Try using the default theme in tests to avoid variance",
    "zap": "Zap Python 2 compatibility notes from the docs",
}


def test_every_strict_verb_is_tested_and_none_is_in_the_shared_list() -> None:
    assert set(STRICT_VERBS) == msg.load_strict_verbs()
    assert not msg.load_strict_verbs() & msg.load_verbs()


@pytest.mark.parametrize("verb, subject", sorted(STRICT_VERBS.items()))
def test_strict_verbs_are_kept_by_strict_only(verb: str, subject: str) -> None:
    assert subject.lower().startswith(verb + " ")
    assert subject_reason(subject) is None
    assert subject_reason(subject, PUBLISHED) == "subject_not_imperative"
    assert subject_reason(subject, rules_with(subject_strict_verbs=False)) == "subject_not_imperative"


# --------------------------------------------------------------------------------- subject cleaning

@pytest.mark.parametrize("subject, instruction", [
    ("[api] core: Fix the retry loop [urgent]", "Fix the retry loop"),
    ("Fix the loader for nested packages (#1234)", "Fix the loader for nested packages"),
    ("Fix the loader for nested packages (#12, #13) (GH-7)", "Fix the loader for nested packages"),
    ("Fix flaky test on slow CI runners [skip ci]", "Fix flaky test on slow CI runners"),
    ("Fix flaky test on slow CI runners [CI SKIP]", "Fix flaky test on slow CI runners"),
    ("  Add   type hints to the public API  ", "Add type hints to the public API"),
])
def test_strict_cleaning(subject: str, instruction: str) -> None:
    assert msg.instruction_of(make_record(subject=subject), STRICT) == instruction


def test_published_cleaning_keeps_pr_suffix_and_late_ci_skip() -> None:
    forms = msg.subject_forms("Fix typo in the docs [ci skip]", False, True)
    assert forms.cleaned == "Fix typo in the docs [ci skip]"
    assert forms.final == "Fix typo in the docs"
    assert msg.subject_forms("Fix the loader (#12)", False, True).final == "Fix the loader (#12)"


def test_subject_falls_back_to_message_first_line() -> None:
    record = make_record(subject="", message="Add retry logic for transient API errors\n\nBody.\n")
    assert msg.instruction_of(record, STRICT) == "Add retry logic for transient API errors"


def test_trailers_are_stripped_from_the_cleaned_message() -> None:
    text = ("Add retry logic for transient API errors\n\nThe client now retries 429 responses.\n\n"
            "Signed-off-by: Ada Lovelace <ada@example.org>\nCo-authored-by: Bob <bob@example.org>\n"
            "Change-Id: I8f7e6d5c4b3a29180716f5e4d3c2b1a098765432\n")
    cleaned = msg.clean_message(make_record(message=text, subject=text.split("\n")[0]), STRICT)
    assert cleaned == "Add retry logic for transient API errors\nThe client now retries 429 responses."
    kept = msg.clean_message(make_record(message=text, subject=text.split("\n")[0]), PUBLISHED)
    assert "Signed-off-by" in kept


# ------------------------------------------------------------------------------------- version bump

def _bump(commit: str, rules: msg.MessageRules = STRICT) -> str | None:
    return msg.check_version_bump(make_record(subject="Bump requests from 2.25.1 to 2.31.0", commit=commit), rules)


def test_version_bump_drop_is_deterministic_and_about_ninety_percent() -> None:
    shas = [f"{i:040x}" for i in range(2_000)]
    first = [_bump(sha) for sha in shas]
    assert first == [_bump(sha) for sha in shas]
    dropped = sum(1 for r in first if r == "version_bump")
    assert 0.87 * len(shas) < dropped < 0.93 * len(shas)
    assert {r for r in first} == {"version_bump", None}


def test_version_bump_draw_is_fixed_per_sha() -> None:
    assert msg.version_bump_draw("3f2a9c1e" * 5) == msg.version_bump_draw("3f2a9c1e" * 5)
    assert 0.0 <= msg.version_bump_draw("") < 1.0


@pytest.mark.parametrize("subject", ["Set version to 2.4.0 for the release", "Update version number to 0.9.1"])
def test_all_version_prefixes_are_eligible(subject: str) -> None:
    always = rules_with(version_bump_drop_share=1.0)
    assert msg.check_version_bump(make_record(subject=subject), always) == "version_bump"


def test_version_bump_share_zero_and_other_subjects() -> None:
    never = rules_with(version_bump_drop_share=0.0)
    always = rules_with(version_bump_drop_share=1.0)
    assert all(_bump(f"{i:040x}", never) is None for i in range(200))
    assert msg.check_version_bump(make_record(subject="Bumps the timeout for slow hosts"), always) == "version_bump"
    assert msg.check_version_bump(make_record(subject="Raise the version floor of numpy"), always) is None


# ---------------------------------------------------------------------------------- through the chain

def test_chain_reports_message_rules_before_subject_rules() -> None:
    chain = build_commit_filters(FilterConfig())
    record = make_record(subject="Merge branch 'dev' into main today",
                         message="Merge branch 'dev' into main today\n")
    assert first_reason(chain, record) == "merge_message"


def test_chain_keeps_a_good_record_and_compiled_rules_are_reused() -> None:
    cfg = FilterConfig()
    chain = build_commit_filters(cfg, CompiledRules(cfg))
    assert first_reason(chain, make_record()) is None


# ------------------------------------------------------------------------------- message language

from filters import language as lang  # noqa: E402  (kept next to the tests that use it)

LANG = lang.compile_language_rules(FilterConfig())


def language_reason(subject: str, body: str = "", rules: lang.LanguageRules = LANG) -> str | None:
    message = f"{subject}\n\n{body}\n" if body else f"{subject}\n"
    return lang.check_language(make_record(subject=subject, message=message), (STRICT, rules))


@pytest.mark.parametrize("subject", [
    "Add retry logic for transient API errors",
    "Implement retry with exponential backoff for uploads",
    "Use logging instead of print for diagnostics",
    "Raise ValueError on negative sizes in Buffer.resize()",
])
def test_english_messages_are_kept(subject: str) -> None:
    assert language_reason(subject) is None
    assert lang.message_language(make_record(subject=subject, message=subject), STRICT, LANG).language == "en"


@pytest.mark.parametrize("subject", [
    "Corrige el error al leer el archivo de configuración",
    "Ajoute la gestion des erreurs réseau dans le client",
    "Behebe Fehler beim Laden der Datei aus dem Cache",
    "修复登录页面在移动端的显示错误",
])
def test_other_languages_are_dropped(subject: str) -> None:
    assert language_reason(subject) == "language_not_allowed"


def test_allowed_languages_are_configurable() -> None:
    spanish = lang.compile_language_rules(dataclasses.replace(FilterConfig(), allowed_languages=["en", "es"]))
    assert language_reason("Corrige el error al leer el archivo de configuración", rules=spanish) is None


def test_trailers_do_not_count_and_an_english_subject_carries_a_mixed_message() -> None:
    subject = "Update the reader for the new format"
    body = "Signed-off-by: Jean Dupont <jean@example.fr>\nCo-authored-by: Élodie Martin <em@example.fr>"
    assert language_reason(subject, body) is None
    # The instruction is the subject; an English subject over a French body still passes (English
    # keeps a share above language_min_prob), while a French message throughout does not.
    french = "Le lecteur ne gérait pas les fichiers vides, ce qui provoquait une erreur au démarrage."
    assert language_reason("Update the reader for the new file format", french) is None
    assert language_reason("Corrige le lecteur pour les fichiers vides", french) == "language_not_allowed"


def test_short_ascii_text_is_not_judged() -> None:
    record = make_record(subject="Use get_user_by_id in UserService.fetch",
                         message="Use get_user_by_id in UserService.fetch\n")
    verdict = lang.message_language(record, STRICT, LANG)
    assert verdict == lang.Verdict("und", None)


def test_undetectable_language() -> None:
    fancy = "𝐀𝐝𝐝 𝐬𝐮𝐩𝐩𝐨𝐫𝐭 𝐟𝐨𝐫 𝐟𝐚𝐧𝐜𝐲 𝐥𝐞𝐭𝐭𝐞𝐫𝐬 𝐢𝐧 𝐭𝐡𝐞 𝐞𝐝𝐢𝐭𝐨𝐫"
    assert language_reason(fancy) == "undetectable_language"


def test_language_detection_is_deterministic() -> None:
    texts = ["Make cache size configurable via settings", "Escape HTML in user supplied comments",
             "Guard against missing environment variables at startup", "Remove unused imports from utils module"]
    first = [lang.detect(lang.text_for_detection(t, 1_000)) for t in texts]
    for _ in range(3):
        lang.detect.cache_clear()
        assert [lang.detect(lang.text_for_detection(t, 1_000)) for t in texts] == first


def test_our_detector_ignores_the_global_langdetect_seed() -> None:
    from langdetect import DetectorFactory, detector_factory

    text = "Escape HTML in user supplied comments"
    lang.detect.cache_clear()
    before = lang.detect(text)
    detector_factory.init_factory()
    shared = detector_factory._factory
    try:
        shared.set_seed(12345)  # another library reseeding langdetect's own factory
        DetectorFactory.seed = 777
        lang.detect.cache_clear()
        assert lang.detect(text) == before
    finally:
        vars(shared).pop("seed", None)
        DetectorFactory.seed = None
