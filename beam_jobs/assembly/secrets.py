"""Secrets and personal data: find keys, email addresses and IP addresses; redact or drop.

A public corpus must not republish credentials or people's addresses. Keys are found with
detect-secrets, the scanner BigCode used for The Stack, with BigCode's choice of plugins and
heuristic filters (API keys and tokens of known services, plus quoted high-entropy base64 and hex
strings), and three changes:
- the Private Key plugin is on, and a whole PEM block's body is redacted, not just its header line;
- the Basic Auth plugin is on (a password in a URL is a credential);
- high-entropy strings count only as the value of an assignment, a keyword argument or a mapping
  key (`token = "..."`, `f(key="...")`, `"secret": "..."`), and not when they look like a hash next
  to the word sha/md5/hash/digest/checksum (BigCode's `is_hash`), a path or a URL: entropy alone
  flags every test vector and checksum. BigCode used a gibberish model for the same purpose; this
  keeps the dependency list short.
Emails and IP addresses are found with our own patterns (tested in tests/assembly/test_secrets.py):
- email: a dotted domain ending in a real-looking top-level domain, never a documentation domain
  (example.com/.org/.net and their subdomains, and the reserved .example, .test, .invalid,
  .localhost and .local), nor `name@2x.png`-style file names or `git@github.com` clone addresses;
- IP: IPv4 and IPv6 addresses that are globally routable unicast, so private ranges (10/8,
  192.168/16, ...), loopback, link-local, documentation (192.0.2.0/24, 2001:db8::/32) and multicast
  addresses stay, and so do well-known public DNS resolvers (8.8.8.8, 1.1.1.1, ...), which are
  defaults, not anyone's address; four single digits (1.2.3.4) are a version unless the line says
  ip/host/server/dns/addr.

Only a secret value is replaced, never a name: a key, parameter or variable called password,
secret or token is code, and a short literal such as the "tiger" of `{"password": "tiger"}` is no
real-looking key (no plugin finds it; keys of unknown formats and low-entropy passwords are not
found, the card says so). Where a finding is replaced depends on what it is:
- a key that only a key can look like (a service token, a PEM body, a high-entropy value) is
  replaced wherever it occurs;
- a password from a URL (`scheme://user:password@host`; Basic Auth, needing 8 characters with letters
  and digits, so `user:password@` and `user:pass@` are no finding) is replaced in URL userinfo and as
  a whole assigned string (`PASSWORD = "..."`), never as a dict key, keyword or query-parameter name;
- an email or IP address is replaced where the pattern matches as a whole token, never inside a URL's
  userinfo (`http://user:pass@host/path` holds no address).
In Python code (tokenized), emails, addresses and URL passwords are replaced only inside string
literals (between the quotes) and comments, so a string stays a string and a name stays a name.
A replaced sample or record is checked: Python code that parsed before must parse after; when a
replacement would break it (a key outside any string, say), the item is dropped with reason
`redaction_breaks_syntax`, counted like any reject: neither the secret nor broken code is published.

Each finding is replaced by `<KEY>`, `<EMAIL>` or `<IP_ADDRESS>` in the sample's old and new code,
subject, message and instruction (and a judge record's original code): all texts are scanned
together and the union of findings is replaced in all of them by the rules above, so the same
replacement lands on both sides and the diff keeps its shape. An item with any replacement carries
the tag `redacted`. Or the item is dropped (`mode: drop`). The same pure function (`redact`) serves
the corpus (`ScrubSecrets`, stage assembly.secrets) and the records a run writes when it stops
after its sources (`RedactRecords`, stage `<source>.secrets`).
Findings are counted by kind in the `repairpack.findings` Beam namespace; a finding's value is never
logged, put in a reject detail or printed by repr().
"""
from __future__ import annotations

import ast
import bisect
import io
import ipaddress
import itertools
import re
import tokenize
import warnings
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Iterator

import apache_beam as beam
from apache_beam.metrics import Metrics

from beam_jobs.accounting import REJECTS, StageDoFn
from config.assembly import SecretsConfig
from beam_jobs.assembly.samples import with_diff

