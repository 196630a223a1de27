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

Each finding is replaced by `<KEY>`, `<EMAIL>` or `<IP_ADDRESS>` everywhere it occurs in the sample:
old and new code, subject, message and instruction are scanned together and the union of findings
is replaced in all of them, so the diff is unaffected. Or the sample is dropped (`mode: drop`).
Findings are counted by kind in the `repairpack.findings` Beam namespace; a finding's value is never
logged, put in a reject detail or printed by repr().
"""
from __future__ import annotations

import ipaddress
import re
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


@dataclass(frozen=True)
class Finding:
    kind: str
    value: str = field(repr=False)

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
_PEM_BODY_RUN = re.compile(r"[A-Za-z0-9+/=]{16,}")
_PEM_MAX_LINES = 200


def _plugins(cfg: SecretsConfig) -> tuple[list[Any], list[Any]]:
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    by_name = {cls.__name__: cls for cls in get_mapping_from_secret_type_to_class().values()}
    keys = [by_name[name]() for name in KEY_PLUGINS if name in by_name]
    entropy = [by_name["Base64HighEntropyString"](limit=cfg.base64_limit),
               by_name["HexHighEntropyString"](limit=cfg.hex_limit)]
    return keys, entropy


def _expand(line: str, value: str) -> str:
    """The whole token around a plugin's value: some plugins report only a prefix group ("ghp")."""
    start = line.find(value)
    if start < 0:
        return value
    end = start + len(value)
    while start > 0 and line[start - 1] in _TOKEN_CHARS:
        start -= 1
    while end < len(line) and line[end] in _TOKEN_CHARS:
        end += 1
    return line[start:end]


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


def _pem_values(lines: list[str], start: int) -> set[str]:
    """Base64 runs of the PEM body that starts at line `start`, up to its END line."""
    begin = _PEM_BEGIN.search(lines[start])
    label = begin.group(1) if begin else ""
    out: set[str] = set()
    for line in lines[start + 1:start + 1 + _PEM_MAX_LINES]:
        if f"-----END {label}-----" in line or "-----END" in line:
            break
        out.update(_PEM_BODY_RUN.findall(line))
    return out


class KeyScanner:
    """detect-secrets plugins run line by line, without its global settings or its logging."""

    def __init__(self, cfg: SecretsConfig) -> None:
        self._keys, self._entropy = _plugins(cfg)

    def scan(self, text: str) -> set[str]:
        found: set[str] = set()
        lines = text.split("\n")
        for number, line in enumerate(lines):
            if len(line) > 4000 or not _MAYBE_SECRET.search(line):
                continue  # minified or data lines are dropped upstream; never regex a megabyte line
            for plugin in self._keys:
                for secret in plugin.analyze_line(filename="sample.py", line=line, line_number=number + 1):
                    value = secret.secret_value or ""
                    if plugin.__class__.__name__ == "PrivateKeyDetector":
                        found |= _pem_values(lines, number)
                        continue
                    value = _expand(line, value)
                    if len(value) >= 8 and not _heuristic_false_positive(value, line, plugin):
                        found.add(value)
            for plugin in self._entropy:
                for secret in plugin.analyze_line(filename="sample.py", line=line, line_number=number + 1):
                    value = secret.secret_value or ""
                    at = line.find(value)
                    if at <= 0 or not _ASSIGNED.search(line[:at - 1]):
                        continue
                    if (not _mixed(value) or _looks_like_hash_or_path(value, line)
                            or _heuristic_false_positive(value, line, plugin)):
                        continue
                    found.add(value)
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
# "scheme://user:password@host": the password is a key (Basic Auth plugin), the rest is no address.
_URL_USERINFO = re.compile(r"://[^\s/@:]*:$")


def _is_doc_domain(domain: str) -> bool:
    d = domain.lower()
    if any(d == doc or d.endswith("." + doc) for doc in DOC_DOMAINS):
        return True
    return d.rsplit(".", 1)[-1] in RESERVED_TLDS


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
        if _URL_USERINFO.search(text, max(0, m.start() - 200), m.start()):
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
        """Distinct findings over all texts; a value found as a key is not also an email or IP."""
        kinds: dict[str, str] = {}
        for text in texts:
            if not text:
                continue
            if self._keys is not None:
                for v in self._keys.scan(text):
                    kinds[v] = KEY
            if self.cfg.emails:
                for v in find_emails(text):
                    kinds.setdefault(v, EMAIL)
            if self.cfg.ip_addresses:
                for v in find_ips(text):
                    kinds.setdefault(v, IP_ADDRESS)
        return [Finding(kinds[v], v) for v in sorted(kinds)]


def redact_text(text: str, findings: list[Finding]) -> str:
    """Replace every occurrence of every finding, longest first (a key may contain an address)."""
    if not findings or not text:
        return text
    ordered = sorted(findings, key=lambda f: (-len(f.value), f.value))
    pattern = re.compile("|".join(re.escape(f.value) for f in ordered))
    placeholder = {f.value: PLACEHOLDERS[f.kind] for f in ordered}
    return pattern.sub(lambda m: placeholder[m.group(0)], text)


def redact_sample(sample: Any, findings: list[Finding]) -> Any:
    """The sample with the same replacements in every text field, and its diff recomputed."""
    if not findings:
        return sample
    changes = {name: redact_text(getattr(sample, name), findings) for name in TEXT_FIELDS}
    redacted = replace(sample, **changes)
    if changes["old_contents"] != sample.old_contents or changes["new_contents"] != sample.new_contents:
        redacted = with_diff(redacted)
    return redacted


def count_kinds(findings: Iterable[Finding]) -> dict[str, int]:
    counts = Counter(f.kind for f in findings)
    return {k: counts[k] for k in KINDS if counts[k]}


# -------------------------------------------------------------------------------------------- Beam

class _ScrubFn(StageDoFn):
    def __init__(self, cfg: SecretsConfig) -> None:
        super().__init__(STAGE)
        self._cfg = cfg

    def setup(self) -> None:
        super().setup()
        self._scrubber = Scrubber(self._cfg)
        self._findings = {kind: Metrics.counter(FINDINGS_NAMESPACE, f"{STAGE}/{kind}") for kind in KINDS}
        self._redacted = Metrics.counter(FINDINGS_NAMESPACE, f"{STAGE}/samples_redacted")

    def process(self, sample: Any) -> Iterator[Any]:
        stage = self.stage(sample.source)
        stage.incoming()
        findings = self._scrubber.find(getattr(sample, name) for name in TEXT_FIELDS)
        counts = count_kinds(findings)
        for kind, n in counts.items():
            self._findings[kind].inc(n)
        if not findings:
            stage.kept()
            yield sample
        elif self._cfg.mode == "drop":
            first = next(k for k in KINDS if k in counts)
            detail = ", ".join(f"{k} x{n}" for k, n in counts.items())
            yield stage.reject(DROP_REASONS[first], key=sample.id, repo=sample.group, detail=detail)
        else:
            self._redacted.inc()
            stage.kept()
            yield redact_sample(sample, findings)


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


def finding_counts(metrics_result: Any) -> dict[str, int]:
    """{kind: findings, "samples_redacted": n} from a PipelineResult, for the manifest."""
    query = metrics_result.query(beam.metrics.MetricsFilter().with_namespace(FINDINGS_NAMESPACE))
    out: dict[str, int] = {}
    for result in query["counters"]:
        _, _, name = result.key.metric.name.rpartition("/")
        value = result.committed if result.committed is not None else result.attempted
        out[name] = out.get(name, 0) + int(value or 0)
    return dict(sorted(out.items()))
