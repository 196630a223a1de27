"""Secrets and personal data: the patterns on their own (secret_finders), then the Beam stage on a real
commit with a planted AWS-style key and an email address, replaced the same way in the before and
after code; then issue 14's cases: redaction never replaces a name and never corrupts code."""
from __future__ import annotations

import logging

import pytest

from beam_jobs.assembly import secret_finders as finders
from beam_jobs.assembly import secrets as s
from config.assembly import SecretsConfig
from beam_jobs.assembly.samples import from_commit
from tests.assembly.helpers import assemble, assert_balanced, commit_like, config, sample_commits

# Made up for these tests: shaped like real credentials, valid for nothing.
AWS_KEY = "AKIAQ7ZX3M4KJ2PL9VWE"
AWS_SECRET = "k8Zp2vQ9rT4mX7nB1cL6yH3sF0wJ5dG8aE2uR9tY"
EMAIL = "jane.doe@acme-widgets.com"

ONLY_SECRETS = {"exact_dedup": False, "near_dedup": {"enabled": False}, "decontamination": {"enabled": False}}


@pytest.fixture(scope="module")
def scrubber():
    return finders.Scrubber(SecretsConfig())


@pytest.mark.parametrize("text", [
    "contact jane.doe@acme-widgets.com for access",
    "Signed-off-by: Jane <jane@corp.io>",
    "mailto:ops+alerts@sub.uni-bonn.de",
    "maintainer = 'J. Doe <j_doe99@mail.co.uk>'",
])
def test_emails_found(text):
    assert len(finders.find_emails(text)) == 1


@pytest.mark.parametrize("text", [
    "admin@example.com", "bob@mail.example.org", "root@localhost", "user@host.test", "a@b.invalid",
    "x@printer.local", "icon@2x.png", "git@github.com:owner/repo.git", "y = a@b.T", "result = x@self.weights",
    "@property", "pip install pkg @ git+https://host/x", "postgres://admin:pw12345@db.acme.com/x",
])
def test_documentation_and_non_addresses_are_left_alone(text):
    assert finders.find_emails(text) == set()


@pytest.mark.parametrize("text,found", [
    ('SERVER = "52.14.2.3"', {"52.14.2.3"}),
    ("connect(host='2a00:1450:4001:81b::200e')", {"2a00:1450:4001:81b::200e"}),
    ("ip = 1.2.3.4", {"1.2.3.4"}),  # four single digits count when the line speaks of an address
])
def test_public_ips_found(text, found):
    assert finders.find_ips(text) == found


@pytest.mark.parametrize("text", [
    'HOST = "192.168.1.10"', "10.0.0.1", "172.16.5.4", "127.0.0.1", "0.0.0.0", "169.254.10.2",
    "192.0.2.15", "198.51.100.7", "203.0.113.9",                  # documentation ranges
    "resolver = '8.8.8.8'", "DNS = ('1.1.1.1', '9.9.9.9')",        # public resolvers are defaults
    "__version__ = '1.2.3.4'", "v1.2.3.4", "1.2.3.4.5", "oid = 1.3.6.1.4.1",
    "::1", "fe80::1", "2001:db8::1", "x[1::2]", "12:30:45", "fd00::1:2:3",
])
def test_private_documentation_and_lookalike_ips_are_left_alone(text):
    assert finders.find_ips(text) == set()


def test_keys_found_by_detect_secrets(scrubber):
    code = "\n".join([
        f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"',
        f'aws_secret_access_key = "{AWS_SECRET}"',
        'token = "ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tV9wX1yZ3bC5"',
        'client(api_key="Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1u")',
        'DB = "postgres://admin:s3cr3tPass9@db.acme.com/x"',
        'KEY = """-----BEGIN RSA PRIVATE KEY-----',
        "MIIEowIBAAKCAQEAx7Yj1nP8mN2qR5tV8wZ3bC6dF9gH2jK5lM8nP1qR4sT7uV0w",
        "yZ3aB6cD9eF2gH5jK8lM1nP4qR7sT0uV3wX6yZ9aB2cD5eF8gH1jK4lM7nP0qR3s",
        '-----END RSA PRIVATE KEY-----"""',
    ])
    found = {f.value: f.kind for f in scrubber.find([code])}
    assert set(found.values()) == {"KEY"}
    assert {AWS_KEY, AWS_SECRET, "ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tV9wX1yZ3bC5", "s3cr3tPass9",
            "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1u"} <= set(found)
    redacted = s.redact_text(code, scrubber.find([code]))
    assert "MIIEow" not in redacted and "-----BEGIN RSA PRIVATE KEY-----" in redacted
    assert 'DB = "postgres://admin:<KEY>@db.acme.com/x"' in redacted