STAGE = "assembly.secrets"
FINDINGS_NAMESPACE = "repairpack.findings"
KEY = "KEY"
EMAIL = "EMAIL"
IP_ADDRESS = "IP_ADDRESS"
KINDS = (KEY, EMAIL, IP_ADDRESS)
PLACEHOLDERS = {KEY: "<KEY>", EMAIL: "<EMAIL>", IP_ADDRESS: "<IP_ADDRESS>"}
DROP_REASONS = {KEY: "contains_key", EMAIL: "contains_email", IP_ADDRESS: "contains_ip_address"}
TEXT_FIELDS = ("old_contents", "new_contents", "subject", "message", "instruction")
# Mined code a judge record carries besides its (comment-stripped) contents.
ORIGINAL_CODE_FIELDS = ("original_code_before", "original_code_after")
CODE_FIELDS = ("old_contents", "new_contents") + ORIGINAL_CODE_FIELDS
BREAKS_SYNTAX = "redaction_breaks_syntax"
REDACTED_TAG = "redacted"


@dataclass(frozen=True)
class Finding:
    kind: str
    value: str = field(repr=False)
    # True: replaced wherever it occurs (a value only a key looks like); False: a URL password,
    # replaced only where it stands as a value (URL userinfo, a whole assigned string).
    anywhere: bool = True

    def __repr__(self) -> str:  # the value must never reach a log line
        return f"Finding({self.kind}, {len(self.value)} chars)"


# ------------------------------------------------------------------------------------------- keys

# BigCode's plugin list (pii/utils/keys_detection.py) plus the four noted in the module docstring's
# spirit: PrivateKeyDetector, BasicAuthDetector and the detect-secrets 1.5 service tokens.
KEY_PLUGINS = (
    "ArtifactoryDetector", "AWSKeyDetector", "AzureStorageKeyDetector", "BasicAuthDetector",
    "CloudantDetector", "DiscordBotTokenDetector", "GitHubTokenDetector", "GitLabTokenDetector",
    "IbmCloudIamDetector", "IbmCosHmacDetector", "JwtTokenDetector", "MailchimpDetector", "NpmDetector",
    "OpenAIDetector", "PrivateKeyDetector", "PypiTokenDetector", "SendGridDetector", "SlackDetector",
    "SoftlayerDetector", "SquareOAuthDetector", "StripeDetector", "TelegramBotTokenDetector",
    "TwilioKeyDetector",
)
ENTROPY_PLUGINS = ("Base64HighEntropyString", "HexHighEntropyString")

# A line that holds no run of 16 token characters, no URL credentials and no key header cannot
# produce a finding from the plugins above; skipping it is most of the scan's speed.
_MAYBE_SECRET = re.compile(r"[A-Za-z0-9_\-+/=.]{16}|://[^\s/@]+:[^\s/@]+@|PRIVATE KEY|PuTTY-User-Key")
_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-+/=.~")
# The value of an assignment, keyword argument or mapping entry: what precedes the opening quote.
_ASSIGNED = re.compile(r"(?:(?<![=!<>])=|:)\s*[rRbBuUfF]{0,2}$")
_HASH_WORDS = ("sha", "md5", "hash", "digest", "checksum", "crc", "fingerprint", "byte")
_PEM_BEGIN = re.compile(r"-----BEGIN ([A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?)-----")
# A body run; a run right after a backslash starts with the escape's letter ("\\nMIIE..."), kept out.
_PEM_BODY_RUN = re.compile(r"(?:(?<=\\).)?([A-Za-z0-9+/=]{16,})")
# A string escape: what follows a backslash belongs to it, never to a key around it.
_ESCAPE = re.compile(r"\\(?:x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|N\{[^}]*\}|[0-7]{1,3}|.)")
_PEM_MAX_LINES = 200


def _plugins(cfg: SecretsConfig) -> tuple[list[Any], list[Any]]:
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    by_name = {cls.__name__: cls for cls in get_mapping_from_secret_type_to_class().values()}
    keys = [by_name[name]() for name in KEY_PLUGINS if name in by_name]
    entropy = [by_name["Base64HighEntropyString"](limit=cfg.base64_limit),
               by_name["HexHighEntropyString"](limit=cfg.hex_limit)]
    return keys, entropy


