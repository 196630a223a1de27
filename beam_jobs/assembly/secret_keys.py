"""Keys in a text: which values detect-secrets' plugins find, and on which lines they run at all.
The finding rules as a whole (keys, emails, IP addresses) are in secret_finders.py's docstring.

Keys are found with detect-secrets, the scanner BigCode used for The Stack, with BigCode's choice of
plugins and heuristic filters (API keys and tokens of known services, plus quoted high-entropy
base64 and hex strings), and three changes:
- the Private Key plugin is on, and a whole PEM block's body is a finding, not just its header line
  (up to its END line, also on one line with "\\n" escapes);
- the Basic Auth plugin is on (a password in a URL is a credential), for passwords of 8 characters
  or more of letters and digits;
- high-entropy strings count only as the value of an assignment, a keyword argument or a mapping
  key (`token = "..."`, `f(key="...")`, `"secret": "..."`), and not when they look like a hash next
  to the word sha/md5/hash/digest/checksum (BigCode's `is_hash`), a path or a URL: entropy alone
  flags every test vector and checksum. BigCode used a gibberish model for the same purpose; this
  keeps the dependency list short.

Speed (issue 18): a plugin runs only on the lines its gate lets through, a necessary condition derived
from the plugin's own patterns and checked against them when the scanner is built; the lines are
found on the whole text at once, by passes that each start with a literal (what Python's re searches
fast). tests/assembly/test_secret_gates.py checks the findings equal, value by value, those of the
scan before (every plugin on every line) on real code with secrets of every kind planted in it. The
gates live here, beside the plugin list and the rules they are derived for: a new plugin or pattern
without a checked derivation is run on every line.
"""
from __future__ import annotations

import itertools
import math
import re
from typing import Any, Iterable

from config.assembly import SecretsConfig
from filters.chunks import ChunkMemo, chunks

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
# produce a finding from the plugins above; it is skipped, as before the gates below (now checked first).
_MAYBE_SECRET = re.compile(r"[A-Za-z0-9_\-+/=.]{16}|://[^\s/@]+:[^\s/@]+@|PRIVATE KEY|PuTTY-User-Key")
_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-+/=.~")
# The value of an assignment, keyword argument or mapping entry: what precedes the opening quote.
ASSIGNED_VALUE = re.compile(r"(?:(?<![=!<>])=|:)\s*[rRbBuUfF]{0,2}$")
_HASH_WORDS = ("sha", "md5", "hash", "digest", "checksum", "crc", "fingerprint", "byte")
_PEM_BEGIN = re.compile(r"-----BEGIN ([A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?)-----")
# A body run; a run right after a backslash starts with the escape's letter ("\\nMIIE..."), kept out.
_PEM_BODY_RUN = re.compile(r"(?:(?<=\\).)?([A-Za-z0-9+/=]{16,})")
# A string escape: what follows a backslash belongs to it, never to a key around it.
ESCAPE = re.compile(r"\\(?:x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|N\{[^}]*\}|[0-7]{1,3}|.)")
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
        for m in ESCAPE.finditer(line):
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


def is_character_set(value: str) -> bool:
    """Distinct characters in at most three rising runs, such as the alphabet a program draws from
    ("abcdefghijklmopqrstuvwxyz0123456789" in ipython's tests, whose missing "n" defeats
    detect-secrets' `is_sequential_string`; letters, capitals and digits make three runs): a charset,
    not a key. 16 random distinct characters fall in three rising runs or fewer with odds of about
    two in a million (Eulerian numbers), and real keys are longer."""
    if len(value) < 16 or len(set(value)) != len(value):
        return False
    return sum(1 for a, b in zip(value, value[1:]) if b < a) <= 2


def _heuristic_false_positive(value: str, line: str, plugin: Any) -> bool:
    from detect_secrets.filters import heuristic

    return (heuristic.is_potential_uuid(value) or heuristic.is_likely_id_string(value, line, plugin)
            or heuristic.is_templated_secret(value) or heuristic.is_sequential_string(value)
            or heuristic.is_not_alphanumeric_string(value) or is_character_set(value))


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


