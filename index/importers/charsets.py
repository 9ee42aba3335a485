"""Which encoding a file's bytes are in: what the file declares, else what they look like.

`declared_encoding` reads the declaration a file makes about itself in ASCII:
an XML declaration, an HTML `<meta charset>` or `http-equiv` Content-Type in
the page's head, or an `encoding:`/`charset:` key in a Markdown/YAML front
matter. `codec_for` turns a label into a Python codec the way browsers do
(`iso-8859-1` means windows-1252, `shift_jis` the Windows superset cp932,
`gb2312` GB18030 …), because pages that declare the narrow name use the
wide one's characters.

`guess_encoding` is for bytes that are neither UTF-8 nor declared.
charset-normalizer tells scripts apart well (Cyrillic, Greek, Hebrew, Arabic,
Thai, the CJK encodings), but not the Latin code pages from one another: their
letters are all letters, so French in windows-1252 and in windows-1257 look
equally clean to it. For Latin text each Latin code page's reading is scored
instead by whether its accented letters all belong to one language's alphabet
(`LATIN_ALPHABETS`) and by the symbols it puts inside words, the way a reader
sees mojibake: "bibliothčque" mixes Czech into French.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

# --- declarations ---------------------------------------------------------------

# How far into a file a declaration is looked for: browsers read 1 KB, but saved pages
# often carry long inline scripts and styles before their <meta>.
HEAD_BYTES = 65_536
_XML_DECLARATION = re.compile(rb"""\A\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']\s*([^"'\s]+)""", re.I)
_COMMENT = re.compile(rb"<!--.*?-->", re.S)
_HEAD_END = re.compile(rb"</head\b|<body\b", re.I)
_META = re.compile(rb"<meta\b([^>]*)>", re.I)
_ATTRIBUTE = re.compile(rb"""([a-zA-Z:_-]+)\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+)""")
_CHARSET_IN_CONTENT = re.compile(rb"""charset\s*=\s*["']?\s*([^\s"';]+)""", re.I)
_FRONT_MATTER = re.compile(
    rb"\A---[ \t]*\r?\n(.{0,8192}?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S
)
_FRONT_MATTER_KEY = re.compile(
    rb"""^[ \t]*(?:encoding|charset)[ \t]*:[ \t]*["']?([A-Za-z0-9._:-]+)""", re.I | re.M
)


@dataclass(frozen=True, slots=True)
class Declaration:
    """An encoding label a file gives itself, and where it says so (for messages)."""

    label: str
    where: str


def declared_encoding(data: bytes) -> Declaration | None:
    """The encoding the file names for itself, or None when it names none."""
    if found := _XML_DECLARATION.match(data[:1024]):
        return Declaration(_label(found.group(1)), "its XML declaration")
    front = _FRONT_MATTER.match(data[:HEAD_BYTES])
    if front and (key := _FRONT_MATTER_KEY.search(front.group(1))):
        return Declaration(_label(key.group(1)), "its front matter")
    head = data[:HEAD_BYTES]
    if b"<" not in head:
        return None
    head = _COMMENT.sub(b"", head)
    if end := _HEAD_END.search(head):
        head = head[: end.start()]
    for meta in _META.finditer(head):
        attributes = {
            name.lower(): value.strip(b"\"'") for name, value in _ATTRIBUTE.findall(meta.group(1))
        }
        if b"charset" in attributes:
            return Declaration(_label(attributes[b"charset"]), "its <meta charset>")
        content_type = attributes.get(b"http-equiv", b"").strip().lower() == b"content-type"
        found = _CHARSET_IN_CONTENT.search(attributes.get(b"content", b""))
        if content_type and found:
            return Declaration(_label(found.group(1)), "its <meta http-equiv>")
    return None


def _label(raw: bytes) -> str:
    """A declared label as text, without the control characters no label has."""
    return _CONTROLS.sub("", raw.decode("ascii", "replace")).strip().lower()


_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")


# Labels read as browsers read them (the WHATWG Encoding Standard's table), where
# Python's codec of the same name is narrower than what such pages hold. A declaration
# readable as ASCII cannot be telling the truth about UTF-16 or UTF-32: UTF-8 is meant.
_LABEL_GROUPS = {
    "cp1252": "ascii us-ascii ansi_x3.4-1968 iso-8859-1 iso8859-1 iso_8859-1 latin1 l1 cp819 "
    "ibm819 iso-ir-100 csisolatin1 x-cp1252 windows-1252 cp1252",
    "cp1254": "iso-8859-9 iso8859-9 latin5 l5 windows-1254 x-cp1254",
    "cp874": "iso-8859-11 iso8859-11 tis-620 windows-874 dos-874 cp874",
    "cp932": "shift_jis shift-jis sjis ms_kanji x-sjis csshiftjis windows-31j ms932 cp932",
    "euc_jp": "euc-jp x-euc-jp cseucpkdfmtjapanese",
    "gb18030": "gb2312 gb_2312 gb_2312-80 csgb2312 iso-ir-58 chinese gbk x-gbk cp936 ms936 "
    "windows-936 gb18030",
    "big5hkscs": "big5 big5-hkscs cn-big5 csbig5 x-x-big5 cp950",
    "cp949": "euc-kr cseuckr ks_c_5601-1987 ks_c_5601-1989 ksc5601 ksc_5601 korean "
    "iso-ir-149 windows-949 cp949",
    "iso8859_8": "iso-8859-8-i iso8859-8-i csiso88598i logical visual",
    "mac_roman": "x-mac-roman mac macintosh csmacintosh",
    "mac_cyrillic": "x-mac-cyrillic x-mac-ukrainian",
    "koi8_u": "koi8-ru koi8-u",
    "utf-8": "utf-16 utf-16le utf-16be utf-32 utf-32le utf-32be unicode ucs-2",
}
_LABELS = {label: codec for codec, labels in _LABEL_GROUPS.items() for label in labels.split()}
# Codecs Python has that are not a way to write a document (or are unsafe to honour).
_NOT_DOCUMENT_CODECS = frozenset(
    ("idna", "punycode", "raw_unicode_escape", "unicode_escape", "utf_7", "undefined", "charmap")
)


def codec_for(label: str) -> str | None:
    """The Python codec to read a declared label with; None for an unknown label."""
    label = label.strip().lower()
    for key in (label, label.replace("_", "-")):
        if key in _LABELS:
            return _LABELS[key]
    try:
        info = codecs.lookup(label)
    except (LookupError, ValueError):  # ValueError: a NUL in the label
        return None
    name = info.name.replace("-", "_")
    if not info._is_text_encoding or name in _NOT_DOCUMENT_CODECS:
        return None
    if name in _UNICODE_CODECS:
        return "utf-8"
    if name in ("iso8859_1", "latin_1"):
        return "cp1252"
    return info.name


_UNICODE_CODECS = frozenset(
    ("utf_8", "utf_8_sig", "utf_16", "utf_16_le", "utf_16_be", "utf_32", "utf_32_le", "utf_32_be")
)


_DISPLAY = {
    "utf_8": "UTF-8",
    "cp932": "Shift_JIS",
    "shift_jis": "Shift_JIS",
    "shift_jis_2004": "Shift_JIS",
    "shift_jisx0213": "Shift_JIS",
    "euc_jp": "EUC-JP",
    "euc_jis_2004": "EUC-JP",
    "euc_jisx0213": "EUC-JP",
    "iso2022_jp": "ISO-2022-JP",
    "gb18030": "GB18030",
    "gbk": "GBK",
    "gb2312": "GB2312",
    "big5": "Big5",
    "big5hkscs": "Big5",
    "cp950": "Big5",
    "cp949": "EUC-KR",
    "euc_kr": "EUC-KR",
    "koi8_r": "KOI8-R",
    "koi8_u": "KOI8-U",
    "mac_roman": "Mac OS Roman",
    "mac_cyrillic": "Mac OS Cyrillic",
    "cp874": "windows-874 (Thai)",
    "tis_620": "TIS-620 (Thai)",
    "latin_1": "ISO-8859-1",
}


def display_name(codec: str) -> str:
    """The name people know an encoding by: windows-1251, ISO-8859-2, Shift_JIS …"""
    name = codecs.lookup(codec).name.replace("-", "_")
    if name in _DISPLAY:
        return _DISPLAY[name]
    if match := re.fullmatch(r"cp(125\d)", name):
        return f"windows-{match.group(1)}"
    if match := re.fullmatch(r"iso8859_(\d+)", name):
        return f"ISO-8859-{match.group(1)}"
    return name.replace("_", "-")


# --- detection --------------------------------------------------------------------

# The Latin code pages tried for Latin text, in the order a tie is settled (the
# commonest first: a text whose few accented letters read the same in several is
# named by the first).
LATIN_CODECS = (
    "cp1252",
    "iso8859_15",
    "cp1250",
    "iso8859_2",
    "cp1257",
    "iso8859_13",
    "cp1254",
    "iso8859_9",
    "iso8859_16",
    "iso8859_4",
    "iso8859_10",
    "iso8859_3",
    "iso8859_14",
    "cp1258",
    "mac_roman",
    "cp850",
    "cp437",
)

# The accented letters of languages written in the Latin code pages (lower case).
_VIETNAMESE = "àáâãèéêìíòóôõùúýăđĩũơư" + "".join(map(chr, range(0x1EA1, 0x1EFA, 2)))
LATIN_ALPHABETS = {
    "French": "àâæçéèêëîïôœùûüÿ",
    "German": "äöüß",
    "Spanish": "áéíñóúü",
    "Portuguese": "áâãàçéêíóôõú",
    "Italian": "àèéìíîòóùú",
    "Catalan": "àçèéíïòóúü",
    "Dutch": "áéëèïóöü",
    "Danish and Norwegian": "æøåéó",
    "Swedish and Finnish": "åäöéšž",
    "Icelandic": "áðéíóúýþæö",
    "Faroese": "áðíóúýæø",
    "Estonian": "äõöüšž",
    "Latvian": "āčēģīķļņšūž",
    "Lithuanian": "ąčęėįšųūž",
    "Polish": "ąćęłńóśźż",
    "Czech and Slovak": "áäčďéěíĺľňóôŕřšťúůýž",
    "South Slavic": "čćđšž",
    "Hungarian": "áéíóöőúüű",
    "Romanian": "ăâîșțşţ",
    "Turkish": "çğıöşüâîûİ",
    "Albanian": "çë",
    "Maltese": "àċèġħìòùż",
    "Esperanto": "ĉĝĥĵŝŭ",
    "Welsh": "âêîôûŵŷäëïöüÿáéíóúàèìòù",
    "Irish and Gaelic": "áéíóúàèìòù",
    "Sami": "áčđŋšŧž",
    "Vietnamese": _VIETNAMESE,
}
_ALPHABET_SETS = [frozenset(letters) for letters in LATIN_ALPHABETS.values()]
_ANY_ALPHABET = frozenset().union(*_ALPHABET_SETS)
# Non-letters that sit against a word in ordinary text (quotes, currency, degrees …),
# and those of them that may also stand between two letters (apostrophes, dashes).
_BESIDE_WORDS = frozenset("«»‹›“”„‚‘’¡¿…°²³¹§©®™€£¥¢´–—•·")
_BETWEEN_LETTERS = frozenset("’´·–—…")
_NOT_LETTERS = frozenset("ªºµ")  # letters by category, symbols in use
# Detection reads a sample from the first byte above 0x7F on (a page's ASCII head says
# nothing), cut at line ends, which no multi-byte encoding uses inside a character.
SAMPLE_BYTES = 65_536
LATIN_SAMPLE_BYTES = 16_384
CLEAR_LATIN = 0.9  # a Latin reading this clean wins over another script's


@dataclass(frozen=True, slots=True)
class _Reading:
    codec: str
    score: float


def seven_bit_encoding(data: bytes) -> str | None:
    """ISO-2022-JP (old Japanese mail and pages) for ASCII bytes with its escapes; else None."""
    if b"\x1b$B" not in data and b"\x1b$@" not in data:  # the escapes into JIS X 0208
        return None
    try:
        data.decode("iso2022_jp")
    except UnicodeDecodeError:
        return None
    return "iso2022_jp"


def guess_encoding(data: bytes) -> str | None:
    """The codec that reads undeclared, non-UTF-8 bytes best; None when nothing does."""
    latin = _whole_latin(data)
    if latin is not None and latin.score >= CLEAR_LATIN:
        return latin.codec
    detected = _detected(_sample(data, SAMPLE_BYTES))
    if detected is None or _is_latin_codec(detected):
        return latin.codec if latin is not None else detected
    usual = _USUAL.get(codecs.lookup(detected).name.replace("-", "_"))
    if usual:
        try:
            data.decode(usual)
            return usual
        except UnicodeDecodeError:
            pass
    return detected


# The codec files in an encoding are usually written in, for the variants a detector may
# name (EUC-JIS-2004 for EUC-JP, GB2312 for GBK): read with it when the bytes allow.
_USUAL = {
    "euc_jis_2004": "euc_jp",
    "euc_jisx0213": "euc_jp",
    "shift_jis": "cp932",
    "shift_jis_2004": "cp932",
    "shift_jisx0213": "cp932",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "big5": "big5hkscs",
    "cp950": "big5hkscs",
    "euc_kr": "cp949",
}


def _sample(data: bytes, size: int) -> bytes:
    """About `size` bytes of whole lines, from the line of the first byte above 0x7F."""
    first = _HIGH_BYTE.search(data)
    start = data.rfind(b"\n", 0, first.start()) + 1 if first else 0
    if len(data) - start <= size:
        return data[start:]
    end = data.rfind(b"\n", start, start + size)
    return data[start : end if end > start else start + size]


_HIGH_BYTE = re.compile(rb"[\x80-\xff]")


def _detected(data: bytes) -> str | None:
    """charset-normalizer's best codec for the bytes, by its own measure."""
    from charset_normalizer import from_bytes

    best = from_bytes(data, preemptive_behaviour=False).best()
    return best.encoding if best is not None else None


def _is_latin_codec(codec: str) -> bool:
    name = codecs.lookup(codec).name.replace("-", "_")
    latin = {codecs.lookup(c).name.replace("-", "_") for c in LATIN_CODECS}
    return name in latin or name in ("latin_1", "iso8859_1", "mac_latin2", "mac_iceland")


def _whole_latin(data: bytes) -> _Reading | None:
    """The best Latin reading of a sample that also reads the whole of `data`.

    A code page that leaves a byte undefined past the sample is dropped, and the
    bytes around that one join the sample (windows-1250's Ť is undefined in 1252).
    """
    sample = _sample(data, LATIN_SAMPLE_BYTES)
    dropped: set[str] = set()
    while (found := _best_latin(sample, dropped)) is not None:
        try:
            data.decode(found.codec)
            return found
        except UnicodeDecodeError as error:
            dropped.add(found.codec)
            sample += b"\n" + data[max(0, error.start - 512) : error.start + 512]
    return None


def _best_latin(sample: bytes, dropped: set[str] | frozenset[str] = frozenset()) -> _Reading | None:
    """The Latin code page whose reading of the sample looks most like one language.

    The DOS and Mac code pages, rarer than the others, must read clearly better to win.
    """
    best: _Reading | None = None
    for codec in LATIN_CODECS:
        if codec in dropped:
            continue
        try:
            text = sample.decode(codec)
        except UnicodeDecodeError:
            continue  # a byte this code page leaves undefined: not this one
        if codec == "cp1258":  # tone marks come as combining characters
            text = unicodedata.normalize("NFC", text)
        score = latin_score(text) - _RARE_PENALTY.get(codec, 0.0)
        if best is None or score > best.score:
            best = _Reading(codec, score)
        if score >= 1.0:
            break  # none after it can do better, and the earlier wins a tie
    return best


_RARE_PENALTY = {"mac_roman": 0.1, "cp850": 0.1, "cp437": 0.1}


_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f\s]{3,}")
LONGEST_ACCENTED_RUN = 4  # "żółć": Latin words hold at most this many accented letters in a row