def _expand(line: str, value: str) -> str:
    """The whole token around a plugin's value: some plugins report only a prefix group ("ghp").
    It never reaches into a string escape ("\\x41AKIA..." keeps its "\\x41")."""
    start = line.find(value)
    if start < 0:
        return value
    end = start + len(value)
    escaped: set[int] = set()
    if "\\" in line:
        for m in _ESCAPE.finditer(line):
            escaped.update(range(m.start(), m.end()))
    # Leftwards never past "=": base64 pads only at its end, so "key=" is a name and its sign.
    while start > 0 and line[start - 1] in _TOKEN_CHARS and line[start - 1] != "=" and start - 1 not in escaped:
        start -= 1
    while end < len(line) and line[end] in _TOKEN_CHARS and end not in escaped:
        end += 1
    # A full stop after a key ends the sentence ("Rotate key AKIA....").
    return line[start:end] if value.endswith(".") else line[start:end].rstrip(".")


def _looks_like_hash_or_path(value: str, line: str) -> bool:
    lowered = line.lower()
    if len(value) in (32, 40, 56, 64, 96, 128) and any(w in lowered for w in _HASH_WORDS):
        return True
    if value.startswith(("/", "./", "../", "~/")) or "://" in line[max(0, line.find(value) - 12):line.find(value)]:
        return True
    return False


def _mixed(value: str) -> bool:
    """A random key has letters and digits; camelCase words and long numbers do not count."""
    return any(c.isdigit() for c in value) and any(c.isalpha() for c in value)


def _heuristic_false_positive(value: str, line: str, plugin: Any) -> bool:
    from detect_secrets.filters import heuristic

    return (heuristic.is_potential_uuid(value) or heuristic.is_likely_id_string(value, line, plugin)
            or heuristic.is_templated_secret(value) or heuristic.is_sequential_string(value)
            or heuristic.is_not_alphanumeric_string(value))


# What wraps a PEM body line in code: quotes, "\\n" escapes, concatenation, commas, parentheses.
_PEM_LINE_WRAPPING = re.compile(r"""\\n|["'+,()\s]""")
_PEM_BODY_LINE = re.compile(r"[A-Za-z0-9+/=]+|[A-Za-z-]+:.*")  # base64, or a header (Proc-Type: ...)


def _pem_shaped(line: str) -> bool:
    """A line a PEM body can hold: base64 or a header once its code wrapping is gone, or blank."""
    bare = _PEM_LINE_WRAPPING.sub("", line)
    return not bare or _PEM_BODY_LINE.fullmatch(bare) is not None


def _pem_values(lines: list[str], start: int) -> set[str]:
    """Base64 runs of the PEM body that starts at line `start`, up to its END line.

    A body on the BEGIN line itself (a string written with "\\n" escapes) is the rest of that line
    up to END. Without an END within reach, only the PEM-shaped lines right after BEGIN count:
    the code below a truncated key is code, not key."""
    line = lines[start]
    begin = _PEM_BEGIN.search(line)
    rest = line[begin.end():] if begin else ""
    out: set[str] = set(_PEM_BODY_RUN.findall(rest.split("-----END", 1)[0]))
    if "-----END" in rest:
        return out
    body: list[str] = []
    for line in lines[start + 1:start + 1 + _PEM_MAX_LINES]:
        if "-----END" in line:
            body.append(line.split("-----END", 1)[0])
            break
        body.append(line)
    else:
        body = list(itertools.takewhile(_pem_shaped, body))
    for line in body:
        out.update(_PEM_BODY_RUN.findall(line))
    return out


def _password_like(value: str) -> bool:
    """A URL password worth redacting: 8 characters or more, letters and digits. `user:password@`,
    `scott:tiger@` and `user:pass@` are the placeholders of documentation and tests, not secrets."""
    return len(value) >= 8 and _mixed(value)