def test_hashes_paths_and_words_are_not_keys(scrubber):
    code = "\n".join([
        'EXPECTED_SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"',
        'name = "thisIsAVeryLongCamelCaseIdentifierNameWithoutDigits"',
        'path = "/usr/local/lib/python3.11/site-packages/foo/bar123abc"',
        'if token == "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1u": pass',  # a comparison, not assignment
        'user_id = "f3a9c2d81b7e4f60a5c3d2e1b0f9a8c7"',
        'uid = "123e4567-e89b-12d3-a456-426614174000"',
    ])
    assert scrubber.find([code]) == []


def test_finding_repr_never_shows_the_value():
    finding = finders.Finding("KEY", AWS_KEY)
    assert AWS_KEY not in repr(finding) and AWS_KEY not in str([finding])


def _planted():
    commits = sample_commits()
    target = next(c for c in commits if "sniff_delimiter" in c.instruction)
    header = (f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"  # TODO move to env\n'
              f'# Questions: {EMAIL} (docs: help@example.com, proxy 10.0.0.7)\n')
    planted = commit_like(target, old_contents=header + target.old_contents, new_contents=header + target.new_contents,
                          message=target.message + f"\nReported-by: {EMAIL}\n")
    return commits, planted


def test_key_and_email_in_a_commit_are_replaced_identically_on_both_sides(caplog):
    commits, planted = _planted()
    with caplog.at_level(logging.DEBUG):
        got = assemble(commits + [planted], config(**ONLY_SECRETS))
    sample = next(x for x in got.samples if x.record_id == planted.id)
    original = from_commit(planted)
    for text in (sample.old_contents, sample.new_contents, sample.message, sample.diff):
        assert AWS_KEY not in text and EMAIL not in text
    assert sample.old_contents.startswith('AWS_ACCESS_KEY_ID = "<KEY>"  # TODO move to env\n# Questions: <EMAIL> '
                                          "(docs: help@example.com, proxy 10.0.0.7)\n")
    assert sample.new_contents.startswith('AWS_ACCESS_KEY_ID = "<KEY>"')
    assert "Reported-by: <EMAIL>" in sample.message
    # The same replacement on both sides: the change itself is untouched.
    assert sample.diff.split("@@", 1)[1].split("\n", 1)[1] == original.diff.split("@@", 1)[1].split("\n", 1)[1]
    assert (sample.lines_added, sample.lines_removed, sample.hunks) == (
        original.lines_added, original.lines_removed, original.hunks)
    assert got.findings == {"KEY": 1, "EMAIL": 1, "samples_redacted": 1}
    assert got.counts["assembly.secrets"] == {"in": 14, "kept": 14}
    assert_balanced(got.counts)
    # Nothing the scanner found reached a log line.
    assert AWS_KEY not in caplog.text and EMAIL not in caplog.text
    # The unplanted samples are untouched.
    clean = {x.id: x for x in got.samples if x.record_id != planted.id}
    assert all(x.old_contents == from_commit(c).old_contents for c in commits for x in clean.values()
               if x.record_id == c.id)


def test_drop_mode_rejects_with_kinds_but_not_values():
    commits, planted = _planted()
    got = assemble(commits + [planted], config(secrets={"mode": "drop"}, **ONLY_SECRETS))
    assert planted.id not in {x.record_id for x in got.samples}
    (reject,) = [r for r in got.rejects if r.stage == "assembly.secrets"]
    assert reject.reason == "contains_key" and reject.detail == "KEY x1, EMAIL x1"
    assert AWS_KEY not in reject.detail and EMAIL not in reject.detail
    assert got.counts["assembly.secrets"] == {"in": 14, "kept": 13, "contains_key": 1}


