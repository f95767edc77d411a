"""Finding the pieces of an owner's message: periods, horizons, deadlines, numbers, channels, goal references.

Periods stay plain words ("last week", "october", "since we changed prices"): the tools resolve them in the
tenant's timezone. Every finder returns spans so the caller can mask what one finder used before the next runs
(the 30 in "last 30 days" is not an amount; the 2 in "goal 2" is not a target).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from coach import occasions
from coach.periods import WORD_NUMBERS
from coach.vocabulary import CHANNEL_SYNONYMS, SYNONYMS, mentioned_metrics

MONTH = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december"
    r"|sept|jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec)"
)
OCCASION = occasions.PATTERN
NAMED_DAY = rf"(?:(?:the )?week of )?{OCCASION}(?: (?:long weekend|weekend|week))?"
MONTH_PART = rf"(?:early|mid|late|the (?:start|beginning|middle|end) of) ?-?{MONTH}"
YEAR_BACK = r"(?:last year|a year ago|the year before)"
RELATIVE_UNIT = r"(?:day|week|fortnight|month|quarter|year|one|period|(?:\d+|[a-z]+) (?:days|weeks|months))"
WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
UNIT = r"(?:days?|weeks?|months?|years?)"
NUM_WORD = "|".join(sorted(WORD_NUMBERS, key=len, reverse=True))
COUNT = rf"(?:\d+|{NUM_WORD}|couple of|few)"
SPAN = (
    rf"(?:\d+|(?!a\b)(?:{NUM_WORD})|couple of|few)"  # a bare "a week" is a rate ("$200 a week"), not a span
)
EVENT_END = r"(?=[?.!;,]|\s+(?:and|vs|versus|compared|but|so|then|what|how)\b|$)"
TYPOS = {
    "wk": "week",
    "wks": "weeks",
    "mnth": "month",
    "mth": "month",
    "yr": "year",
    "yrs": "years",
    "qtr": "quarter",
    "tmrw": "tomorrow",
    "nxt": "next",
    "ytd": "year to date",
    "u": "you",
    "ur": "your",
    "pls": "please",
    "plz": "please",
}
KNOWN_WORDS = frozenset(
    set(
        re.findall(
            r"[a-z]+", " ".join(w for words in SYNONYMS.values() for w in words) + " " + " ".join(SYNONYMS)
        )
    )
    | set(MONTH.strip("(?:)").split("|"))
    | set(WEEKDAY.strip("(?:)").split("|"))
    | {"day", "days", "week", "weeks", "month", "months", "year", "years", "quarter", "next", "last", "this"}
)
ORDINALS = {"first": "1", "second": "2", "third": "3", "fourth": "4", "fifth": "5", "last": "last"}


@dataclass(frozen=True)
class Found:
    """A phrase found in the text: the normalised value and where it was."""

    value: str
    start: int
    end: int


@dataclass(frozen=True)
class Number:
    """A number in the text: its value, whether it was money or a percentage, and where it was."""

    value: float
    kind: str  # "money", "percent" or "plain"
    start: int
    end: int


def clean(text: str) -> str:
    """Lowercase, straight quotes, common chat abbreviations expanded, single spaces."""
    low = re.sub(r"\s+", " ", text.lower().replace("’", "'")).strip()
    low = re.sub(r"(?<=\d)(st|nd|rd|th)\b", "", low)
    return re.sub(r"\b[a-z0-9]+\b", lambda m: TYPOS.get(m.group(0), m.group(0)), low)


def correct(text: str, vocabulary: frozenset[str]) -> str:
    """Misspelt words (four letters or more, unknown) replaced by the closest known word, if one is close."""
    known = vocabulary | KNOWN_WORDS

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        if len(word) < 4 or word in known:
            return word
        close = difflib.get_close_matches(word, _candidates(known, word), n=1, cutoff=0.8)
        return close[0] if close else word

    return re.sub(r"[a-z]+", fix, text)


def _candidates(known: frozenset[str], word: str) -> list[str]:
    return [w for w in known if abs(len(w) - len(word)) <= 2 and w[0] == word[0]]


def mask(text: str, spans: list[Found] | list[Number]) -> str:
    """``text`` with the spans blanked out (same length, so later positions still line up)."""
    chars = list(text)
    for span in spans:
        chars[span.start : span.end] = " " * (span.end - span.start)
    return "".join(chars)


def _count(word: str) -> str:
    if word == "couple of":
        return "2"
    if word == "few":
        return "3"
    return word if word.isdigit() else str(WORD_NUMBERS[word])


PAST_PATTERNS: tuple[tuple[str, str], ...] = (
    # one period counted back from another: "the week before last", "the fortnight before xmas", "...before that"
    (
        rf"\b(?:the )?{RELATIVE_UNIT} (?:before|prior to|leading up to) (?:that|then|it|last(?: week| month| year)?"
        rf"|{MONTH_PART}|{NAMED_DAY}|(?:\d{{1,2}} )?{MONTH}(?: \d{{4}})?|(?:this|last) (?:week|month|quarter|year)"
        rf"|q[1-4]|\d{{4}}-\d{{2}}-\d{{2}})\b",
        "relative",
    ),
    (
        rf"\bsame (?:month|week|period|time|days?|quarter|weekend|stretch|dates) {YEAR_BACK}\b",
        "same_last_year",
    ),
    (r"\b(?:the )?same (?:day|days|weekday) (?:last|the) (week|month)\b", "same_last"),
    (rf"\b(?:{MONTH}|q[1-4]) this year\b", "this_year"),
    (rf"\b(?:from )?{MONTH} (?:to|until|through|-) {MONTH}\b", "named"),
    (r"\b(?:the )?(first|second|1st|2nd) half of (?:the |this |last )?year\b", "half"),
    (r"\bh([12])\b", "half"),
    (r"\b(?:the )?(day|week|weekend|month|fortnight|year) (before|after)(?= ?[?.!]?$)", "lone_relative"),
    (
        rf"\b(?:{MONTH_PART}|{NAMED_DAY}|{MONTH}|q[1-4]|(?:this|last) (?:week|month|quarter)) {YEAR_BACK}\b",
        "named",
    ),
    (rf"\b(?:{MONTH_PART}|{NAMED_DAY})(?: \d{{4}})?\b", "named"),
    (rf"\b({COUNT}) ({UNIT}) ago\b", "ago"),
    (r"\b(?:last|this|the) weekend\b", "named"),
    (rf"\bsince (?:we |i |the |our |they )?[a-z0-9' -]+?{EVENT_END}", "since"),
    (rf"\b(?:the )?(?:last|past|previous) ({COUNT}) ({UNIT})\b", "last_n"),
    (r"\b(?:this|last|previous|past) (?:week|month|year|quarter)\b", "named"),
    (r"\b(?:year|month|week|quarter) to date\b", "named"),
    (r"\bso far this (?:week|month|year)\b", "named"),
    (r"\b(?:yesterday|today)\b", "named"),
    (r"\bq([1-4])(?: (\d{4}))?\b", "quarter"),
    (r"\b(first|second|third|fourth) quarter\b", "quarter_word"),
    (r"\b(?:the )?week (?:of|starting|beginning) \d{1,2} [a-z]+\b", "named"),
    (r"\b\d{4}-\d{2}-\d{2}\b", "named"),
    (rf"\b\d{{1,2}} {MONTH}(?: \d{{4}})?\b", "named"),
    (rf"\b(?:last )?{WEEKDAY}\b", "named"),
    (rf"\b{MONTH}(?: \d{{4}})?\b", "month"),
)


def _past_value(kind: str, match: re.Match[str]) -> str:
    phrase = match.group(0)
    if kind == "last_n":
        return f"last {_count(match.group(1))} {match.group(2)}"
    if kind == "quarter":
        return phrase
    if kind == "quarter_word":
        return f"q{['first', 'second', 'third', 'fourth'].index(match.group(1)) + 1}"
    if kind == "since":
        return phrase.strip()
    if kind == "ago":
        return f"{_count(match.group(1))} {match.group(2)} ago"
    if kind == "lone_relative":  # counted from the previous question's period ("and the day before?")
        return f"{match.group(1)} {match.group(2)} that"
    if kind == "same_last":
        return f"same day last {match.group(1)}"
    if kind == "this_year":
        return phrase.removesuffix(" this year")
    if kind == "half":
        first = match.group(1) in ("first", "1st", "1")
        return ("first half" if first else "second half") + (" last year" if "last year" in phrase else "")
    if kind in ("relative", "same_last_year"):
        return phrase.removeprefix("the ")
    return phrase.removeprefix("the ").replace("past ", "last ").replace("previous ", "last ")


def _month_is_word(text: str, match: re.Match[str]) -> bool:
    """'may' is usually a verb: only a month after in/for/of/by/until/since/end of, before a year, or as the
    period of a metric ("may takings", "sales may vs april"); 'jan' and 'mar' are names or words unless so placed."""
    word = match.group(0).split()[0]
    if word not in ("may", "jan", "mar"):
        return True
    before, after = text[: match.start()].rstrip(), text[match.end() :].lstrip()
    metric_after = bool(mentioned_metrics(after[:30])) and re.match(r"[a-z]+", after) is not None
    return (
        bool(re.search(r"\b(in|for|of|by|until|since|during|to|before|last|this|vs|versus|and)$", before))
        or " " in match.group(0)
        or (metric_after and not re.search(r"\b(?:we|i|it|you|they|sales|this|that)$", before))
        or bool(re.match(r"(?:vs|versus|compared)\b", after))
    )


def find_periods(text: str) -> list[Found]:
    """Past periods in order of mention, longest patterns first, never overlapping."""
    found: list[Found] = []
    taken = [False] * len(text)
    for pattern, kind in PAST_PATTERNS:
        for match in re.finditer(pattern, text):
            if any(taken[match.start() : match.end()]):
                continue
            if kind == "month" and not _month_is_word(text, match):
                continue
            found.append(Found(_past_value(kind, match), match.start(), match.end()))
            taken[match.start() : match.end()] = [True] * (match.end() - match.start())
    return _year_back(sorted(found, key=lambda f: f.start))


def _year_back(found: list[Found]) -> list[Found]:
    """A comparison with "the same month last year" (or just "last year" after a named period) means the first
    period a year earlier, day for day, not the whole of last year."""
    if not found:
        return found
    first = found[0].value
    out = [found[0]]
    for item in found[1:]:
        same = re.fullmatch(rf"same [a-z ]+ {YEAR_BACK}", item.value)
        plain = item.value == "last year" and not re.search(r"\byear\b", first)
        if (same or plain) and not re.search(YEAR_BACK, first):
            item = Found(f"{first} last year", item.start, item.end)
        elif item.value in ("same day last week", "same day last month"):
            item = Found(f"{first} a {item.value.rsplit(' ', 1)[1]} earlier", item.start, item.end)
        out.append(item)
    return out


FUTURE_PATTERNS: tuple[tuple[str, str], ...] = (
    (rf"\b(?:the )?(?:next|coming|upcoming|following) ({COUNT}) ({UNIT})\b", "next_n"),
    (rf"\b({COUNT}) ({UNIT}) (?:out|ahead|from now|in advance)\b", "next_n"),
    (r"\bthe week after next\b", "week_after"),
    (r"\b(?:the )?(day|week|weekend|month|fortnight|year) (after|before)(?= ?[?.!]?$)", "lone_relative"),
    (rf"\b(?:the )?{RELATIVE_UNIT} (?:before|leading up to) {NAMED_DAY}\b", "named"),
    (rf"\b{NAMED_DAY}\b", "named"),
    (r"\b(?:the )?(?:next|coming) (?:week|month|quarter|year)\b", "named"),
    (r"\b(?:the )?rest of (?:the|this) (?:week|month|year)\b", "named"),
    (
        r"\b(?:until|till|before|by) (christmas|easter|the end of the year|year end|end of (?:the )?year)\b",
        "until",
    ),
    (rf"\b(?:over|for|in) (?:the )?({SPAN}) ({UNIT})\b", "bare_n"),
    (rf"\b({SPAN}) ({UNIT})\b", "bare_n"),
    (rf"\b(?:in |for |over )?{MONTH}\b", "month"),
)


def find_horizon(text: str) -> Found | None:
    """The coming period a forecast or scenario is about ("next month", "next 8 weeks", "12 weeks")."""
    for pattern, kind in FUTURE_PATTERNS:
        match = re.search(pattern, text)
        if not match or (kind == "month" and not _month_is_word(text, match)):
            continue
        phrase = match.group(0)
        if kind == "next_n":
            value = f"next {_count(match.group(1))} {match.group(2)}"
        elif kind == "bare_n":
            value = f"{_count(match.group(1))} {match.group(2)}"
        elif kind == "week_after":
            value = "the week after next"
        elif kind == "lone_relative":  # a follow-up: counted from the previous question's horizon
            value = f"{match.group(1)} {match.group(2)} that"
        elif kind == "until":
            value = "until " + match.group(1).removeprefix("the ")
        else:
            value = re.sub(r"^(the |in |for |over )", "", phrase).replace("coming", "next")
        return Found(value, match.start(), match.end())
    return None


DEADLINE_PATTERNS: tuple[tuple[str, str], ...] = (
    (rf"\b(?:in|within) (?:the next )?({COUNT}) ({UNIT})\b", "in_n"),
    (
        rf"\b(?:by|until|till|til|before|to|for) (?:the )?"
        rf"(end of (?:the |this )?(?:week|month|quarter|year|{MONTH}))\b",
        "end",
    ),
    (
        rf"\b(?:by|until|till|before|to|for|on) (\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}} {MONTH}(?: \d{{4}})?)\b",
        "date",
    ),
    (rf"\b(?:by|until|till|before|to|for|in) ({MONTH}(?: \d{{4}})?)\b", "month"),
    (r"\b(?:by|until|till|before) (?:the )?(end of q[1-4])\b", "end"),
    (rf"\b(?:by|until|till|before|for) ({OCCASION}|summer|spring|autumn|fall|winter|year end)\b", "season"),
    (r"\b(?:this|by the end of this) year\b", "this_year"),
    (r"\b(?:this|by the end of this) quarter\b", "this_quarter"),
    (r"\b(?:next|this) (?:month|quarter|week)\b", "plain"),
    (r"\bend of (?:the )?(?:week|month|quarter|year)\b", "plain"),
)


def find_deadline(text: str) -> Found | None:
    """When a goal should be reached ("end of march", "in 8 weeks", "december")."""
    for pattern, kind in DEADLINE_PATTERNS:
        match = re.search(pattern, text)
        if not match:
            continue
        if kind == "in_n":
            value = f"in {_count(match.group(1))} {match.group(2)}"
        elif kind == "this_year":
            value = "end of year"
        elif kind == "this_quarter":
            value = "end of this quarter"
        elif kind == "plain":
            value = match.group(0)
        else:
            value = match.group(1).replace("the ", "")
        return Found(value, match.start(), match.end())
    return None


MONEY = re.compile(
    r"(?P<cur>[$£€])\s?(?P<num>\d[\d,]*(?:\.\d+)?)\s?(?P<mult>k|m)?\b"
    r"|(?P<num2>\d[\d,]*(?:\.\d+)?)\s?(?P<mult2>k|m)?\s?(?P<word>dollars|bucks|pounds|quid|euros|usd|gbp|eur)\b"
    r"|(?P<num3>\d[\d,]*(?:\.\d+)?)(?P<mult3>k|m)\b"
)
PERCENT = re.compile(rf"(?P<num>\d+(?:\.\d+)?|{NUM_WORD})\s?(?:%|percent\b|per cent\b|pct\b)")
PLAIN = re.compile(r"(?<![\w.])(\d[\d,]*(?:\.\d+)?)(?![\w%])")


def _value(number: str, mult: str | None) -> float:
    value = float(number.replace(",", ""))
    return value * {"k": 1_000, "m": 1_000_000}.get(mult or "", 1)


def find_numbers(text: str) -> list[Number]:
    """Money amounts ("$200", "2k", "£1,500", "200 dollars"), percentages ("5%", "five percent") and plain numbers."""
    found: list[Number] = []
    for match in PERCENT.finditer(text):
        word = match.group("num")
        value = float(word) if word[0].isdigit() else float(WORD_NUMBERS[word])
        found.append(Number(value, "percent", match.start(), match.end()))
    rest = mask(text, found)
    for match in MONEY.finditer(rest):
        number = match.group("num") or match.group("num2") or match.group("num3")
        mult = match.group("mult") or match.group("mult2") or match.group("mult3")
        found.append(Number(_value(number, mult), "money", match.start(), match.end()))
    rest = mask(text, found)
    for match in PLAIN.finditer(rest):
        found.append(Number(_value(match.group(1), None), "plain", match.start(), match.end()))
    return sorted(found, key=lambda n: n.start)


def find_channels(text: str) -> list[str]:
    """Marketing channels mentioned, canonical names, in order of mention."""
    hits: list[tuple[int, str]] = []
    for channel, words in CHANNEL_SYNONYMS.items():
        positions = [m.start() for w in words for m in re.finditer(rf"\b{re.escape(w)}\b", text)]
        if positions:
            hits.append((min(positions), channel))
    return [c for _, c in sorted(hits)]


GOAL_NUMBER = re.compile(r"\b(?:goal|target)\s*(?:number\s*|no\.?\s*|#\s*)?(\d+)\b|#(\d+)\b")
GOAL_ORDINAL = re.compile(r"\b(first|second|third|fourth|fifth|last) (?:goal|target)\b")
# "number 3", "the 3 goal" ("the 3rd goal" once ordinal suffixes are cleaned), "no. 2"
GOAL_POSITION = re.compile(r"\b(?:number|no\.?) (\d)\b|\bthe (\d) (?:goal|target|one)\b")
# "the revenue one", "the food cost thing": a goal named by its metric without the word goal
GOAL_ONE = re.compile(r"\b(?:the|my|our|that) ((?:[a-z]+ )?[a-z]+) (?:one|thing)\b")
# "we hit 900 customers": the goal named by its number and metric
GOAL_FIGURE = re.compile(r"\b(\d[\d,]*(?:\.\d+)?k?) ([a-z]+(?: a (?:week|day|month))?)\b")
GOAL_NAMED = re.compile(
    r"\b(?:the|my|our|that|this) ((?:[a-z0-9$£€]+ )?[a-z0-9$£€]+?) (?:goal|target)\b(?!s)"
)
NOT_NAMES = {
    "goal",
    "target",
    "new",
    "smart",
    "next",
    "same",
    "other",
    "current",
    "whole",
    "a",
    "my",
    "our",
    "this",
    "that",
}


def find_goal_reference(text: str) -> Found | None:
    """Which goal the owner means: "goal 2" -> "2", "the revenue goal" -> "revenue", "second goal" -> "2"."""
    match = GOAL_NUMBER.search(text)
    if match:
        return Found(match.group(1) or match.group(2), match.start(), match.end())
    match = GOAL_ORDINAL.search(text)
    if match:
        return Found(ORDINALS[match.group(1)], match.start(), match.end())
    match = GOAL_POSITION.search(text)
    if match:
        return Found(match.group(1) or match.group(2), match.start(), match.end())
    for pattern in (GOAL_NAMED, GOAL_ONE):
        for match in pattern.finditer(text):
            words = [w for w in match.group(1).split() if w not in NOT_NAMES]
            if words and (pattern is GOAL_NAMED or mentioned_metrics(" ".join(words))):
                return Found(" ".join(words), match.start(), match.end())
    for match in GOAL_FIGURE.finditer(text):
        if mentioned_metrics(match.group(2)):
            return Found(match.group(0), match.start(), match.end())
    return None