class KeyScanner:
    """detect-secrets plugins run line by line, without its global settings or its logging."""

    def __init__(self, cfg: SecretsConfig) -> None:
        self._keys, self._entropy = _plugins(cfg)

    def scan(self, text: str) -> dict[str, bool]:
        """{value: anywhere}: True for values only a key looks like, False for URL passwords."""
        found: dict[str, bool] = {}
        lines = text.split("\n")
        for number, line in enumerate(lines):
            if len(line) > 4000 or not _MAYBE_SECRET.search(line):
                continue  # minified or data lines are dropped upstream; never regex a megabyte line
            for plugin in self._keys:
                for secret in plugin.analyze_line(filename="sample.py", line=line, line_number=number + 1):
                    value = secret.secret_value or ""
                    name = plugin.__class__.__name__
                    if name == "PrivateKeyDetector":
                        found.update(dict.fromkeys(_pem_values(lines, number), True))
                        continue
                    if name == "BasicAuthDetector":
                        if _password_like(value) and not _heuristic_false_positive(value, line, plugin):
                            found.setdefault(value, False)
                        continue
                    value = _expand(line, value)
                    if len(value) >= 8 and not _heuristic_false_positive(value, line, plugin):
                        found[value] = True
            for plugin in self._entropy:
                for secret in plugin.analyze_line(filename="sample.py", line=line, line_number=number + 1):
                    value = secret.secret_value or ""
                    at = line.find(value)
                    if at <= 0 or not _ASSIGNED.search(line[:at - 1]):
                        continue
                    if (not _mixed(value) or _looks_like_hash_or_path(value, line)
                            or _heuristic_false_positive(value, line, plugin)):
                        continue
                    found[value] = True
        return found


# ----------------------------------------------------------------------------------------- emails

DOC_DOMAINS = ("example.com", "example.org", "example.net", "example.edu")
RESERVED_TLDS = ("example", "test", "invalid", "localhost", "local", "internal", "lan", "home", "corp")
FILE_SUFFIXES = frozenset({
    "png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "bmp", "tif", "tiff", "py", "pyc", "pyi", "js",
    "mjs", "ts", "tsx", "jsx", "css", "scss", "html", "htm", "txt", "json", "md", "rst", "yml", "yaml",
    "xml", "csv", "tsv", "pdf", "zip", "gz", "tar", "so", "dll", "exe", "map", "lock", "toml", "cfg", "ini",
    "sh", "bat", "mp3", "mp4", "wav", "woff", "woff2", "ttf", "eot", "otf", "bin", "dat", "db", "log",
})
# Generic top-level domains seen in real addresses; any two-letter one is a country code.
GENERIC_TLDS = frozenset({
    "com", "org", "net", "edu", "gov", "mil", "int", "info", "biz", "name", "pro", "dev", "app", "tech",
    "cloud", "online", "site", "xyz", "email", "mail", "club", "top", "io", "ai", "co", "me", "tv",
    "museum", "aero", "coop", "jobs", "mobi", "travel", "asia", "tel", "cat", "space", "website", "store",
    "blog", "page", "works", "company", "solutions", "systems", "network", "digital", "agency", "studio",
    "design", "media", "software", "science", "academy", "center", "group", "global", "world", "life",
    "live", "news", "today", "one", "link", "codes", "ninja", "rocks", "guru", "zone", "team", "tools",
    "social", "fun", "wiki", "host", "services", "consulting", "engineering", "technology", "berlin",
    "london", "nyc", "paris", "tokyo", "amsterdam",
})
_EMAIL = re.compile(r"""
    (?<![\w.%+\-@])                         # not in the middle of a longer token
    ([A-Za-z0-9][A-Za-z0-9._%+\-]{0,63})    # local part
    @
    ((?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24})   # dotted domain
    (?![\w\-@]|\.[A-Za-z0-9])               # and not followed by more of one
""", re.VERBOSE)
_CLONE_USERS = frozenset({"git", "hg", "svn"})
# What cannot stand between "scheme://" and the "@" of a URL's userinfo.
_NOT_USERINFO = frozenset("/@'\"<>()[]{}`")
_USERINFO_WITH_SPACES = re.compile(r"[^\s:]+:")


def _is_doc_domain(domain: str) -> bool:
    d = domain.lower()
    if any(d == doc or d.endswith("." + doc) for doc in DOC_DOMAINS):
        return True
    return d.rsplit(".", 1)[-1] in RESERVED_TLDS