# ------------------------------------------------------------- issue 14: redaction never corrupts code

# What a real settings module and its tests look like (SQLAlchemy's and requests' own examples): a
# URL whose password is a placeholder word, a dict and a query string naming the password, and a
# URL parser's test that expects the login back. Before issue 14 the URL's "password" was a key
# replaced everywhere ({"<KEY>": "tiger"}, &<KEY>=%s) and "pass@complex.url.com", an "email" of the
# second URL, was replaced inside the first one too (http://user:<EMAIL>/path).
SETTINGS = '''\
"""Settings; questions to jane.doe@acme-widgets.com."""
DATABASE_URL = "mysql://scott:password@localhost/test"
DB = {"password": "tiger", "user": "scott"}
QUERY = "SELECT * FROM users WHERE name=%s&password=%s"
LOGIN_URL = "/login?user=%s&password=%s"


def connect(password=None, token=None, secret=""):
    return {"password": password, "token": token, "secret": secret}
'''
AUTH_TESTS = '''\
import pytest


@pytest.mark.parametrize("url, auth", (
    ("http://user:pass@complex.url.com/path?query=yes", ("user", "pass")),
    ("http://user:pass pass@complex.url.com/path?query=yes", ("user", "pass pass")),
    ("http://user%25user:pass@complex.url.com/path?query=yes", ("user%user", "pass")),
    ("ftp://anonymous@ftp.acme-widgets.com/pub", ("anonymous", "")),
    ("http://user:pass@host/path", ("user", "pass")),
))
def test_get_auth_from_url(url, auth):
    assert get_auth_from_url(url) == auth
'''
AWS_LINES = f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\naws_secret_access_key = "{AWS_SECRET}"\n'


@pytest.mark.parametrize("text", [
    "http://user:pass@complex.url.com/path", "http://user:pass pass@complex.url.com/path?query=yes",
    "http://user%25user:pass@complex.url.com/x", "ftp://anonymous@ftp.acme-widgets.com/pub",
    "https://deploy:Xy7pQ2rT9w@git.acme-widgets.com/repo.git", "http://user:pass@host/path",
])
def test_url_logins_are_not_emails(text):
    assert finders.find_emails(text) == set()


@pytest.mark.parametrize("text", [
    "see http://acme-widgets.com/contact or write to jane.doe@acme-widgets.com",
    "url = 'http://acme-widgets.com'  # maintainer: jane.doe@acme-widgets.com",
])
def test_an_email_after_a_url_is_still_an_email(text):
    assert finders.find_emails(text) == {"jane.doe@acme-widgets.com"}


@pytest.mark.parametrize("url", ["mysql://scott:tiger@localhost/test", "postgres://user:password@db/x",
                                 "http://user:pass@host/path", "redis://:secretsecret@cache:6379/0"])
def test_placeholder_url_passwords_are_no_findings(scrubber, url):
    assert scrubber.find([f'URL = "{url}"']) == []


def _redact(scrubber, code, **fields):
    return s.redact(scrubber, commit_like(sample_commits()[0], old_contents=code, new_contents=code, tags=[], **fields))


def test_names_of_secrets_stay_and_a_real_key_beside_them_is_replaced(scrubber):
    code = SETTINGS + AWS_LINES
    result = _redact(scrubber, code)
    redacted = result.item.new_contents
    assert result.reason is None and result.counts == {"KEY": 2, "EMAIL": 1}
    assert redacted == (SETTINGS.replace("jane.doe@acme-widgets.com", "<EMAIL>")
                        + 'AWS_ACCESS_KEY_ID = "<KEY>"\naws_secret_access_key = "<KEY>"\n')
    for kept in ('DB = {"password": "tiger", "user": "scott"}', "name=%s&password=%s", "?user=%s&password=%s",
                 '"mysql://scott:password@localhost/test"', "def connect(password=None, token=None, secret=\"\"):",
                 'return {"password": password, "token": token, "secret": secret}'):
        assert kept in redacted
    assert s.parses(redacted) and result.item.tags == ["redacted"]


