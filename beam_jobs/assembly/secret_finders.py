"""What is a secret: keys, email addresses and IP addresses found in a text (the redaction itself
is beam_jobs/assembly/secrets.py).

Keys are found with detect-secrets, the scanner BigCode used for The Stack, with BigCode's choice of
plugins and heuristic filters (API keys and tokens of known services, plus quoted high-entropy
base64 and hex strings), and three changes:
- the Private Key plugin is on, and a whole PEM block's body is a finding, not just its header line
  (up to its END line, also on one line with "\\n" escapes);
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

A URL password (Basic Auth) is a finding only with 8 characters or more of letters and digits:
`user:password@`, `scott:tiger@` and `user:pass@` are the placeholders of documentation and tests.
An email is never found in a URL's userinfo (`http://user:pass@host`, `ftp://anonymous@host`).
Each `Finding` says whether its value may be replaced anywhere (a value only a key looks like) or
only where it stands as a value (a URL password); secrets.py decides the places.

The key scanner and its per-plugin line gates are in secret_keys.py. Speed (issue 18): emails are
looked for around each "@", IP addresses only on lines holding ".<digit>" or two colons;
tests/assembly/test_secret_gates.py checks the findings equal, value by value, those of the scan
before on real code with secrets of every kind planted in it.
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from beam_jobs.assembly.secret_keys import ESCAPE, KeyScanner
from config.assembly import SecretsConfig

KEY = "KEY"
EMAIL = "EMAIL"
IP_ADDRESS = "IP_ADDRESS"
KINDS = (KEY, EMAIL, IP_ADDRESS)


@dataclass(frozen=True)
class Finding:
    kind: str
    value: str = field(repr=False)
    # True: replaced wherever it occurs (a value only a key looks like); False: a URL password,
    # replaced only where it stands as a value (URL userinfo, a whole assigned string).
    anywhere: bool = True

    def __repr__(self) -> str:  # the value must never reach a log line
        return f"Finding({self.kind}, {len(self.value)} chars)"


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


def after_escape(text: str, at: int) -> int:
    """`at`, or the end of the string escape it falls inside ("\\001Z@host": the address is "Z@host",
    the "01" belongs to the escape)."""
    lookback = max(0, at - 10)
    if "\\" not in text[lookback:at]:
        return at
    for e in ESCAPE.finditer(text, lookback, at + 10):
        if e.start() < at < e.end():
            return e.end()
    return at


def ends_an_escape(text: str, at: int) -> bool:
    """Whether a string escape ends right before position `at` ("\\njane@...")."""
    lookback = max(0, at - 10)
    return "\\" in text[lookback:at] and any(e.end() == at for e in ESCAPE.finditer(text, lookback, at))


def _email_matches(text: str) -> Iterator[re.Match]:
    """The matches of `_EMAIL.finditer(text)`, looked for only around each "@" (the pattern would
    try its lookbehind and local part at every character of the text).

    A match holds one "@" and no newline, and starts at most 64 characters before its "@". Let `at`
    be the first "@" from `pos` (where the previous match ended): a match starting before `at`
    holds it, so starts on its line and at most 64 characters before it. Searching from there to
    the line's end (where the pattern's lookahead sees what it sees at a newline) finds the next
    match when it starts on that line; when nothing is found, none starts before the line's end."""
    pos, at = 0, text.find("@")
    while at >= 0:
        line_end = text.find("\n", at)
        line_end = len(text) if line_end < 0 else line_end
        m = _EMAIL.search(text, max(pos, at - 64, text.rfind("\n", 0, at) + 1), line_end)
        if m is None:
            pos = line_end
        else:
            yield m
            pos = m.end()
        at = text.find("@", pos)


def find_emails(text: str) -> set[str]:
    found: set[str] = set()
    for m in _email_matches(text):
        local, domain = m.group(1), m.group(2)
        tld = domain.rsplit(".", 1)[-1].lower()
        if tld in FILE_SUFFIXES or not (len(tld) == 2 or tld in GENERIC_TLDS):
            continue
        if _is_doc_domain(domain) or local.lower() in _CLONE_USERS:
            continue
        if in_url_userinfo(text, m.start()):
            continue
        start = after_escape(text, m.start())  # "Mail:\\njane@...": the "n" is the escape's
        if start < m.start(2) - 1:
            found.add(text[start:m.end()])
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


# What every match holds, so the lines worth a look: a dot and a digit (an IPv4 address's octets
# start with a digit), two colons with up to four hex digits between them (an IPv6 address's
# `(?:[0-9A-Fa-f]{0,4}:){2,7}`). Both start with a literal, which Python's re finds fast.
_IPV4_LINES = re.compile(r"\.\d")
_IPV6_LINES = re.compile(r":[0-9A-Fa-f]{0,4}:")


def _lines_with(gate: re.Pattern, text: str) -> Iterator[str]:
    """The lines of the text that hold a match of `gate` (a pattern that matches no newline)."""
    pos = 0
    while (m := gate.search(text, pos)) is not None:
        end = text.find("\n", m.end())
        yield text[text.rfind("\n", 0, m.start()) + 1:len(text) if end < 0 else end]
        if end < 0:
            return
        pos = end + 1


def find_ips(text: str) -> set[str]:
    found = set()
    for line in _lines_with(_IPV4_LINES, text):
        for m in _IPV4.finditer(line):
            value = m.group(0)
            if _publishable_ip(value):
                continue
            if all(len(p) == 1 for p in value.split(".")) and not _IP_CONTEXT.search(line):
                continue  # 1.2.3.4 is a version number more often than an address
            found.add(value)
    for line in _lines_with(_IPV6_LINES, text):
        if "::" in line or line.count(":") >= 5:
            for m in _IPV6.finditer(line):
                value = m.group(0)
                groups = [g for g in value.split(":") if g]
                if len(groups) < 3 or _publishable_ip(value):
                    continue
                found.add(value)
    return found


class Scrubber:
    """Find and replace; pure apart from detect-secrets' plugin objects, built once per worker, at
    the first text: importing detect-secrets and deriving the gates is 0.2 CPU-s, which a stage that
    never sees a record (as in a run that keeps nothing) need not pay."""

    def __init__(self, cfg: SecretsConfig) -> None:
        self.cfg = cfg
        self._scanner: KeyScanner | None = None

    @property
    def _keys(self) -> KeyScanner | None:
        if self._scanner is None and self.cfg.keys:
            self._scanner = KeyScanner(self.cfg)
        return self._scanner

    def find(self, texts: Iterable[str]) -> list[Finding]:
        """Distinct findings over all texts; a value found as a key is not also an email or IP, and
        a value some text shows as a key of a known shape is replaced anywhere."""
        kinds: dict[str, str] = {}
        anywhere: dict[str, bool] = {}
        for text in texts:
            if not text:
                continue
            keys = self._keys
            if keys is not None:
                for v, everywhere in keys.scan(text).items():
                    kinds[v] = KEY
                    anywhere[v] = anywhere.get(v, False) or everywhere
            if self.cfg.emails:
                for v in find_emails(text):
                    kinds.setdefault(v, EMAIL)
            if self.cfg.ip_addresses:
                for v in find_ips(text):
                    kinds.setdefault(v, IP_ADDRESS)
        return [Finding(kinds[v], v, anywhere.get(v, True)) for v in sorted(kinds)]
