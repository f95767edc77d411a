"""Filling a tool's arguments from the owner's words, field by field, reading the tool's own JSON schema.

Only fields the schema has are filled; a value outside a field's ``enum`` is dropped; required fields that
cannot be found are reported so the model can ask for them instead of guessing.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from coach.offline.phrases import (
    Found,
    Number,
    clean,
    find_channels,
    find_deadline,
    find_goal_reference,
    find_horizon,
    find_numbers,
    find_periods,
    mask,
)
from coach.vocabulary import SYNONYMS, mentioned_metrics

# metrics that are the lever in a what-if, not the outcome it projects
LEVERS = {"marketing_spend", "price_index", "staff_hours", "labour_cost", "rain_mm", "temperature_c"}
INTERVENTIONS: tuple[tuple[str, str], ...] = (
    ("price", r"\bpric(?:e|es|ing)\b|\bcharge (?:more|less)\b|\bcheaper\b|\bmore expensive\b"),
    (
        "staffing",
        r"\bstaff|\bhire\b|\bhiring\b|\bbarista|\bemployee|\bwaiter|\bworkers?\b|\bpeople on\b|\bperson\b",
    ),
    (
        "opening_hours",
        r"\bopen(?:ing)?\b|\bclos(?:e|ing)\b|\bhours? (?:longer|later|earlier)\b|\blate\b|\bearly\b",
    ),
    (
        "marketing",
        r"\bmarketing|\bads?\b|\badverti|\bpromo|\bcampaign|\bspend|\bbudget|\bnewsletter|\bflyers?\b",
    ),
)
NEGATIVE = (
    r"\b(?:cut|cuts|lower|lowering|reduce|reducing|drop|dropping|decrease|less|fewer|slash|trim|trimming"
    r"|shorter|halve|stop|stopped|stopping|pause|cancel)\b"
)
RATIOS: tuple[tuple[str, str], ...] = (
    ("revenue_per_employee", r"\b(?:revenue|sales|turnover) per (?:employee|staff|head|worker)"),
    ("gross_margin", r"\bgross (?:profit )?margin"),
    (
        "net_margin",
        r"\bnet (?:profit )?margin|\bprofit margin|\bnet profit|\bmargins?\b|\bprofit(?:s|able)?\b",
    ),
    ("labour_cost_pct", r"\blabou?r|\bwages?\b|\bstaff|\bpayroll"),
    ("cogs_pct", r"\bcogs\b|\bfood cost|\bcost of (?:goods|sales)|\bingredient|\bstock cost"),
    (
        "average_ticket",
        r"\b(?:average|avg) (?:ticket|order|sale|spend)|\baov\b|\bbasket|\bspend per (?:head|customer)",
    ),
)
LIST_STATUS: tuple[tuple[str, str], ...] = (
    ("all", r"\ball\b|\bevery\b|\bincluding\b|\bever\b"),
    ("completed", r"\bcomplet|\bdone\b|\bachieved\b|\bfinished\b|\bhit\b|\breached\b"),
    ("archived", r"\barchiv|\bold\b|\bdropped\b|\bcancel"),
    ("in_progress", r"\bin progress\b"),
    ("active", r"\bactive\b|\bcurrent|\bopen\b|\bnow\b|\bongoing\b"),
)
UPDATE_STATUS: tuple[tuple[str, str], ...] = (
    (
        "archived",
        r"\barchiv|\bdrop\b|\bcancel|\bdelete|\bremove|\babandon|\bgave up|\bgive up|\bnot relevant",
    ),
    ("in_progress", r"\bstart|\bworking on|\bresume|\breactivat|\bin progress|\breopen"),
    ("completed", r"\bdone\b|\bcomplet|\bachieved\b|\bhit\b|\bfinished\b|\bclose|\breached\b|\bmet\b"),
)
HISTORY_WORDS = re.compile(
    r"\b(?:before|last time|previously|earlier|a while ago|in a previous chat|the other day|again"
    r"|in (?:a|our|an) (?:previous|earlier|past) (?:chat|conversation))\b"
)


@dataclass
class Message:
    """The owner's words, cleaned, with the pieces found so far (so one number is not used twice)."""

    text: str
    used: list[Found | Number] = field(default_factory=list)

    def free(self) -> str:
        """The text with used spans blanked."""
        return mask(self.text, self.used)  # type: ignore[arg-type]