def test_a_url_parsers_test_keeps_its_logins(scrubber):
    result = _redact(scrubber, AUTH_TESTS + AWS_LINES)
    assert result.item.new_contents == AUTH_TESTS + 'AWS_ACCESS_KEY_ID = "<KEY>"\naws_secret_access_key = "<KEY>"\n'
    assert '("http://user:pass@host/path", ("user", "pass"))' in result.item.new_contents
    # The file alone holds nothing to replace: no tag.
    clean = _redact(scrubber, AUTH_TESTS)
    assert clean.counts == {} and clean.item.tags == [] and clean.item.new_contents == AUTH_TESTS


def test_a_real_url_password_is_replaced_where_it_is_a_value_only(scrubber):
    code = ('DB_URL = "postgres://admin:s3cr3tPass9@db.acme-widgets.com/x"\n'
            'DB_PASSWORD = "s3cr3tPass9"\n'
            'KNOWN = {"s3cr3tPass9": "the old one"}\n')
    got = _redact(scrubber, code).item.new_contents
    assert got == ('DB_URL = "postgres://admin:<KEY>@db.acme-widgets.com/x"\n'
                   'DB_PASSWORD = "<KEY>"\n'
                   'KNOWN = {"s3cr3tPass9": "the old one"}\n')


def test_strings_stay_strings_and_escapes_stay_escapes(scrubber):
    pem_body = "MIIEowIBAAKCAQEAx7Yj1nP8mN2qR5tV8wZ3bC6dF9gH2jK5lM8nP1qR4sT7uV0w"
    code = (f'KEY = "-----BEGIN RSA PRIVATE KEY-----\\n{pem_body}\\n-----END RSA PRIVATE KEY-----\\n"\n'
            f'PREFIXED = b"\\x41{AWS_KEY}"\n'
            f"RAW = r'{AWS_KEY}'\n"
            f'MSG = f"key={AWS_KEY} for {{user}}"\n'
            "x = jane@corp.io  # a matrix product; mail jane@corp.io\n")
    result = _redact(scrubber, code)
    got = result.item.new_contents
    assert got == ('KEY = "-----BEGIN RSA PRIVATE KEY-----\\n<KEY>\\n-----END RSA PRIVATE KEY-----\\n"\n'
                   'PREFIXED = b"\\x41<KEY>"\n'
                   "RAW = r'<KEY>'\n"
                   'MSG = f"key=<KEY> for {user}"\n'
                   "x = jane@corp.io  # a matrix product; mail <EMAIL>\n")
    assert s.parses(code) and s.parses(got)


def test_names_in_code_are_never_replaced(scrubber):
    """A key-shaped name outside any string is code (it would be a NameError as a key), and IBM's
    plugin takes `key: <44 letters>` for an IAM key, here a function name (google-genai's
    _extra_utils.py); replacing either would break the code."""
    for code in (f"ACCESS = {AWS_KEY}\n",
                 "def f(d):\n    return {\n        key: convert_number_values_for_function_call_args(value)\n"
                 "        for key, value in d.items()\n    }\n"):
        result = _redact(scrubber, code)
        assert (result.item.new_contents, result.counts, result.item.tags) == (code, {}, [])


def test_an_escape_before_an_address_stays_an_escape(scrubber):
    code = 'HELP = "Questions?\\njane.doe@acme-widgets.com"\n'
    assert finders.find_emails(code) == {"jane.doe@acme-widgets.com"}
    assert _redact(scrubber, code).item.new_contents == 'HELP = "Questions?\\n<EMAIL>"\n'
    # A generated protobuf module (google/type/quaternion_pb2.py) writes one byte as "\\x01" and as
    # "\\001": taking "01" into the address leaves "\\x<EMAIL>", which does not parse, or "\\0<EMAIL>",
    # another byte.
    pb2 = ('DESCRIPTOR = b"QuaternionProtoP\\x01Z@google.golang.org/genproto/googleapis/type/quaternion"\n'
           'OPTIONS = b"QuaternionProtoP\\001Z@google.golang.org/genproto/googleapis/type/quaternion"\n')
    got = _redact(scrubber, pb2).item.new_contents
    assert got == pb2.replace("Z@google.golang.org", "<EMAIL>") and s.parses(got)


