"""Issue 18, secrets scanning at scale: emails and IP addresses are found without splitting a text
into lines. The findings must be exactly those of the code before, kept here as the reference (a
regex per line), on real code nobody here wrote (the installed packages' .py files), with
real-looking secrets of every kind planted in some of it, and on texts dense with the edge cases."""
from __future__ import annotations

import base64
import importlib.util
import json
import math
import random
import string
from pathlib import Path

import pytest

from beam_jobs.assembly import secret_finders as finders
from config.assembly import SecretsConfig

# ----------------------------------------------------------------------- the scan before, verbatim


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
            if finders._mixed(value) and not finders._heuristic_false_positive(value, "", None):
                return value
    alnum, lower, upper = (string.ascii_letters + string.digits, string.ascii_lowercase + string.digits,
                           string.ascii_uppercase + string.digits)
    hexdigits, token = "0123456789abcdef", alnum + "-_"
    base64_entropy = finders._plugins(SecretsConfig())[1][0]
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


def test_emails_and_ips_are_found_as_before_on_real_code(corpus):
    differ = []
    for label, text, _, emails, ips in corpus:
        found_emails, found_ips = finders.find_emails(text), finders.find_ips(text)
        if found_emails != reference_find_emails(text) or found_ips != reference_find_ips(text):
            differ.append(label)
        assert emails <= found_emails and ips <= found_ips, label
    assert differ == []


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