def _first(patterns: tuple[tuple[str, str], ...], text: str) -> str | None:
    return next((name for name, pattern in patterns if re.search(pattern, text)), None)


def metrics_in(text: str) -> list[str]:
    """Canonical metrics mentioned, tolerating small typos ("revnue", "customrs", "footfal")."""
    found = mentioned_metrics(text)
    if found:
        return found
    singles = {w: m for m, words in SYNONYMS.items() for w in (m, *words) if " " not in w and len(w) >= 5}
    for token in re.findall(r"[a-z]{5,}", text):
        close = difflib.get_close_matches(token, list(singles), n=1, cutoff=0.8)
        if close:
            found.append(singles[close[0]])
    return list(dict.fromkeys(found))


def _metric(tool: str, msg: Message) -> str | None:
    found = metrics_in(msg.text)
    if tool == "what_if":
        found = [m for m in found if m not in LEVERS]
    elif tool == "explain_change" and any(m not in LEVERS for m in found):
        found = [
            m for m in found if m not in LEVERS
        ]  # "does rain hurt our sales": the outcome, not the cause
    return found[0] if found else None


def _periods(msg: Message) -> list[Found]:
    return find_periods(msg.free())


def _money(msg: Message, *, minimum: float = 0.0, plain_ok: bool = True) -> Number | None:
    for number in find_numbers(msg.free()):
        if number.kind == "money" or (plain_ok and number.kind == "plain" and number.value >= minimum):
            msg.used.append(number)
            return number
    return None


def _sign(text: str) -> float:
    return -1.0 if re.search(NEGATIVE, text) else 1.0


def _change_pct(msg: Message) -> float | None:
    text = msg.free()
    numbers = find_numbers(text)
    percent = next((n for n in numbers if n.kind == "percent"), None)
    if percent is None and re.search(r"\bpric", text):
        # "raise prices by 5": a bare small number next to prices is a percentage
        percent = next((n for n in numbers if n.kind == "plain" and n.value <= 50), None)
    if percent is not None:
        msg.used.append(percent)
        return _sign(text) * percent.value
    multiples = {"double": 100.0, "doubling": 100.0, "triple": 200.0, "halve": -50.0, "half": -50.0}
    for word, value in multiples.items():
        if re.search(rf"\b{word}\b", text):
            return value
    if re.search(r"\b(?:stop|stopped|stopping|pause|cancel|drop)\b", text):
        return -100.0
    return None


FRACTIONS = {"tenth": 10.0, "fifth": 20.0, "quarter": 25.0, "third": 100 / 3, "half": 50.0}
RISE = r"(?:up|grow\w*|increase\w*|rais\w*|boost\w*|lift\w*|higher|more|bigger|better)"
FALL = r"(?:down|cut\w*|lower\w*|reduc\w*|drop\w*|less|smaller|shrink\w*)"


def _goal_change(msg: Message) -> float | None:
    """A wished-for change rather than a number: "up a fifth", "10% higher", "grow sales by 15%", "cut by half"."""
    text = msg.free()
    fraction = re.search(
        rf"\b({RISE}|{FALL})(?: \w+){{0,2}}? (?:by )?(?:a|one) (tenth|fifth|quarter|third|half)\b", text
    )
    if fraction:
        sign = -1.0 if re.fullmatch(FALL, fraction.group(1)) else 1.0
        return sign * FRACTIONS[fraction.group(2)]
    for number in (n for n in find_numbers(text) if n.kind == "percent"):
        before, after = text[max(0, number.start - 30) : number.start], text[number.end : number.end + 12]
        if re.search(r"\bto\s*$", before):
            continue  # "down to 28%" is a level to reach, not a change
        rise = re.search(rf"\b{RISE}\b", before + " " + after)
        fall = re.search(rf"\b{FALL}\b", before + " " + after)
        if rise or fall:
            msg.used.append(number)
            return -number.value if fall and not rise else number.value
    if re.search(r"\bdouble\b", text):
        return 100.0
    return None