def in_url_userinfo(text: str, at: int) -> bool:
    """True when position `at` lies in the userinfo of a URL on its line: "scheme://user@host",
    "scheme://user:password@host" (also a password with spaces, "user:pass pass@host", as tests of
    URL parsers write it). Such a "name@host" is a login, not an email address."""
    line_start = text.rfind("\n", 0, at) + 1
    scheme = text.rfind("://", max(line_start, at - 300), at)
    if scheme < 0:
        return False
    between = text[scheme + 3:at]
    if any(c in _NOT_USERINFO for c in between):
        return False
    if not any(c.isspace() for c in between):
        return True
    return _USERINFO_WITH_SPACES.match(between) is not None


def find_emails(text: str) -> set[str]:
    found: set[str] = set()
    if "@" not in text:
        # Most code has no "@" at all; the regex would still try its lookbehind at every position.
        return found
    for m in _EMAIL.finditer(text):
        local, domain = m.group(1), m.group(2)
        tld = domain.rsplit(".", 1)[-1].lower()
        if tld in FILE_SUFFIXES or not (len(tld) == 2 or tld in GENERIC_TLDS):
            continue
        if _is_doc_domain(domain) or local.lower() in _CLONE_USERS:
            continue
        if in_url_userinfo(text, m.start()):
            continue
        found.add(m.group(0))
    return found


# ------------------------------------------------------------------------------------ IP addresses

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = re.compile(rf"(?<![\w.]){_OCTET}(?:\.{_OCTET}){{3}}(?![\w]|\.\d)")
_IPV6 = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|:)?(?![\w:])")
# Public resolvers (Google, Cloudflare, Quad9, OpenDNS, Level3, AdGuard, Comodo): defaults in code.
PUBLIC_RESOLVERS = frozenset({
    "8.8.8.8", "8.8.4.4", "1.1.1.1", "1.0.0.1", "9.9.9.9", "149.112.112.112", "208.67.222.222",
    "208.67.220.220", "4.2.2.1", "4.2.2.2", "94.140.14.14", "94.140.15.15", "8.26.56.26", "8.20.247.20",
    "2001:4860:4860::8888", "2001:4860:4860::8844", "2606:4700:4700::1111", "2606:4700:4700::1001",
})
_IP_CONTEXT = re.compile(r"\b(?:ip|ips|ipv4|host|hosts|server|dns|addr|address|remote|client|peer)\b", re.I)


def _publishable_ip(value: str) -> bool:
    """True when the address is one nobody would mind: not globally routable, multicast or a resolver."""
    try:
        addr = ipaddress.ip_address(value)
    except ValueError:
        return True
    return (not addr.is_global) or addr.is_multicast or str(addr) in PUBLIC_RESOLVERS or value in PUBLIC_RESOLVERS


def find_ips(text: str) -> set[str]:
    found = set()
    for line in text.split("\n"):
        if "." in line:
            for m in _IPV4.finditer(line):
                value = m.group(0)
                if _publishable_ip(value):
                    continue
                if all(len(p) == 1 for p in value.split(".")) and not _IP_CONTEXT.search(line):
                    continue  # 1.2.3.4 is a version number more often than an address
                found.add(value)
        if "::" in line or line.count(":") >= 5:
            for m in _IPV6.finditer(line):
                value = m.group(0)
                groups = [g for g in value.split(":") if g]
                if len(groups) < 3 or _publishable_ip(value):
                    continue
                found.add(value)
    return found


# ------------------------------------------------------------------------------------ the scrubber

class Scrubber:
    """Find and replace; pure apart from detect-secrets' plugin objects, built once per worker."""

    def __init__(self, cfg: SecretsConfig) -> None:
        self.cfg = cfg
        self._keys = KeyScanner(cfg) if cfg.keys else None

    def find(self, texts: Iterable[str]) -> list[Finding]:
        """Distinct findings over all texts; a value found as a key is not also an email or IP, and
        a value some text shows as a key of a known shape is replaced anywhere."""
        kinds: dict[str, str] = {}
        anywhere: dict[str, bool] = {}
        for text in texts:
            if not text:
                continue
            if self._keys is not None:
                for v, everywhere in self._keys.scan(text).items():
                    kinds[v] = KEY
                    anywhere[v] = anywhere.get(v, False) or everywhere
            if self.cfg.emails:
                for v in find_emails(text):
                    kinds.setdefault(v, EMAIL)
            if self.cfg.ip_addresses:
                for v in find_ips(text):
                    kinds.setdefault(v, IP_ADDRESS)
        return [Finding(kinds[v], v, anywhere.get(v, True)) for v in sorted(kinds)]