# Which lines can hold a key ------------------------------------------------------------------------
#
# Running every plugin on every line was most of a scan's cost (issue 18). A line now reaches a
# plugin only when the plugin's gate matches it: a necessary condition derived from the plugin's own
# patterns below, and checked against them when the scanner is built. A pattern whose derivation
# does not check out (after a detect-secrets upgrade, say) leaves its plugin ungated, run on every
# line as before: the derivations decide the speed, never the findings.
# - A str drops a leading run of whole items from a pattern: '(?:\s|=|:|"|^)' leaves 'AKC...'
#   ("" keeps the whole pattern). Every match of the pattern holds a match of the rest, on its line.
# - _Needs names a mandatory top-level item of the pattern (the pattern has no top-level "|"). Every
#   match holds the item, so one of the leading literals of the item's alternatives, in some case
#   ("key", "pwd", ... of '(?:key|pwd|...)'); from the item on, the pattern is also a gate as above.
class _Needs(str):
    pass


_GATES: dict[str, tuple[str, ...]] = {
    "ArtifactoryDetector": (r'(?:\s|=|:|"|^)', r'(?:\s|=|:|"|^)'),
    "AWSKeyDetector": ("", _Needs("(?:key|pwd|pw|password|pass|token)")),
    "AzureStorageKeyDetector": ("",),
    "BasicAuthDetector": ("",),
    "CloudantDetector": (_Needs("(?:key|pwd|pw|password|pass|token)"),) * 2 + (_Needs(r"\.cloudant\.com"),) * 2,
    "DiscordBotTokenDetector": (r"[MNO][a-zA-Z\d_-]{23,25}",),
    "GitHubTokenDetector": ("",),
    "GitLabTokenDetector": ("",) * 7,
    "IbmCloudIamDetector": (_Needs("(?:key|pwd|password|pass|token)"),),
    "IbmCosHmacDetector": (_Needs("(?:secret[-_]?(?:access)?[-_]?key)"),),
    "JwtTokenDetector": ("",),
    "MailchimpDetector": ("[0-9a-z]{32}",),
    "NpmDetector": (r"\/\/.+",),
    "OpenAIDetector": ("",),
    "PrivateKeyDetector": ("",) * 8,
    "PypiTokenDetector": ("",) * 2,
    "SendGridDetector": ("",),
    "SlackDetector": (_Needs("xox"), _Needs(r"https://hooks\.slack\.com/services/T")),
    "SoftlayerDetector": (_Needs("(?:key|pwd|password|pass|token)"), _Needs("softlayer")),
    "SquareOAuthDetector": ("",),
    "StripeDetector": ("(?:r|s)",),
    "TelegramBotTokenDetector": (r"\d{8,10}",),
    "TwilioKeyDetector": ("",) * 2,
}
_FLAG_LETTERS = {re.IGNORECASE: "i", re.MULTILINE: "m", re.DOTALL: "s", re.VERBOSE: "x", re.ASCII: "a"}
# What a gate may assert and still match the whole text wherever it matches a line alone (lines
# are found on the whole text, in re.MULTILINE, so "^" and "$" are a line's ends and "\n" is as
# much a non-word character as a line's end): no \A or \Z, no negative lookbehind, and negative
# lookaheads only of one character class that a newline is not in.
_LINE_UNSAFE = re.compile(r"\\[AZ]|\(\?<!|\(\?!(?!(?:\\w|\[(?!\^)[^\]\\]*\])\))")


def _whole_items(pattern: str) -> bool:
    """Whether a regex text is a run of whole items of a concatenation: its groups and classes
    close, it ends on no lone backslash and no "|" stands outside a group."""
    depth, i = 0, 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 1
        elif c == "[":
            i += 2 if pattern[i + 1:i + 2] == "^" else 1
            i += 1 if pattern[i:i + 1] == "]" else 0
            while i < len(pattern) and pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
        elif c in "()":
            depth += 1 if c == "(" else -1
            if depth < 0:
                return False
        elif c == "|" and depth == 0:
            return False
        i += 1
    return i == len(pattern) and depth == 0


def _rest_after(pattern: re.Pattern, prefix: str) -> str | None:
    """The pattern without a leading run of whole items, with its flags inline; None when that is
    not what `prefix` is, or the rest cannot stand alone (a backreference, a quantifier first)."""
    text = pattern.pattern
    if not text.startswith(prefix) or not _whole_items(prefix) or pattern.flags & ~(re.UNICODE | sum(_FLAG_LETTERS)):
        return None
    rest = text[len(prefix):]
    if pattern.flags & re.VERBOSE and (re.search(r"[\s#]", text)):
        return None  # spaces and comments would need reading as VERBOSE does
    if not rest or rest[0] in "*+?{" or re.search(r"\\[1-9]|\(\?P=|\(\?\(", rest):
        return None
    letters = "".join(letter for flag, letter in _FLAG_LETTERS.items() if pattern.flags & flag)
    gate = f"(?{letters}:{rest})" if letters else rest
    try:
        re.compile(gate)
    except re.error:
        return None
    return gate