def _amount(msg: Message, intervention: str | None) -> float | None:
    text = msg.free()
    if intervention in ("opening_hours", "staffing"):
        match = re.search(
            r"\b(\d+|an?|one|two|three|four)(?: extra| more)? (?:hours?|staff|people|person|barista)", text
        )
        extra = re.search(
            r"\b(?:another|one more|an extra|extra) (?:staff|person|barista|employee|waiter|hour)", text
        )
        count = None
        if match:
            word = match.group(1)
            count = (
                float(word)
                if word.isdigit()
                else {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3}.get(word, 4)
            )
        elif extra:
            count = 1.0
        if count is None:
            return None
        opening_later = re.search(r"\bopen\w*\b.*\blater\b|\bclos\w*\b.*\bearlier\b", text)
        return -count if (opening_later or re.search(NEGATIVE, text)) else count
    number = _money(msg, plain_ok=False)
    if number is None and intervention == "marketing":  # "an extra 500 a week on google": a rate is money
        rate = re.search(r"(?<![\w.])(\d[\d,]*)\s*(?:a|per|/)\s*(?:week|wk|month)\b", text)
        if rate:
            return _sign(text) * float(rate.group(1).replace(",", ""))
    return None if number is None else _sign(text) * number.value


def _query(msg: Message) -> str:
    text = msg.text.rstrip("?.! ")
    match = re.search(r"\b(?:about|on|regarding|for|re) (.+)$", text)
    query = (
        match.group(1)
        if match
        else re.sub(
            r"^(?:what|did|do|have|has|find|search|show|look up|remind me|recall)\b.*?\b"
            r"(?:say|said|tell me|told me|discuss|discussed|talk|talked|suggest|suggested|advice|history)\b",
            "",
            text,
        )
    )
    query = HISTORY_WORDS.sub("", query).strip(" ,")
    query = re.sub(r"\s+(?:last|this) (?:week|month)$", "", query).strip()
    return query or msg.text


def _week(msg: Message) -> str | None:
    horizon = find_horizon(msg.free())
    for period in _periods(msg):
        if "week" in period.value:
            return period.value
    if horizon and ("week" in horizon.value):
        return horizon.value
    return None


def _service_level(msg: Message) -> float | None:
    match = re.search(r"(\d{2}(?:\.\d+)?)\s?%\s?(?:service|in stock|availability|fill)", msg.free())
    return float(match.group(1)) / 100 if match else None


def _review_days(msg: Message) -> int | None:
    match = re.search(r"\b(?:every|next|for the next|for) (\d+|two|three|four) (days?|weeks?)\b", msg.free())
    if not match:
        return 7 if re.search(r"\bweekly\b", msg.free()) else None
    count = (
        int(match.group(1)) if match.group(1).isdigit() else {"two": 2, "three": 3, "four": 4}[match.group(1)]
    )
    return min(60, count * (7 if match.group(2).startswith("week") else 1))


Extractor = Callable[[str, Message, dict[str, Any]], Any]


def _period(_tool: str, msg: Message, _got: dict[str, Any]) -> str | None:
    found = _periods(msg)
    return found[0].value if found else None


def _second_period(_tool: str, msg: Message, _got: dict[str, Any]) -> str | None:
    found = _periods(msg)
    return found[1].value if len(found) > 1 else None


def _horizon(_tool: str, msg: Message, _got: dict[str, Any]) -> str | None:
    found = find_horizon(msg.free())
    if found:
        msg.used.append(found)
    return found.value if found else None