# Where a finding may be replaced ----------------------------------------------------------------

_STRING_BODY_TYPES = frozenset(t for t in (tokenize.STRING, tokenize.COMMENT, getattr(tokenize, "FSTRING_MIDDLE", None))
                               if t is not None)
_QUOTES = ('"""', "'''", '"', "'")


def literal_regions(code: str) -> list[tuple[int, int]] | None:
    """[start, end) character spans of the string literals' insides (between the quotes) and the
    comments of Python code, in order; None when the code does not tokenize."""
    starts = [0]
    for line in code.split("\n"):
        starts.append(starts[-1] + len(line) + 1)
    regions: list[tuple[int, int]] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type not in _STRING_BODY_TYPES:
                continue
            begin = starts[tok.start[0] - 1] + tok.start[1]
            end = starts[tok.end[0] - 1] + tok.end[1]
            if tok.type == tokenize.STRING:
                text = tok.string
                at = next((i for i, c in enumerate(text) if c in "'\""), 0)
                quote = next(q for q in _QUOTES if text.startswith(q, at)) if at < len(text) else ""
                begin, end = begin + at + len(quote), end - len(quote)
            elif tok.type == tokenize.COMMENT:
                begin += 1
            if begin < end:
                regions.append((begin, end))
    except (tokenize.TokenError, SyntaxError, StopIteration, IndexError):
        return None
    return regions


def _inside(regions: list[tuple[int, int]] | None, start: int, end: int) -> bool:
    if regions is None:
        return True
    i = bisect.bisect_right(regions, (start, float("inf"))) - 1
    return i >= 0 and regions[i][0] <= start and end <= regions[i][1]


_URL_PASSWORD_BEFORE = re.compile(r"://[^\s/@:?#]+:$")


def _password_stands_as_value(text: str, start: int, end: int) -> bool:
    """A URL password where it is a value: the password of a URL's userinfo, or a whole string
    that is assigned, passed by keyword or is a mapping's value. Never a name."""
    line_start = text.rfind("\n", 0, start) + 1
    if end < len(text) and text[end] == "@" and _URL_PASSWORD_BEFORE.search(text, max(line_start, start - 300), start):
        return True
    if start > line_start and end < len(text) and text[start - 1] in "'\"" and text[end] == text[start - 1]:
        return _ASSIGNED.search(text, line_start, start - 1) is not None
    return False


def _email_at(text: str, start: int, end: int) -> bool:
    if start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_.%+-@"):
        return False
    if end < len(text) and (text[end].isalnum() or text[end] in "_-@"
                            or (text[end] == "." and end + 1 < len(text) and text[end + 1].isalnum())):
        return False
    return not in_url_userinfo(text, start)


def _ip_at(text: str, start: int, end: int, value: str) -> bool:
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    if ":" in value:
        return not (before.isalnum() or before in "_:." or after.isalnum() or after in "_:")
    if before.isalnum() or before in "_." or after.isalnum() or after == "_":
        return False
    return not (after == "." and end + 1 < len(text) and text[end + 1].isdigit())


def _replaceable(text: str, start: int, end: int, finding: Finding, regions: list[tuple[int, int]] | None) -> bool:
    if finding.kind == KEY and finding.anywhere:
        return True  # a value only a key looks like; if it sits outside a string the parse check drops the item
    if not _inside(regions, start, end):
        return False  # Python names, operators and numbers are code, never a secret
    if finding.kind == KEY:
        return _password_stands_as_value(text, start, end)
    if finding.kind == EMAIL:
        return _email_at(text, start, end)
    return _ip_at(text, start, end, finding.value)


