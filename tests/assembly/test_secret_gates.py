"""Issue 18, secrets scanning at scale: each detect-secrets plugin runs only on the lines its gate lets
through, and emails and IP addresses are found without splitting a text into lines. The findings
must be exactly those of the scan before, kept here as the reference (every plugin on every line, a
regex per line), on real code nobody here wrote (the installed packages' .py files), with
real-looking secrets of every kind planted in some of it; and the gates' derivations and the entropy
floor are checked at their edges."""
from __future__ import annotations

import base64
import importlib.util
import json
import math
import random
import re
import string
from pathlib import Path

import pytest

from beam_jobs.assembly import secret_finders as finders
from beam_jobs.assembly import secret_keys
from config.assembly import SecretsConfig

# ----------------------------------------------------------------------- the scan before, verbatim


def reference_scan(scanner: secret_keys.KeyScanner, text: str) -> dict[str, bool]:
    """KeyScanner.scan before issue 18: every plugin on every line that _MAYBE_SECRET lets through."""
    found: dict[str, bool] = {}
    lines = text.split("\n")
    for number, line in enumerate(lines):
        if len(line) > 4000 or not secret_keys._MAYBE_SECRET.search(line):
            continue
        for plugin in scanner._keys:
            for secret in plugin.analyze_line(filename="sample.py", line=line, line_number=number + 1):
                value = secret.secret_value or ""
                name = plugin.__class__.__name__
                if name == "PrivateKeyDetector":
                    found.update(dict.fromkeys(secret_keys._pem_values(lines, number), True))
                    continue
                if name == "BasicAuthDetector":
                    if secret_keys._password_like(value) and not secret_keys._heuristic_false_positive(value, line, plugin):
                        found.setdefault(value, False)
                    continue
                value = secret_keys._expand(line, value)
                if len(value) >= 8 and not secret_keys._heuristic_false_positive(value, line, plugin):
                    found[value] = True
        for plugin in scanner._entropy:
            for secret in plugin.analyze_line(filename="sample.py", line=line, line_number=number + 1):
                value = secret.secret_value or ""
                at = line.find(value)
                if at <= 0 or not secret_keys.ASSIGNED_VALUE.search(line[:at - 1]):
                    continue
                if (not secret_keys._mixed(value) or secret_keys._looks_like_hash_or_path(value, line)
                        or secret_keys._heuristic_false_positive(value, line, plugin)):
                    continue
                found[value] = True
    return found


def reference_find_emails(text: str) -> set[str]:
    found: set[str] = set()
    if "@" not in text:
        return found
    for m in finders._EMAIL.finditer(text):
        local, domain = m.group(1), m.group(2)
        tld = domain.rsplit(".", 1)[-1].lower()
        if tld in finders.FILE_SUFFIXES or not (len(tld) == 2 or tld in finders.GENERIC_TLDS):
            continue
        if finders._is_doc_domain(domain) or local.lower() in finders._CLONE_USERS:
            continue
        if finders.in_url_userinfo(text, m.start()):
            continue
        start = finders.after_escape(text, m.start())
        if start < m.start(2) - 1:
            found.add(text[start:m.end()])
    return found


def reference_find_ips(text: str) -> set[str]:
    found = set()
    for line in text.split("\n"):
        if "." in line:
            for m in finders._IPV4.finditer(line):
                value = m.group(0)
                if finders._publishable_ip(value):
                    continue
                if all(len(p) == 1 for p in value.split(".")) and not finders._IP_CONTEXT.search(line):
                    continue
                found.add(value)
        if "::" in line or line.count(":") >= 5:
            for m in finders._IPV6.finditer(line):
                value = m.group(0)
                groups = [g for g in value.split(":") if g]
                if len(groups) < 3 or finders._publishable_ip(value):
                    continue
                found.add(value)
    return found


# ------------------------------------------------------------------------- real code, and plants

# Installed with repairpack[gcp] and the test tools, pinned by constraints.txt: the same files each run.
CORPUS_PACKAGES = (
    "apache_beam", "detect_secrets", "pyarrow", "urllib3", "requests", "google.cloud.bigquery",
    "google.cloud.storage", "google.api_core", "google.auth", "grpc", "yaml", "fastavro", "dill", "_pytest",
    "cryptography", "idna", "charset_normalizer", "pyasn1", "rsa", "sqlglot", "datasets", "duckdb",
)
MAX_FILES, MAX_FILE_BYTES, MAX_BYTES = 3000, 150_000, 32_000_000
PLANT_EVERY = 40