def test_a_replacement_that_would_break_the_code_drops_the_item(scrubber, monkeypatch):
    """The safety net, for Python that parses but that the tokenizer cannot split (then every
    occurrence counts, as in a text): code that parsed and would not parse after is dropped."""
    monkeypatch.setattr(s, "literal_regions", lambda code: None)
    result = _redact(scrubber, f"ACCESS = {AWS_KEY}\n")
    assert result.reason == "redaction_breaks_syntax" and result.counts == {"KEY": 1}
    assert result.detail == "KEY x1; would not parse: old_contents, new_contents" and AWS_KEY not in result.detail
    # Code that did not parse before is not held to parse after: it is redacted.
    broken = f"def f(:\n    ACCESS = {AWS_KEY}\n"
    assert _redact(scrubber, broken).item.new_contents == "def f(:\n    ACCESS = <KEY>\n"


def test_a_pem_body_ends_where_the_key_ends(scrubber):
    """One-line and truncated PEM blocks: the code after them keeps its long names (before, every
    16-character run in the next 200 lines counted as key)."""
    body = "MIIEowIBAAKCAQEAx7Yj1nP8mN2qR5tV8wZ3bC6dF9gH2jK5lM8nP1qR4sT7uV0w"
    after = "signatureCheckerForAll = verifySignatureOrRaise(KEY)\n"
    one_line = f'KEY = "-----BEGIN RSA PRIVATE KEY-----\\n{body}\\n-----END RSA PRIVATE KEY-----\\n"\n' + after
    truncated = f'KEY = """-----BEGIN RSA PRIVATE KEY-----\n{body}\n"""  # truncated\n' + after
    for code in (one_line, truncated):
        got = _redact(scrubber, code).item.new_contents
        assert got == code.replace(body, "<KEY>") and s.parses(got)


def test_messages_are_redacted_as_text(scrubber):
    result = _redact(scrubber, "x = 1\n", message=f"Rotate key {AWS_KEY}.\n\nReported-by: {EMAIL}\n",
                     subject=f"Rotate key {AWS_KEY}")
    assert result.item.message == "Rotate key <KEY>.\n\nReported-by: <EMAIL>\n"
    assert result.item.subject == "Rotate key <KEY>" and result.item.new_contents == "x = 1\n"
    assert result.item.tags == ["redacted"]


def test_the_redacted_tag_joins_the_tags_sorted_once(scrubber):
    record = commit_like(sample_commits()[0], old_contents=AWS_LINES, new_contents=AWS_LINES,
                         tags=["test_file", "redacted", "docs_only"])
    assert s.redact(scrubber, record).item.tags == ["docs_only", "redacted", "test_file"]


def test_the_issues_settings_and_tests_through_the_beam_stage():
    """A real commit (the sniff_delimiter fix) with the settings, the AWS key and the URL tests planted
    on both sides; a second one whose key-shaped name stands outside any string, kept as it is; the
    rest untouched."""
    commits = sample_commits()
    target = next(c for c in commits if "sniff_delimiter" in c.instruction)
    header = SETTINGS + AWS_LINES + AUTH_TESTS
    planted = commit_like(target, old_contents=header + target.old_contents, new_contents=header + target.new_contents)
    bare = commit_like(target, commit="e" * 40, old_contents=f"ACCESS = {AWS_KEY}\n" + target.old_contents,
                       new_contents=f"ACCESS = {AWS_KEY}\n" + target.new_contents)
    got = assemble(commits + [planted, bare], config(**ONLY_SECRETS))
    kept_bare = next(x for x in got.samples if x.record_id == bare.id)
    assert kept_bare.new_contents == bare.new_contents and "redacted" not in kept_bare.tags
    sample = next(x for x in got.samples if x.record_id == planted.id)
    expected_header = (SETTINGS.replace("jane.doe@acme-widgets.com", "<EMAIL>")
                       + 'AWS_ACCESS_KEY_ID = "<KEY>"\naws_secret_access_key = "<KEY>"\n' + AUTH_TESTS)
    assert sample.old_contents == expected_header + target.old_contents
    assert sample.new_contents == expected_header + target.new_contents
    assert s.parses(sample.old_contents) and s.parses(sample.new_contents)
    assert sample.tags == sorted(set(target.tags) | {"redacted"})
    assert [x for x in got.samples if "redacted" in x.tags] == [sample]
    assert got.counts["assembly.secrets"] == {"in": 15, "kept": 15}
    assert got.findings == {"KEY": 2, "EMAIL": 1, "samples_redacted": 1}
    assert_balanced(got.counts)