def replace_findings(text: str, findings: list[Finding], *, python: bool = False) -> tuple[str, set[str]]:
    """The text with each replaceable occurrence of each finding replaced by its placeholder (longest
    first where two overlap), and the values replaced. `python`: the text is Python code, so
    addresses and URL passwords are replaced only inside string literals and comments (when it
    tokenizes)."""
    if not findings or not text:
        return text, set()
    regions = literal_regions(text) if python else None
    spans: list[tuple[int, int, Finding]] = []
    for finding in findings:
        value = finding.value
        at = text.find(value)
        while at >= 0:
            if _replaceable(text, at, at + len(value), finding, regions):
                spans.append((at, at + len(value), finding))
            at = text.find(value, at + 1)
    if not spans:
        return text, set()
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0]), s[2].value))
    out: list[str] = []
    used: set[str] = set()
    pos = 0
    for start, end, finding in spans:
        if start < pos:
            continue  # overlaps a longer or earlier replacement
        out += [text[pos:start], PLACEHOLDERS[finding.kind]]
        used.add(finding.value)
        pos = end
    out.append(text[pos:])
    return "".join(out), used


def redact_text(text: str, findings: list[Finding], *, python: bool = False) -> str:
    """The text with its findings replaced (`replace_findings` without the values)."""
    return replace_findings(text, findings, python=python)[0]