def _deadline(_tool: str, msg: Message, _got: dict[str, Any]) -> str | None:
    found = find_deadline(msg.free())
    if found:
        msg.used.append(found)
    return found.value if found else None


def _goal(_tool: str, msg: Message, _got: dict[str, Any]) -> str | None:
    found = find_goal_reference(msg.free())
    if found:
        msg.used.append(found)
    return found.value if found else None


def _target(_tool: str, msg: Message, _got: dict[str, Any]) -> float | None:
    number = _money(msg)
    return None if number is None else number.value


def _intervention(_tool: str, msg: Message, _got: dict[str, Any]) -> str | None:
    found = _first(INTERVENTIONS, msg.text)
    return found if found is not None or not find_channels(msg.text) else "marketing"  # "500 more on google"


def _dimension(tool: str, msg: Message, got: dict[str, Any]) -> str | None:
    channels = find_channels(msg.text)
    if tool == "metric_summary" and channels and got.get("metric") == "marketing_spend":
        return f"channel:{channels[0]}"
    return None


def _status(tool: str, msg: Message, _got: dict[str, Any]) -> str | None:
    return _first(LIST_STATUS if tool == "list_goals" else UPDATE_STATUS, msg.free())


def _ratio(_tool: str, msg: Message, _got: dict[str, Any]) -> str | None:
    return _first(RATIOS, msg.text)


def _metric_field(tool: str, msg: Message, _got: dict[str, Any]) -> str | None:
    return _ratio(tool, msg, _got) if tool == "benchmark_compare" else _metric(tool, msg)


# Words that are never part of a product's name in an ordering question; what is left, in runs, names products.
NOT_PRODUCT = frozenset(
    """a an the of for on in to and or but so if is are be been do does did we i you our my your me us it its this
    that these those them they there here what whats how many much should would could can will shall need needs
    order orders ordering reorder reordering restock restocking buy buying get getting got stock stocks stocked
    inventory more less enough keep keeps kept running run out low short each every all some any optimal best
    right qty quantity quantities amount amounts level levels par next this week weeks month today tomorrow weekend
    please pls thanks just only again also too really actually now then ok okay hey hi shop cafe café bakery store
    salon here gift shop business supplier suppliers delivery budget have has had left over going gonna want like
    with without around about at by from up down lot lots bit sell sold selling sales bag bags box boxes pack packs
    case cases dollars dollar bucks pounds quid euros usd rush busy quiet days period time""".split()
)


def _skus(tool: str, msg: Message, _got: dict[str, Any]) -> list[str] | None:
    """Products named in an ordering question ("how many almond croissants and oat milk should I order")."""
    if tool != "optimize_inventory":
        return None
    text = re.sub(r"[^a-z0-9' ]", " , ", msg.free())
    runs: list[str] = []
    current: list[str] = []
    for word in [*text.split(), ","]:
        if word in NOT_PRODUCT or word == "," or word.isdigit() or len(word) < 3:
            if current:
                runs.append(" ".join(current))
            current = []
        else:
            current.append(word)
    products = [r for r in runs if len(r.split()) <= 3 and not mentioned_metrics(r) and not find_channels(r)]
    return list(dict.fromkeys(products)) or None


def _channels(_tool: str, msg: Message, _got: dict[str, Any]) -> list[str] | None:
    found = find_channels(msg.text)
    return found if len(found) >= 2 else None