def _leading_literals(item: str) -> list[str] | None:
    """The literal each alternative of an item starts with ("(?:key|pwd)": key, pwd; "xox": xox),
    lowercased; None when an alternative starts with no ASCII literal."""
    inner = item[3:-1] if item.startswith("(?:") and item.endswith(")") and _whole_items(item) else item
    alternatives, depth, start = [], 0, 0
    for i, c in enumerate(inner):  # split at top-level "|" (the items here hold no escaped parens)
        depth += (c == "(") - (c == ")")
        if c == "|" and depth == 0:
            alternatives.append(inner[start:i])
            start = i + 1
    alternatives.append(inner[start:])
    out = []
    for alternative in alternatives:
        run = re.match(r"(?:[A-Za-z0-9_/:\-]|\\[^A-Za-z0-9])*", alternative).group(0)
        if alternative[len(run):len(run) + 1] in ("*", "+", "?", "{"):  # a quantifier takes the last one
            run = run[:-2] if run.endswith("\\", 0, len(run) - 1) else run[:-1]
        literal = re.sub(r"\\(.)", r"\1", run).lower()
        if not literal or not literal.isascii():
            return None
        out.append(literal)
    return out


def _needed(pattern: re.Pattern, item: str) -> tuple[list[str], str] | None:
    """(the item's leading literals, the pattern from the item on) for a _Needs derivation; None
    when the item is not a mandatory top-level item of the pattern."""
    text = pattern.pattern
    at = text.find(item)
    after = text[at + len(item):at + len(item) + 1]
    if at < 0 or not _whole_items(text) or not _whole_items(item) or after in ("*", "+", "?", "{"):
        return None
    literals, rest = _leading_literals(item), _rest_after(pattern, text[:at])
    return (literals, rest) if literals and rest else None


def entropy_floor(limit: float) -> int:
    """The length a string needs before detect-secrets' Shannon entropy can exceed `limit`.

    Proof. For a string of n characters of the plugin's charset, the plugin computes
    H = -sum(p_x * log2(p_x)) over the charset's characters x (none listed twice; checked where the
    gate is built), p_x = count(x) / n. With k distinct characters, H <= log2(k) (Gibbs'
    inequality; equal when all are equally frequent) and k <= n, so H <= log2(n); the hex plugin
    only ever subtracts from H (for all-digit strings). In floating point the computed H exceeds the
    true one by less than 1e-12 for n <= 256 (at most n terms, each within a few ulps of a value
    below 1). Every n below the result satisfies n <= 2**(limit - 1e-9), so its computed H is at
    most limit - 1e-9 + 1e-12 < limit: no finding. (limit <= 8, the plugin's own bound, so n <= 256.)"""
    return math.floor(2 ** (limit - 1e-9)) + 1


def _entropy_gate(charset: str, floor: int) -> str:
    """A quoted run of `floor` or more characters of `charset`, a digit and a letter among them (one
    alternative a quote character: each starts with a literal, which Python's re finds fast).

    An entropy plugin's regex is a quote, a run of its charset, the same quote (checked where the
    gate is built); what our rules keep of its findings is such a whole run that is `_mixed` and
    whose entropy exceeds the limit, so at least `entropy_floor(limit)` long. Quotes and newlines
    are in no charset, so a run ends where the plugin's does."""
    chars = f"[{re.escape(charset)}]"
    return "|".join(f"{q}(?={chars}{{{floor}}})(?={chars}*[0-9])(?={chars}*[A-Za-z]){chars}+{q}" for q in "'\"")


def _entropy_checked(plugin: Any) -> tuple[str, int] | None:
    """(charset, floor) of an entropy plugin whose charset and regex are as `_entropy_gate` says."""
    charset = getattr(plugin, "charset", "")
    pattern = getattr(getattr(plugin, "regex", None), "pattern", None)
    if (not charset or len(set(charset)) != len(charset) or not charset.isascii() or set("'\"\n\r") & set(charset)
            or pattern != r'([\'"])([{}]+)(\1)'.format(re.escape(charset))):
        return None
    return charset, entropy_floor(plugin.entropy_limit)


def _lowered(text: str) -> str | None:
    """The text lowercased where that keeps every offset and turns whatever IGNORECASE takes for an
    ASCII letter into that letter (all but İ, ı and ſ: tested over every code point); else None."""
    if text.isascii():
        return text.lower()
    lowered = text.lower()
    return lowered if len(lowered) == len(text) and "ı" not in text and "ſ" not in text else None