def latin_score(text: str) -> float:
    """How much a text reads like one Latin-script language, from 0 to 1.

    What reads well: the accented letters of the one alphabet covering most of them
    (those of another alphabet count half: a page may quote names), and the quotes,
    dashes and signs of ordinary text. Over that and what looks wrong: controls,
    symbols pressed against a word, a capital after a small letter ("SeÒor"), runs of
    three or more non-ASCII characters mixing letters and symbols, and runs of more
    than LONGEST_ACCENTED_RUN accented letters (mojibake of other scripts is made of
    such runs). Text with nothing non-ASCII scores 1.
    """
    counts = Counter(_NON_ASCII.findall(text))
    letters: dict[str, int] = {}
    wrong = symbols = 0
    beside: list[str] = []  # symbols wrong next to a letter
    between: list[str] = []  # symbols wrong between two letters
    capitals: list[str] = []
    for ch, n in counts.items():
        category = unicodedata.category(ch)
        if category[0] == "L" and ch not in _NOT_LETTERS:
            key = ch.lower() if len(ch.lower()) == 1 else ch
            letters[key] = letters.get(key, 0) + n
            if category == "Lu":
                capitals.append(ch)
        elif category in ("Cc", "Co", "Cn", "Cs") or ch == "¤":
            wrong += n
        elif category[0] in "PSN" or ch in _NOT_LETTERS:
            symbols += n
            if ch not in _BESIDE_WORDS:
                beside.append(ch)
            elif ch not in _BETWEEN_LETTERS:
                between.append(ch)
    bad_symbols = 0
    if beside:
        group = _char_class(beside)
        bad_symbols += len(re.findall(rf"(?<={_LETTER}){group}|{group}(?={_LETTER})", text))
    if between:
        group = _char_class(between)
        bad_symbols += len(re.findall(rf"(?<={_LETTER}){group}(?={_LETTER})", text))
    symbols -= bad_symbols
    wrong += bad_symbols
    if capitals:
        wrong += len(re.findall(rf"(?<=[a-z]){_char_class(capitals)}", text))
    for run in _NON_ASCII_RUN.findall(text):
        mixed = not run.isalpha() and _LETTER_RE.search(run) is not None
        if mixed or len(run) > LONGEST_ACCENTED_RUN:
            wrong += len(run)
    total = sum(letters.values())
    if total + wrong + symbols == 0:
        return 1.0
    known = sum(n for letter, n in letters.items() if letter in _ANY_ALPHABET)
    best = max(
        sum(n for letter, n in letters.items() if letter in alphabet) for alphabet in _ALPHABET_SETS
    )
    return (best + (known - best) / 2 + symbols) / (total + wrong + symbols)


_LETTER = r"[^\W\d_]"
_LETTER_RE = re.compile(_LETTER)


def _char_class(chars: list[str]) -> str:
    return "[" + "".join(re.escape(ch) for ch in chars) + "]"