def parses(code: str) -> bool:
    """Python 3 code that `ast` parses (warnings about escapes are not errors)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def count_kinds(findings: Iterable[Finding]) -> dict[str, int]:
    counts = Counter(f.kind for f in findings)
    return {k: counts[k] for k in KINDS if counts[k]}


@dataclass(frozen=True)
class Redaction:
    """What `redact` did to one sample or record: the item (redacted and tagged, or as it was),
    the findings replaced by kind, and the reason to drop it (None: keep)."""
    item: Any = field(repr=False)
    counts: dict[str, int]
    reason: str | None = None
    detail: str = ""

    @property
    def changed(self) -> bool:
        return bool(self.counts)


def _is_python(item: Any) -> bool:
    return str(getattr(item, "lang", "") or "").lower().startswith("python")


def redact(scrubber: Scrubber, item: Any, mode: str = "redact") -> Redaction:
    """The one pure function of redaction, for a RepairSample, a CommitRecord or a JudgeRecord alike.

    Every text field the item has (contents, subject, message, instruction, a judge record's
    original code) is scanned together and replaced by the rules of the module docstring. When
    something is replaced: in mode "drop" the reason is the first kind's (`contains_key`, ...);
    when Python code that parsed no longer parses, the reason is `redaction_breaks_syntax`;
    otherwise the item comes back with its fields replaced, the tag `redacted` (tags kept sorted and
    unique) and, for a sample, its diff recomputed. Values never reach the detail."""
    names = [n for n in TEXT_FIELDS + ORIGINAL_CODE_FIELDS if isinstance(getattr(item, n, None), str)]
    texts = {n: getattr(item, n) for n in names}
    findings = scrubber.find(texts.values())
    if not findings:
        return Redaction(item, {})
    python = _is_python(item)
    changes: dict[str, str] = {}
    used: set[str] = set()
    for name, text in texts.items():
        new, replaced = replace_findings(text, findings, python=python and name in CODE_FIELDS)
        if replaced:
            changes[name] = new
            used |= replaced
    counts = count_kinds(f for f in findings if f.value in used)
    if not counts:
        return Redaction(item, {})
    detail = ", ".join(f"{k} x{n}" for k, n in counts.items())
    if mode == "drop":
        first = next(k for k in KINDS if k in counts)
        return Redaction(item, counts, DROP_REASONS[first], detail)
    broken = [n for n in changes if python and n in CODE_FIELDS and parses(texts[n]) and not parses(changes[n])]
    if broken:
        return Redaction(item, counts, BREAKS_SYNTAX, f"{detail}; would not parse: {', '.join(broken)}")
    if hasattr(item, "tags"):
        changes["tags"] = sorted(set(item.tags or []) | {REDACTED_TAG})
    redacted = replace(item, **changes)
    if hasattr(item, "diff") and ("old_contents" in changes or "new_contents" in changes):
        redacted = with_diff(redacted)
    return Redaction(redacted, counts)


def redact_sample(sample: Any, findings: list[Finding]) -> Any:
    """The sample with the same replacements in every text field, and its diff recomputed (the
    findings given, not scanned: `redact` is what the stages use)."""
    if not findings:
        return sample
    python = _is_python(sample)
    changes = {name: redact_text(getattr(sample, name), findings, python=python and name in CODE_FIELDS)
               for name in TEXT_FIELDS}
    redacted = replace(sample, **changes)
    if changes["old_contents"] != sample.old_contents or changes["new_contents"] != sample.new_contents:
        redacted = with_diff(redacted)
    return redacted


# -------------------------------------------------------------------------------------------- Beam

class _ScrubFn(StageDoFn):
    """Samples (stage assembly.secrets, counted under each sample's source) or, with `records`,
    source records (stage `<source>.secrets`). Both go through `redact`."""

    def __init__(self, cfg: SecretsConfig, records: bool = False) -> None:
        super().__init__(STAGE)
        self._cfg = cfg
        self._records = records

    def setup(self) -> None:
        super().setup()
        self._scrubber = Scrubber(self._cfg)
        self._counters: dict[str, Any] = {}

    def _count(self, name: str, n: int = 1) -> None:
        counter = self._counters.get(name)
        if counter is None:
            counter = self._counters[name] = Metrics.counter(FINDINGS_NAMESPACE, name)
        counter.inc(n)

    def process(self, item: Any) -> Iterator[Any]:
        if self._records:
            name = record_stage(item.source)
            stage = self.stage(source=item.source, name=name)
            key, repo, redacted = item.id, ",".join(item.repos or []), "records_redacted"
        else:
            name = STAGE
            stage = self.stage(item.source)
            key, repo, redacted = item.id, item.group, "samples_redacted"
        stage.incoming()
        result = redact(self._scrubber, item, self._cfg.mode)
        for kind, n in result.counts.items():
            self._count(f"{name}/{kind}", n)
        if result.reason is not None:
            yield stage.reject(result.reason, key=key, repo=repo, detail=result.detail)
            return
        if result.changed:
            self._count(f"{name}/{redacted}")
        stage.kept()
        yield result.item


def record_stage(source: str) -> str:
    """The stage that redacts a source's records in a run that stops after the sources."""
    return f"{source}.secrets"


class ScrubSecrets(beam.PTransform):
    """PCollection[RepairSample] -> outputs `kept` and REJECTS (stage assembly.secrets).

    mode "off" is a pass-through that still counts in = kept, so the funnel keeps its shape."""

    def __init__(self, cfg: SecretsConfig) -> None:
        super().__init__()
        self._cfg = cfg

    def expand(self, samples: beam.PCollection) -> beam.pvalue.DoOutputsTuple:
        cfg = self._cfg
        if cfg.mode == "off":
            cfg = replace(cfg, keys=False, emails=False, ip_addresses=False)
        return samples | "Scrub" >> beam.ParDo(_ScrubFn(cfg)).with_outputs(REJECTS, main="kept")


class RedactRecords(beam.PTransform):
    """PCollection[CommitRecord | JudgeRecord] -> outputs `kept` and REJECTS (stage `<source>.secrets`,
    e.g. git.secrets, judge.secrets): what a run that stops after its sources writes is redacted
    as the corpus is, by the same `redact`.

    mode "off" is a pass-through that still counts in = kept; the build leaves the stage out then."""

    def __init__(self, cfg: SecretsConfig, label: str | None = None) -> None:
        super().__init__(label)
        self._cfg = cfg

    def expand(self, records: beam.PCollection) -> beam.pvalue.DoOutputsTuple:
        cfg = self._cfg
        if cfg.mode == "off":
            cfg = replace(cfg, keys=False, emails=False, ip_addresses=False)
        return records | "Scrub" >> beam.ParDo(_ScrubFn(cfg, records=True)).with_outputs(REJECTS, main="kept")


def finding_counts(metrics_result: Any) -> dict[str, int]:
    """{kind: findings, "samples_redacted": n} from a PipelineResult, for the manifest."""
    query = metrics_result.query(beam.metrics.MetricsFilter().with_namespace(FINDINGS_NAMESPACE))
    out: dict[str, int] = {}
    for result in query["counters"]:
        _, _, name = result.key.metric.name.rpartition("/")
        value = result.committed if result.committed is not None else result.attempted
        out[name] = out.get(name, 0) + int(value or 0)
    return dict(sorted(out.items()))