def _flag_lines(gate: re.Pattern, subject: str, bit: int, spans: dict[int, list[int]]) -> None:
    """Mark (in spans: line start -> [line end, bits]) every line of `subject` on which a match of
    `gate` starts or runs. After a match, the search resumes at the next line not marked: a line
    with a match of its own is never skipped (a match's lines are marked; the search before it
    found nothing leftwards of that match)."""
    pos, n = 0, len(subject)
    while pos <= n:
        m = gate.search(subject, pos)
        if m is None:
            return
        start, last = subject.rfind("\n", 0, m.start()) + 1, max(m.start(), m.end() - 1)
        while True:
            end = subject.find("\n", start)
            end = n if end < 0 else end
            spans.setdefault(start, [end, 0])[1] |= bit
            if end >= last:
                break
            start = end + 1
        pos = end + 1


_BY_PATTERN, _BY_LITERAL = 1, 2
# Texts from this size are scanned in chunks of at least _CHUNK_MIN characters, whose findings are
# kept (about 4 MB of text per scanner: some forty versions of a large module).
_CHUNKED_FROM = 2_048
_CHUNK_MIN = 1_024
_CHUNK_CHARS = 4_000_000  # the pass that found a line: a pattern's, or a literal's


def _passes(gates: list[str]) -> list[re.Pattern]:
    """Whole-text passes for the gates: one per gate, but gates that start with the same literal
    character share one. Python's re finds a pattern's literal first character fast, and tries
    every alternative at every character of the text when they do not share it."""
    groups: dict[str, list[str]] = {}
    for gate in gates:
        lead = gate[1] if gate[:1] == "\\" and not gate[1:2].isalnum() else gate[:1]
        groups.setdefault(lead if lead.isalnum() or lead in "-_:./'\"" else gate, []).append(gate)
    return [re.compile("|".join(group), re.MULTILINE) for group in groups.values()]