def _corpus() -> list[tuple[str, str]]:
    """(package/relative path, text) of an evenly spaced selection of the packages' .py files."""
    paths: list[tuple[str, Path]] = []
    for name in CORPUS_PACKAGES:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is None or not spec.submodule_search_locations:
            continue
        root = Path(sorted(spec.submodule_search_locations)[0])
        paths += sorted((f"{name}/{p.relative_to(root).as_posix()}", p) for p in root.rglob("*.py")
                        if p.is_file() and p.stat().st_size <= MAX_FILE_BYTES)
    size = sum(path.stat().st_size for _, path in paths)
    step = max(1, math.ceil(len(paths) / MAX_FILES), math.ceil(size / MAX_BYTES))
    return [(label, path.read_bytes().decode("utf-8", "replace")) for label, path in paths[::step]]


def _b64url(obj: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


def _plants(rng: random.Random) -> tuple[list[list[str]], dict[str, bool], set[str], set[str]]:
    """Blocks of lines that hold a made-up secret of every kind (shaped like real ones, valid for
    nothing), and what must be found: {key: anywhere}, emails, IP addresses."""
    def pick(chars: str, n: int) -> str:
        while True:
            value = "".join(rng.choice(chars) for _ in range(n))
            if secret_keys._mixed(value) and not secret_keys._heuristic_false_positive(value, "", None):
                return value
    alnum, lower, upper = (string.ascii_letters + string.digits, string.ascii_lowercase + string.digits,
                           string.ascii_uppercase + string.digits)
    hexdigits, token = "0123456789abcdef", alnum + "-_"
    base64_entropy = secret_keys._plugins(SecretsConfig())[1][0]
    secret_b64 = next(v for v in iter(lambda: pick(alnum + "+/", 40), None)
                      if base64_entropy.calculate_shannon_entropy(v) > 4.5)
    keys = {
        "AKIA" + pick(upper, 16): 'AWS_ACCESS_KEY_ID = "{}"',
        pick(alnum + "+/", 40): 'aws_secret_access_key = "{}"',
        "ghp_" + pick(alnum, 36): 'GITHUB_TOKEN = "{}"',
        "glpat-" + pick(alnum, 20): 'gitlab = Gitlab(url, private_token="{}")',
        f"xoxb-{rng.randrange(10**11, 10**12)}-{rng.randrange(10**12, 10**13)}-" + pick(lower, 24): 'SLACK = "{}"',
        "sk_live_" + pick(alnum, 24): 'stripe.api_key = "{}"',
        ".".join([_b64url({"alg": "HS256", "typ": "JWT"}), _b64url({"sub": pick(lower, 10), "name": "Jane"}),
                  pick(alnum, 43)]): 'headers = {{"Authorization": "Bearer {}"}}',
        "AKC" + pick(alnum, 40): 'ARTIFACTORY_KEY = "{}"',
        pick(alnum + "+/", 86) + "==": 'AZURE = "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey={};"',
        pick(hexdigits, 64): 'cloudant_password = "{}"',
        "M" + pick(alnum, 23) + "." + pick(alnum, 6) + "." + pick(alnum, 27): 'DISCORD_TOKEN = "{}"',
        pick(token, 44): 'ibm_cloud_iam_api_key = "{}"',
        pick(hexdigits, 48): 'ibm_cos_hmac_secret_access_key = "{}"',
        pick(lower, 32) + "-us12": 'MAILCHIMP = "{}"',
        "npm_" + pick(alnum, 36): "# //registry.npmjs.org/:_authToken={}",
        "sk-" + pick(alnum, 20) + "T3BlbkFJ" + pick(alnum, 20): 'OPENAI_API_KEY = "{}"',
        "pypi-AgEIcHlwaS5vcmc" + pick(token, 80): 'password = "{}"',
        "SG." + pick(token, 22) + "." + pick(token, 43): 'SENDGRID = "{}"',
        pick(lower, 64): 'softlayer_api_key = "{}"',
        pick(lower, 64): 'config["sl_pass"] = "{}"',             # the keywords a longer one holds
        pick(hexdigits, 64): "cl_pw: '{}'",
        "sq0csp-" + pick(token, 43): 'SQUARE_SECRET = "{}"',
        f"{rng.randrange(10**8, 10**9)}:" + pick(token, 35): 'TELEGRAM = "{}"',
        "AC" + pick(lower, 32): 'TWILIO_SID = "{}"',
        "SK" + pick(lower, 32): 'TWILIO_KEY = "{}"',
        secret_b64: '    client = Client(api_secret="{}")',
        pick(hexdigits, 30): "signing_salt = '{}'",
    }
    blocks = [[line.format(value)] for value, line in keys.items()]
    password = pick(alnum, 12)
    blocks.append([f'DB = "postgres://deploy:{password}@db.acme-widgets.com/app"'])
    body = [pick(alnum + "+/", 64) for _ in range(4)]
    blocks.append(['KEY = """-----BEGIN RSA PRIVATE KEY-----', *body, '-----END RSA PRIVATE KEY-----"""'])
    email, ipv4 = f"{pick(lower, 8)}@acme-widgets.com", f"52.{rng.randrange(1, 250)}.2.3"
    ipv6 = "2a00:1450:4001:81b::200e"
    blocks.append([f"# Questions: {email}; server {ipv4} or [{ipv6}]"])
    expected = {**dict.fromkeys(keys, True), **dict.fromkeys(body, True), password: False}
    return blocks, expected, {email}, {ipv4, ipv6}


# What IGNORECASE takes for an ASCII letter but lower() does not turn into it (ſ, ı, İ), and a letter
# lower() turns into one (the Kelvin sign): the literal gates' two paths.
UNICODE_PLANTS = [
    ['ibm_cloud_paſſword = "{}"'],
    ['api_\u212aey = "{}"'],
    ["# İstanbul office", 'ibm_cloud_iam_api_key = "{}"'],
]


def _plant(text: str, blocks: list[list[str]], rng: random.Random) -> str:
    lines = text.split("\n")
    for block in blocks:
        at = rng.randrange(len(lines) + 1)
        lines[at:at] = block
    return "\n".join(lines)


@pytest.fixture(scope="module")
def corpus() -> list[tuple[str, str, dict[str, bool], set[str], set[str]]]:
    """(label, text, planted keys, planted emails, planted IPs): the real files, every PLANT_EVERY-th
    of them with every kind of secret planted at random lines."""
    rng = random.Random(18)
    out = []
    for index, (label, text) in enumerate(_corpus()):
        if index % PLANT_EVERY:
            out.append((label, text, {}, set(), set()))
            continue
        blocks, keys, emails, ips = _plants(rng)
        unicode_block = UNICODE_PLANTS[(index // PLANT_EVERY) % len(UNICODE_PLANTS)]
        value = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(43)) + "7"
        blocks.append([line.format(value) for line in unicode_block])
        out.append((label + " (planted)", _plant(text, blocks, rng), {**keys, value: True}, emails, ips))
    return out


def test_the_corpus_is_real_code_of_some_size(corpus):
    assert len(corpus) >= 1500
    assert sum(len(text) for _, text, *_ in corpus) >= 10_000_000
    assert sum(1 for _, _, keys, *_ in corpus if keys) >= 30


def test_keys_are_found_as_before_on_real_code(corpus):
    scanner = secret_keys.KeyScanner(SecretsConfig())
    assert scanner._gated  # every plugin gated: the fast path is what is compared
    differ, missed, positives = [], [], 0
    for label, text, planted, _, _ in corpus:
        found = scanner.scan(text)
        if found != reference_scan(scanner, text):
            differ.append(label)
        positives += bool(found)
        # A planted value is a finding, or inside one (a plugin may report a key with its prefix).
        missed += [label for value, anywhere in planted.items()
                   if not any(value in v and found[v] == anywhere for v in found)]
    assert differ == [] and missed == []
    assert positives >= sum(1 for _, _, planted, *_ in corpus if planted)


def test_other_entropy_limits_find_as_before(corpus):
    """Lower limits (shorter floors: 8 and 4 characters) let far more strings through the gate."""
    scanner = secret_keys.KeyScanner(SecretsConfig(base64_limit=3.0, hex_limit=2.0))
    differ, positives = [], 0
    for label, text, *_ in corpus[::4]:
        found = scanner.scan(text)
        positives += len(found)
        if found != reference_scan(scanner, text):
            differ.append(label)
    assert differ == [] and positives > 100


def test_emails_and_ips_are_found_as_before_on_real_code(corpus):
    differ = []
    for label, text, _, emails, ips in corpus:
        found_emails, found_ips = finders.find_emails(text), finders.find_ips(text)
        if found_emails != reference_find_emails(text) or found_ips != reference_find_ips(text):
            differ.append(label)
        assert emails <= found_emails and ips <= found_ips, label
    assert differ == []


# ------------------------------------------------------------------------------------- the edges

UNICODE_EDGES = [
    'ibm_cloud_paſſword = "' + "a1B2c3D4e5" * 4 + "xY9z" + '"',             # ſ: IGNORECASE's s
    'api_\u212aey = "' + "a1B2c3D4e5" * 4 + "xY9z" + '"',                 # Kelvin sign: IGNORECASE's k
    'İ\nibm_cloud_iam_api_key = "' + "a1B2c3D4e5" * 4 + "xY9z" + '"',      # lower() lengthens the text
    "ı = 1\nsoftlayer_api_key = '" + "a1b2c3d4" * 8 + "'",
]
EDGE_TEXTS = UNICODE_EDGES + [
    "",
    "\n\n",
    'token = "ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tV9wX1yZ3bC5"',                 # no newline at all
    'x = 1\r\nAWS = "AKIAQ7ZX3M4KJ2PL9VWE"\r\n',                          # CRLF
    'k = "' + "AKIAQ7ZX3M4KJ2PL9VWE" * 250 + '"',                        # a line over 4000 characters
    'art = "x"\nAKC' + "a1" * 10 + "\nnext",                              # AKC at a line's start, its end a newline
    'a = 1 AKCabcdefghij12\n',
    'glpat-abcdefghij0123456789\n',                                       # (?!\w) at a line's end
    "pw = 'Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5'\n",
    'KEY = "-----BEGIN RSA PRIVATE KEY-----\\nMIIEowIBAAKCAQEAx7Yj1nP8mN2qR5tV8wZ3bC6dF9gH2jK5'
    '\\n-----END RSA PRIVATE KEY-----"',
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAAB\n",
    'url = "https://user:s3cr3tPass9@host.acme.io"; other = "ftp://anon:x@h"',
    "s = 'deadbeef1'\nt = 'deadbee1'\nu = \"0123456789abcdefABCDEF\"",
    'd = {"secret": "' + "".join(sorted(string.ascii_letters + string.digits))[::3] + '"}',
]


@pytest.mark.parametrize("text", EDGE_TEXTS)
def test_edges_are_found_as_before(text):
    scanner = secret_keys.KeyScanner(SecretsConfig())
    assert scanner.scan(text) == reference_scan(scanner, text)


def test_the_unicode_edges_find_something():
    scanner = secret_keys.KeyScanner(SecretsConfig())
    assert all(scanner.scan(text) for text in UNICODE_EDGES)


def test_an_ungated_plugin_is_run_on_every_line(monkeypatch):
    """A pattern whose derivation does not check out (a detect-secrets upgrade, say) costs speed only."""
    monkeypatch.setitem(secret_keys._GATES, "AWSKeyDetector", ("nothing like it", secret_keys._Needs("aws")))
    scanner = secret_keys.KeyScanner(SecretsConfig())
    assert not scanner._gated
    for text in EDGE_TEXTS:
        assert scanner.scan(text) == reference_scan(scanner, text)


def test_gate_derivations_are_checked():
    aws = re.compile(r"aws.{0,20}?(?:key|pwd|pw|password|pass|token).{0,20}?x", re.IGNORECASE)
    literals = secret_keys._needed(aws, "(?:key|pwd|pw|password|pass|token)")[0]
    assert literals == ["key", "pwd", "pw", "password", "pass", "token"]
    assert secret_keys._needed(re.compile("a|(?:key)"), "(?:key)") is None          # not on every path
    assert secret_keys._needed(re.compile("(?:key)?x"), "(?:key)") is None          # optional
    assert secret_keys._needed(re.compile("(?:a(?:key))"), "(?:key)") is None       # inside a group
    assert secret_keys._needed(re.compile("(?:secret[-_]?key)x"), "(?:secret[-_]?key)")[0] == ["secret"]
    assert secret_keys._needed(re.compile(r"ab\.cd?x"), r"ab\.cd") is None          # its last letter is optional
    assert secret_keys._leading_literals(r"ab\.cd?") == ["ab.c"]                    # the quantified d is not needed
    assert secret_keys._rest_after(re.compile(r"(?:\s|^)AKC\d+"), r"(?:\s|^)") == r"AKC\d+"
    assert secret_keys._rest_after(re.compile("a|bc"), "a|b") is None               # not a concatenation's items
    assert secret_keys._rest_after(re.compile("ab{2}"), "ab") is None               # the rest starts with a quantifier
    assert secret_keys._rest_after(re.compile(r"(a)(b)\2"), "(a)") is None          # a backreference
    assert secret_keys._rest_after(re.compile("ab", re.I), "a") == "(?i:b)"
    assert secret_keys._whole_items(r"(?:\s|=)[^]a-z|]\d") and not secret_keys._whole_items("a|b")
    assert not secret_keys._whole_items("(a") and not secret_keys._whole_items("a\\")
    for safe in (r"x(?!\w)", r"x(?![a-z0-9])", r"(?:\s|$)", r"^x", r"(?<=\W)x"):
        assert not secret_keys._LINE_UNSAFE.search(safe), safe
    for unsafe in (r"x\Z", r"\Ax", r"x(?!\s)", r"(?<!a)x", r"x(?![^a])", r"x(?!.)", r"x(?![\n])"):
        assert secret_keys._LINE_UNSAFE.search(unsafe), unsafe


def test_what_ignorecase_takes_for_ascii_that_lower_does_not_give():
    """The ground of `_lowered`: over every code point, the only characters IGNORECASE matches to a
    character of the literal gates whose lower() is not that character are İ, ı and ſ."""
    everything = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    odd = set()
    for a in string.ascii_lowercase + string.digits + "._/:-":
        odd |= {c for c in re.findall("(?i)" + re.escape(a), everything) if c.lower() != a}
    assert odd == {"İ", "ı", "ſ"}


@pytest.mark.parametrize("limit", [x / 8 for x in range(0, 65)] + [math.log2(n) for n in range(1, 70)])
def test_no_string_shorter_than_the_floor_can_pass_the_limit(limit):
    """The proof of `entropy_floor`, at its edge: the highest entropy a string of n characters can
    have (n distinct characters) is at most the limit for n = floor - 1, for both plugins; the
    floor is tight (n = floor passes) wherever 2**limit is no whole number and the charset is big enough."""
    keys, entropy = secret_keys._plugins(SecretsConfig())
    floor = secret_keys.entropy_floor(limit)
    for plugin in entropy:
        # letters first: no all-digit string, which the hex plugin marks down
        charset = "".join(sorted(plugin.charset, key=lambda c: not c.isalpha()))
        if floor - 1 >= 1:
            assert plugin.calculate_shannon_entropy(charset[:min(floor - 1, len(charset))]) <= limit
        if floor <= len(charset) and abs(2 ** limit - round(2 ** limit)) > 1e-6:
            assert plugin.calculate_shannon_entropy(charset[:floor]) > limit


def test_the_entropy_gate_lets_through_the_floor_and_not_one_less():
    scanner = secret_keys.KeyScanner(SecretsConfig())
    gate = next(g for p, g, _ in scanner._checks if type(p).__name__ == "Base64HighEntropyString")
    assert secret_keys.entropy_floor(4.5) == 23 and secret_keys.entropy_floor(3.0) == 8
    distinct = "a1B2c3D4e5F6g7H8i9J0kLmNoP"
    assert not gate.search(f'x = "{distinct[:22]}"') and gate.search(f'x = "{distinct[:23]}"')
    assert not gate.search(f'x = "{"ab" * 20}"')          # no digit: not ours to keep
    for n, kept in ((22, False), (23, True)):
        text = f'api_secret = "{distinct[:n]}"'
        assert (distinct[:n] in scanner.scan(text)) is kept and scanner.scan(text) == reference_scan(scanner, text)


def _fuzz(rng: random.Random, pieces: list[str]) -> str:
    return "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 80)))


def test_emails_and_ips_match_the_reference_on_fuzz():
    """Texts dense with what the windows around "@" and the line gates must get right."""
    rng = random.Random(18)
    pieces = ["a", "Zq9", "jane.doe", "x" * 70, "@", "@", "@", ".", ".", "-", "_", "%", "+", "\n", "\n", " ", "\\n",
              "\\x41", "://", "user:pw", "acme-widgets.com", "mail.co.uk", "example.com", "io", "@2x.png", "git@",
              "1", "52", "10", "250", "1.2.3.4", ":", "::", "2a00:1450", ":4001:81b", "::200e", "fe80", "ip ", "host="]
    for _ in range(4000):
        text = _fuzz(rng, pieces)
        assert finders.find_emails(text) == reference_find_emails(text), text
        assert finders.find_ips(text) == reference_find_ips(text), text


def test_texts_scanned_in_chunks_find_what_a_whole_scan_finds(corpus, monkeypatch):
    """Secrets planted at random lines, right after a chunk cut and just before one, with every
    line a cut where it can be (chunks of one character at least), and the private key left out so
    that the chunked scan runs: the findings of the whole text, and the memo's second answers too."""
    monkeypatch.setattr(secret_keys, "_CHUNK_MIN", 1)
    monkeypatch.setattr(secret_keys, "_CHUNKED_FROM", 1)
    scanner = secret_keys.KeyScanner(SecretsConfig())
    rng = random.Random(5)
    chunked = differ = planted_values = found_values = 0
    for label, text, *_ in [entry for entry in corpus if not entry[2]][:400]:  # real files, nothing planted yet
        blocks, keys, _, _ = _plants(rng)
        blocks = [b for b in blocks if "PRIVATE KEY" not in b[0]]
        lines = _plant(text, blocks, rng).split("\n")
        cuts = [i for i, line in enumerate(lines) if line.startswith(("def ", "class ", "@", "    def "))]
        for at in rng.sample(cuts, min(3, len(cuts))):
            lines[at:at] = blocks[rng.randrange(len(blocks))]          # just before a cut
            lines[at + 2:at + 2] = blocks[rng.randrange(len(blocks))]  # just after one
        planted = "\n".join(lines)
        assert scanner._multiline is not None and not scanner._multiline.search(planted)
        for _ in range(2):  # the second time from the memo
            found = scanner.scan(planted)
            differ += found != scanner._scan(planted) or found != reference_scan(scanner, planted)
        chunked += bool(cuts)
        # A planted value is a finding, or inside one (a plugin may report a key with its prefix);
        # a random value can look like a path, which no scan reports.
        planted_values += sum(1 for v in keys if v in planted)
        found_values += sum(1 for v in keys if v in planted and any(v in f for f in found))
    assert differ == 0 and chunked > 100 and len(scanner._chunk_findings) > 1_000
    assert found_values > 0.95 * planted_values, (found_values, planted_values)


def test_a_private_key_is_scanned_whole(monkeypatch):
    """A PEM body's lines are found from its BEGIN line: a text holding one is never cut."""
    monkeypatch.setattr(secret_keys, "_CHUNK_MIN", 1)
    monkeypatch.setattr(secret_keys, "_CHUNKED_FROM", 1)
    scanner = secret_keys.KeyScanner(SecretsConfig())
    body = ["MIIEowIBAAKCAQEAx7Yj1nP8mN2qR5tV8wZ3bC6dF9gH2jK5", "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAA"]
    text = "\n".join(['KEY = """-----BEGIN RSA PRIVATE KEY-----', body[0], "@decorated", body[1],
                      '-----END RSA PRIVATE KEY-----"""', "def f():", "    return 1"])
    assert scanner.scan(text) == scanner._scan(text) == reference_scan(scanner, text)
    assert len(scanner._chunk_findings) == 0
