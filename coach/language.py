"""A light check that a message is in English (the coach answers in English only, and says so politely)."""

from __future__ import annotations

import re

ENGLISH = frozenset(
    "the a an is are was were be been do does did i you we it my our your what why how when which who should "
    "could would will can to of in on for and or but with this that these those last next week month year sales "
    "revenue much many more less than did have has had me us please show tell give make".split()
)
_FOREIGN = {
    "es": "el la los las es son qué por cómo cuándo cuánto de del y en para con una un mis ventas semana",
    "fr": "le la les est sont pourquoi comment quand combien de des et en pour avec une un mes ventes semaine",
    "de": "der die das ist sind warum wie wann wieviel von und in für mit eine ein meine umsatz woche",
    "it": "il lo la gli le è sono perché come quando quanto di e in per con una un mie vendite settimana",
    "pt": "o a os as é são porque como quando quanto de e em para com uma um minhas vendas semana",
    "nl": "de het is zijn waarom hoe wanneer hoeveel van en in voor met een mijn omzet week",
}
OTHERS = {language: frozenset(words.split()) for language, words in _FOREIGN.items()}
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def looks_english(text: str) -> bool:
    """False only when the text is clearly in another language (another script, or mostly foreign words)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return True
    if sum(1 for c in letters if c.isascii() or c in "éèêáàâíóúüöäçñ’") / len(letters) < 0.6:
        return False  # mostly another script (Cyrillic, CJK, Arabic, ...)
    words = [w.lower() for w in WORD.findall(text)]
    if len(words) < 3:
        return True
    english = sum(w in ENGLISH for w in words)
    foreign = max(sum(w in vocab and w not in ENGLISH for w in words) for vocab in OTHERS.values())
    return not (foreign >= 2 and foreign > english)