def test_a_sample_whose_code_would_break_is_dropped_and_counted(monkeypatch):
    """The safety net in the Beam stage (FnApiRunner runs the DoFn in this process, so the patched
    tokenizer holds there): dropped with its reason, in = kept + rejected."""
    monkeypatch.setattr(s, "literal_regions", lambda code: None)
    commits = sample_commits()
    target = next(c for c in commits if "sniff_delimiter" in c.instruction)
    bare = commit_like(target, old_contents=f"ACCESS = {AWS_KEY}\n" + target.old_contents,
                       new_contents=f"ACCESS = {AWS_KEY}\n" + target.new_contents)
    got = assemble(commits + [bare], config(**ONLY_SECRETS))
    (reject,) = [r for r in got.rejects if r.stage == "assembly.secrets"]
    assert (reject.key, reject.reason) == (from_commit(bare).id, "redaction_breaks_syntax")
    assert AWS_KEY not in reject.detail
    assert got.counts["assembly.secrets"] == {"in": 14, "kept": 13, "redaction_breaks_syntax": 1}
    assert_balanced(got.counts)


def test_the_token_count_follows_the_redacted_contents(scrubber):
    bpe = pytest.importorskip("filters.tokens")
    if not bpe.available():
        pytest.skip("the tokens extra is not installed")
    code = SETTINGS + AWS_LINES
    record = commit_like(sample_commits()[0], old_contents=SETTINGS, new_contents=code, tags=[],
                         tokens=bpe.pair_tokens(SETTINGS, code))
    got = s.redact(scrubber, record).item
    assert got.tokens == bpe.pair_tokens(got.old_contents, got.new_contents) != record.tokens


def test_an_alphabet_a_program_draws_from_is_no_key(scrubber):
    """Seen in ipython's history: a test's file-name alphabet (with a letter missing, so detect-secrets'
    sequential-string heuristic misses it) was replaced as a key; a real key beside it still is."""
    code = 'filename_chars = "abcdefghijklmopqrstuvwxyz0123456789"\ntoken = "k8Zp2vQ9rT4mX7nB1cL6yH3sF0wJ5dG8"\n'
    assert scrubber.find([code]) == [finders.Finding("KEY", "k8Zp2vQ9rT4mX7nB1cL6yH3sF0wJ5dG8")]
    assert s.redact(scrubber, commit_like(sample_commits()[0], old_contents=code, new_contents=code, tags=[])
                    ).item.new_contents == 'filename_chars = "abcdefghijklmopqrstuvwxyz0123456789"\ntoken = "<KEY>"\n'


def test_detect_secrets_is_imported_at_the_first_text_not_at_set_up() -> None:
    """A stage that never sees a record does not pay for detect-secrets (0.2 CPU-s per stage set-up);
    the first text builds the scanner, and it finds keys as before. A fresh interpreter: the import
    is once per process."""
    import subprocess
    import sys

    from tests.paths import ROOT

    script = (
        "import sys\n"
        "from beam_jobs.assembly.secret_finders import Scrubber\n"
        "from config.assembly import SecretsConfig\n"
        "scrubber = Scrubber(SecretsConfig())\n"
        "before = 'detect_secrets' in sys.modules\n"
        f"found = sorted(f.value for f in scrubber.find(['key = \"{AWS_KEY}\"']))\n"
        "print(before, 'detect_secrets' in sys.modules, *found)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True", AWS_KEY]