class KeyScanner:
    """detect-secrets plugins run line by line, without its global settings or its logging, each
    only on the lines its gate lets through."""

    def __init__(self, cfg: SecretsConfig) -> None:
        self._keys, self._entropy = _plugins(cfg)
        # per plugin: (plugin, its gate on one line or None: ungated, the passes that find its lines)
        self._checks: list[tuple[Any, re.Pattern | None, int]] = []
        whole: list[str] = []
        literals: set[str] = set()
        for plugin in self._keys:
            gates, bits = self._derive(plugin, whole, literals)
            self._checks.append((plugin, re.compile("|".join(gates)) if gates else None, bits))
        # The entropy plugins share one pass: the union of their charsets, the lower floor.
        checked = [_entropy_checked(plugin) for plugin in self._entropy]
        for plugin, charset_floor in zip(self._entropy, checked):
            self._checks.append((plugin, re.compile(_entropy_gate(*charset_floor)) if charset_floor else None,
                                 _BY_PATTERN))
        if all(checked):
            union = "".join(sorted(set("".join(charset for charset, _ in checked))))
            whole.extend(_entropy_gate(union, min(floor for _, floor in checked)).split("|"))
        self._gated = all(gate is not None for _, gate, _ in self._checks)
        # The gate of the one plugin whose findings reach past their line (a PEM body). None when some
        # plugin is ungated or that one is not run: every text is then scanned whole (`scan`).
        self._multiline = next((gate for plugin, gate, _ in self._checks
                                if type(plugin).__name__ == "PrivateKeyDetector"), None) if self._gated else None
        self._chunk_findings: ChunkMemo[tuple[tuple[str, bool], ...]] = ChunkMemo(_CHUNK_CHARS)
        self._whole = _passes(whole)
        # A literal holding another needs no pass of its own ("password" holds "pass").
        needed = sorted(lit for lit in literals if not any(other != lit and other in lit for other in literals))
        self._literals = [re.compile(re.escape(lit)) for lit in needed]
        self._literals_anycase = re.compile("(?i:" + "|".join(map(re.escape, needed)) + ")") if needed else None

    @staticmethod
    def _derive(plugin: Any, whole: list[str], literals: set[str]) -> tuple[list[str], int]:
        """The plugin's gates on one line and the passes that find its lines; ([], 0): ungated."""
        derivations = _GATES.get(type(plugin).__name__, ())
        denylist = list(getattr(plugin, "denylist", ()))
        if len(derivations) != len(denylist) or not denylist:
            return [], 0
        gates, plugin_whole, plugin_literals, bits = [], [], set(), 0
        for pattern, derivation in zip(denylist, derivations):
            if isinstance(derivation, _Needs):
                needed = _needed(pattern, derivation)
                if needed is None:
                    return [], 0
                plugin_literals.update(needed[0])
                gates.append(needed[1])
                bits |= _BY_LITERAL
            else:
                gate = _rest_after(pattern, derivation)
                if gate is None or _LINE_UNSAFE.search(gate):
                    return [], 0
                gates.append(gate)
                plugin_whole.append(gate)
                bits |= _BY_PATTERN
        whole.extend(plugin_whole)
        literals.update(plugin_literals)
        return gates, bits

    def _candidates(self, text: str) -> Iterable[tuple[int, int, int]]:
        """(start, end, passes) of the lines some gate may let through, in order; every line when
        some plugin is ungated."""
        if not self._gated:
            start = 0
            for line in text.split("\n"):
                yield start, start + len(line), _BY_PATTERN | _BY_LITERAL
                start += len(line) + 1
            return
        spans: dict[int, list[int]] = {}
        for gate in self._whole:
            _flag_lines(gate, text, _BY_PATTERN, spans)
        lowered = _lowered(text) if self._literals else None
        if lowered is not None:  # the same offsets as the text
            for gate in self._literals:
                _flag_lines(gate, lowered, _BY_LITERAL, spans)
        elif self._literals_anycase is not None:
            _flag_lines(self._literals_anycase, text, _BY_LITERAL, spans)
        for start in sorted(spans):
            yield start, spans[start][0], spans[start][1]

    def scan(self, text: str) -> dict[str, bool]:
        """{value: anywhere}: True for values only a key looks like, False for URL passwords.

        Scanned chunk by chunk (filters/chunks.py), each chunk's findings kept: a record's two
        versions share most of their chunks, and the versions of a file come back commit after
        commit. The same findings: every plugin decides on one line (its gate on that line, the line
        itself, our rules on the line), and a line flagged only because a pass's match ran onto it from
        the line before has no match of its own, so no plugin runs on it in either case; a value
        found as a key anywhere stays one (True wins, as within one text). Only a PEM body reaches past its line: a text
        where the private-key plugin's gate matches anywhere is scanned whole."""
        if len(text) < _CHUNKED_FROM or self._multiline is None or self._multiline.search(text):
            return self._scan(text)
        found: dict[str, bool] = {}
        for chunk in chunks(text, _CHUNK_MIN):
            for value, anywhere in self._chunk_findings.value(chunk, self._scan_items):
                found[value] = found.get(value, False) or anywhere
        return found

    def _scan_items(self, chunk: str) -> tuple[tuple[str, bool], ...]:
        return tuple(self._scan(chunk).items())

    def _scan(self, text: str) -> dict[str, bool]:
        found: dict[str, bool] = {}
        lines: list[str] | None = None
        number, counted = 0, 0
        for start, end, passes in self._candidates(text):
            line = text[start:end]
            if len(line) > 4000 or not _MAYBE_SECRET.search(line):
                continue  # minified or data lines are dropped upstream; never regex a megabyte line
            number += text.count("\n", counted, start)
            counted = start
            for plugin, gate, plugin_passes in self._checks:
                if gate is not None and not (plugin_passes & passes and gate.search(line)):
                    continue
                secrets = plugin.analyze_line(filename="sample.py", line=line, line_number=number + 1)
                if secrets and lines is None and type(plugin).__name__ == "PrivateKeyDetector":
                    lines = text.split("\n")
                self._keep(plugin, secrets, line, lines, number, found)
        return found

    def _keep(self, plugin: Any, secrets: Iterable[Any], line: str, lines: list[str] | None, number: int,
              found: dict[str, bool]) -> None:
        """Our rules on one plugin's secrets in one line (`lines`: the text's, for a PEM body)."""
        name = type(plugin).__name__
        for secret in secrets:
            value = secret.secret_value or ""
            if any(plugin is entropy for entropy in self._entropy):
                at = line.find(value)
                if at <= 0 or not ASSIGNED_VALUE.search(line[:at - 1]):
                    continue
                if (not _mixed(value) or _looks_like_hash_or_path(value, line)
                        or _heuristic_false_positive(value, line, plugin)):
                    continue
                found[value] = True
            elif name == "PrivateKeyDetector":
                found.update(dict.fromkeys(_pem_values(lines or [], number), True))
            elif name == "BasicAuthDetector":
                if _password_like(value) and not _heuristic_false_positive(value, line, plugin):
                    found.setdefault(value, False)
            else:
                value = _expand(line, value)
                if len(value) >= 8 and not _heuristic_false_positive(value, line, plugin):
                    found[value] = True