# Order matters: fields that claim numbers (dates, goal numbers, horizons) run before amounts.
EXTRACTORS: dict[str, Extractor] = {
    "metric": _metric_field,
    "goal": _goal,
    "period": _period,
    "compare_to": _second_period,
    "baseline": _second_period,
    "week": lambda _t, msg, _g: _week(msg),
    "horizon": _horizon,
    "deadline": _deadline,
    "intervention": _intervention,
    "change_pct": lambda tool, msg, _g: _goal_change(msg) if tool == "create_goal" else _change_pct(msg),
    "amount": lambda _t, msg, got: _amount(msg, got.get("intervention")),
    "channel": lambda _t, msg, _g: next(iter(find_channels(msg.text)), None),
    "channels": _channels,
    "service_level": lambda _t, msg, _g: _service_level(msg),
    "review_days": lambda _t, msg, _g: _review_days(msg),
    "skus": _skus,
    "budget": lambda _t, msg, _g: n.value if (n := _money(msg, minimum=50)) else None,
    "labour_budget": lambda _t, msg, _g: n.value if (n := _money(msg, minimum=100)) else None,
    "total": lambda _t, msg, _g: n.value if (n := _money(msg, minimum=20)) else None,
    "target": _target,
    "status": _status,
    "query": lambda _t, msg, _g: _query(msg),
    "dimension": _dimension,
}
# What a field falls back to when the words do not say, before it counts as missing.
FALLBACKS: dict[tuple[str, str], Any] = {("metric_summary", "metric"): "revenue"}


@dataclass(frozen=True)
class Extraction:
    """Arguments found for one tool call, and the required fields still missing."""

    args: dict[str, Any]
    missing: list[str]
    defaulted: frozenset[str] = frozenset()


def _allowed(spec: dict[str, Any]) -> set[Any] | None:
    if "enum" in spec:
        return set(spec["enum"])
    options = [o.get("enum") for o in spec.get("anyOf", []) if "enum" in o]
    return {v for o in options for v in o} if options else None


def extract(tool: str, schema: dict[str, Any], text: str) -> Extraction:
    """Arguments for ``tool`` from ``text``, following its JSON schema (properties, required, enums)."""
    properties: dict[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))
    msg = Message(clean(text))
    args: dict[str, Any] = {}
    defaulted: set[str] = set()
    for name in sorted(properties, key=lambda n: list(EXTRACTORS).index(n) if n in EXTRACTORS else 99):
        extractor = EXTRACTORS.get(name)
        value = extractor(tool, msg, args) if extractor else None
        if value is None and (tool, name) in FALLBACKS:
            value = FALLBACKS[(tool, name)]
            defaulted.add(name)
        allowed = _allowed(properties[name])
        if value is not None and (allowed is None or value in allowed):
            args[name] = value
    if tool == "create_goal" and "metric" not in args and "target" in args:
        money = any(n.kind == "money" for n in find_numbers(msg.text))
        if money and "metric" in properties:
            args["metric"] = "revenue"
            defaulted.add("metric")
    missing = [name for name in properties if name in required and name not in args]
    if tool == "create_goal" and "target" in properties and not {"target", "change_pct"} & set(args):
        missing.insert(0, "target")
    return Extraction(args=args, missing=missing, defaulted=frozenset(defaulted))


PERIOD_FIELDS = ("period", "compare_to", "baseline", "horizon", "week")
ANAPHORA = re.compile(r"\b(?:that|then|it)$")
SAME_LAST_YEAR = re.compile(r"same [a-z ]+ (?:last year|a year ago|the year before)")


def _anchored(value: Any, earlier: Any) -> Any:
    """A period counted from the previous one ("the week before that", "same time last year") in its words."""
    if not isinstance(value, str) or not isinstance(earlier, str):
        return value
    if ANAPHORA.search(value):
        return ANAPHORA.sub(earlier, value)
    if SAME_LAST_YEAR.fullmatch(value):
        return f"{earlier} last year"
    if value in ("same day last week", "same day last month"):
        return f"{earlier} a {value.rsplit(' ', 1)[1]} earlier"
    return value


def merge(previous: Extraction, current: Extraction) -> Extraction:
    """A follow-up's arguments on top of the earlier question's ("and last month?" keeps the metric; "and the
    week before that?" counts back from the earlier period)."""
    said = {k: v for k, v in current.args.items() if k not in current.defaulted}
    for name in PERIOD_FIELDS:
        if name in said:
            said[name] = _anchored(said[name], previous.args.get(name) or previous.args.get("period"))
    args = {**current.args, **previous.args, **said}
    return Extraction(args=args, missing=[m for m in current.missing if m not in args])
