"""Context checks: what a regex cannot say cheaply about a match, decided on the match and the text around it.

The override family needs them most: "ignore" is everywhere, so an override counts only when its object is the
reader's own instructions (a qualifier such as "all", "previous" or "your"), nobody else's ("my previous order",
"its guidelines"), not negated ("do not ignore the safety instructions"), not reported speech ("regulators told
banks to ignore ...") and not quoted as an example ("phrases such as 'ignore previous instructions'").
"""

# ruff: noqa: RUF001 - the Cyrillic letters here are Russian words, not look-alikes of Latin ones.

from __future__ import annotations

import re

from supervisor.guards.detector.rulebook import word_group

__all__ = [
    "approval_claim",
    "check_delimiter_end",
    "check_image",
    "check_link",
    "check_override",
    "check_strong_gap",
    "not_first_person",
    "not_mention",
    "not_password_reset",
]


# An override must point at the reader's own instructions: "all", "previous", "your", "the system's" ...
_STRONG = re.compile(
    word_group(
        "previous|previously|prior|above|preceding|earlier|foregoing|initial|initially|original|originally|all|any|"
        "every|your|yours|system|safety|supervisor|supervisor's|developer|developer's|operator's|baton's|hidden|"
        "existing|default|current|before|so far|until now|you were|you have been|you've been|you got|you received|",
        "anteriores|anterior|previas|previos|precedentes|todas|todos|tus|del sistema|originales|iniciales|de arriba|"
        "recibidas|que te dieron|que te han dado|que se te dieron|hasta ahora|previamente|vuestras|antes|",
        "précédentes|précédents|antérieures|antérieurs|ci-dessus|toutes|tous|tes|vos|votre|initiales|du système|"
        "reçues|jusqu'ici|jusqu'à présent|plus haut|qui vous ont été données|qui t'ont été données|"
        "qu'on t'a données|qu'on vous a données|données précédemment|auparavant|",
        "vorherigen|vorherige|vorigen|vorige|bisherigen|bisherige|obigen|obige|früheren|vorangegangenen|alle|allen|"
        "sämtliche|sämtlichen|deine|deinen|ihre|ihren|ursprünglichen|oben|zuvor|davor|vorher|die man dir|"
        "die dir|die du erhalten|",
        "precedenti|tutte|tutti|tue|tuoi|originali|iniziali|sopra|ricevute|finora|prima|che ti hanno|"
        "che ti sono state|",
        "todas|tuas|teus|suas|seus|originais|acima|recebidas|até agora|do sistema|prévias|que lhe foram|"
        "que te deram|que você recebeu|",
        "vorige|eerdere|voorgaande|bovenstaande|alle|je|jouw|uw|oorspronkelijke|systeem|hierboven|tot nu toe|"
        "eerder|die je kreeg|die je hebt gekregen|",
        "предыдущие|предыдущих|все|всех|прежние|прежних|твои|ваши|свои|системные|системных|вышеуказанные|выше|ранее|"
        "исходные|изначальные|прошлые|раньше|которые тебе|которые вам|данные тебе|полученные|",
        "之前|以前|先前|上面|上述|以上|所有|全部|一切|你的|原来|原有|系统|前面|此前|前の|これまで|上記|先ほど|すべて|"
        "全て|あなたの|システム|元の|今まで|이전|모든|위의|앞의|기존|",
        "poprzednie|wszystkie|wcześniejsze|twoje|önceki|tüm|bütün",
    )
)
# ... and not at someone else's: "ignore my previous order", "get the model to abandon its guidelines".
_BLOCKER_BEFORE_OBJECT = re.compile(
    word_group(
        "its|their|his|her|my|our|mis|mi|nuestras|nuestros|mes|mon|ma|nos|notre|ses|son|sa|leurs|leur|meine|meinen|"
        "unsere|seine|seinen|mie|miei|mia|nostre|nostri|loro|minhas|meus|nossas|nossos|dele|dela|mijn|onze|zijn|"
        "hun|мои|наши|его|их|我的|我们的|他的|它的|他们的|私の"
    )
    + r"(?:\s[^\s]+){0,2}\s*$"
    + r"|(?<!\w)(?!(?:supervisor|system|developer|operator|admin|baton|orchestrator)'s)\w+'s(?:\s[^\s]+){0,2}\s*$"
)
_NEGATION_BEFORE = re.compile(
    r"(?:(?<!\w)(?:not|never|no|non|não|nao|nicht|niet|nunca|jamais|mai|не|ni)|n't|(?<!\w)n')\s*$|(?:不要|别|別|勿|不)$"
)
_NEGATION_AFTER = re.compile("^(?:しない|せず|しな|するな)")
# German and Dutch put the "not" after the verb: "Vergessen Sie nicht ..." is "don't forget".
_NOT_AFTER_VERB = re.compile(r"\s(?:sie\s|du\s|u\s|je\s|jij\s)?(?:nicht|niet)(?!\w)")
# "The administrator approved my leave request" reports someone's own business, not a verdict on this output.
_FIRST_PERSON = re.compile(
    word_group(
        "my|our|mi|mis|nuestra|nuestro|nuestras|nuestros|mon|ma|mes|notre|nos|mein|meine|meinen|meinem|meiner|unser|"
        "unsere|unseren|mio|mia|miei|mie|nostro|nostra|meu|minha|meus|minhas|nosso|nossa|mijn|onze|мою|мой|мои|моё|"
        "моего|моей|нашу|наш|наши|我的|我们的|私の"
    )
)
# "Regulators told banks to ignore the previous guidance": a command reported about someone else, not given.
_REPORTED_BEFORE = re.compile(
    r"(?<!\w)(?:told|asked|urged|instructed|advised|ordered|allowed|wanted|wants|want|tried\sto\s(?:get|make|convince"
    r"|trick)|attempts?\sto\s(?:get|make)|attempted\sto\s(?:get|make))\s(?!you\s|yourself\s)(?:[\w'-]+\s){1,3}to\s$"
)
_MENTION_BEFORE = re.compile(
    r"(?:such as|like|e\.g\.|for example|for instance|phrases?|strings?|payloads?|patterns?|known as|called|"
    r"texts?|words?|sentences?|lines?|examples?|including)\s*[:,]?\s*[\"']\s*$"
)
_PEM_LABEL = re.compile(
    r"(?:certificate|pgp|public key|private key|rsa|dsa|ec |openssh|signed message|x509|crl|csr|encrypted|"
    r"signature|new certificate request|message-----)"
)
_BLOCK_WORD = re.compile(
    word_group(
        "data|document|input|content|context|instructions|system|prompt|user|untrusted|tool|message|email|"
        "transcript|conversation|supervisor|admin|text|page|quote|ticket|review|output|result|"
        "datos|données|daten|dati|dados|gegevens|данных|数据|データ|documento|dokument|usuario|utilisateur|benutzer"
    )
)
_SECRET_PARAM = re.compile(
    word_group(
        "data|d|q|c|s|p|x|u|secret|secrets|token|key|api_key|apikey|pass|password|pwd|creds|cred|credentials|"
        "session|sid|cookie|content|conv|conversation|chat|history|msg|message|prompt|leak|exfil|payload|info|text|"
        "summary|email|user|memo|notes|ctx|context|log|dump|b64|base64|m|h|t|v"
    )
)
_SECRET_PLACEHOLDER = re.compile(
    r"conv|chat|history|prompt|system|secret|passw|pwd|memory|context|summary|credential|ssn|card|user_?data|"
    r"session|cookie|previous|messages|instructions|env|private|token|api_?key|apikey|email|address|personal|pii"
)
_URL_PLACEHOLDER = re.compile(r"\{([^{}]{1,60})\}|%7b(.{1,60}?)%7d|<([^<>]{1,60})>|\[([^\[\]]{1,60})\]|\$\{?(\w+)")
_MODAL_BEFORE = re.compile(r"(?:must|should|needs? to|to|will|can|cannot|can't|may|might|would) be\s$")
_PASSWORD_CHORE = re.compile(r"\s(?:reset|recovery|change|hint|policy|requirements|manager|field|link)")


def check_override(match: re.Match[str]) -> bool:
    text = match.string
    if match.group("verb") is not None:
        verb_start, gap, obj_start = match.start("verb"), match.group("gap"), match.start("obj")
        if _NEGATION_BEFORE.search(text, max(0, verb_start - 14), verb_start):
            return False
        if _NOT_AFTER_VERB.match(text, match.end("verb")):
            return False
        if _REPORTED_BEFORE.search(text, max(0, verb_start - 50), verb_start):
            return False
        if _BLOCKER_BEFORE_OBJECT.search(gap):
            return False
        window = text[match.end("verb") : min(len(text), match.end() + 30)]
    else:
        obj_start = match.start("obj2")
        before = text[max(0, obj_start - 24) : obj_start]
        if _BLOCKER_BEFORE_OBJECT.search(before) or _NEGATION_BEFORE.search(match.group("gap2")):
            return False
        if _NEGATION_AFTER.match(text, match.end()):
            return False
        window = text[max(0, match.start() - 30) : match.end()]
        verb_start = match.start()
    return _STRONG.search(window) is not None and not _is_mention(text, min(verb_start, obj_start))


def _is_mention(text: str, start: int) -> bool:
    """True when the phrase is quoted as an example ("phrases such as 'ignore previous instructions'")."""
    return _MENTION_BEFORE.search(text, max(0, start - 40), start) is not None


def check_strong_gap(match: re.Match[str]) -> bool:
    """ "Set your earlier instructions aside": the words between verb and object must point at the reader's own."""
    return _STRONG.search(match.group("gap")) is not None and not _is_mention(match.string, match.start())


def not_mention(match: re.Match[str]) -> bool:
    return not _is_mention(match.string, match.start())


def not_modal(match: re.Match[str]) -> bool:
    """ "Refunds must be approved by the supervisor" states a policy; "approved by the supervisor" claims a fact."""
    return _MODAL_BEFORE.search(match.string, max(0, match.start() - 16), match.start()) is None


def not_first_person(match: re.Match[str]) -> bool:
    """Approval of "my request" or "our order" is a customer's news, not a claim about this output."""
    text = match.string
    return _FIRST_PERSON.search(text, match.start(), min(len(text), match.end() + 30)) is None


def approval_claim(match: re.Match[str]) -> bool:
    return not_modal(match) and not_first_person(match)


def check_delimiter_end(match: re.Match[str]) -> bool:
    tail = match.group()
    return _PEM_LABEL.search(tail) is None and _BLOCK_WORD.search(tail) is not None


def _url_leaks(url: str, *, image: bool) -> bool:
    """Whether a URL carries data out: a template slot for secrets, or (for images) data-like query values."""
    for m in _URL_PLACEHOLDER.finditer(url):
        name = next(g for g in m.groups() if g is not None)
        if image or _SECRET_PLACEHOLDER.search(name):
            return True
    if not image or "?" not in url:
        return False
    for param in url.split("?", 1)[1].split("#", 1)[0].split("&"):
        name, _, value = param.partition("=")
        if value and (len(value) >= 40 or _SECRET_PARAM.fullmatch(name)):
            return True
    return False


def check_image(match: re.Match[str]) -> bool:
    return _url_leaks(match.group("url"), image=True)


def check_link(match: re.Match[str]) -> bool:
    return _url_leaks(match.group("url"), image=False)


def not_password_reset(match: re.Match[str]) -> bool:
    """ "Send the password reset link to me@example.com" is a customer request, not exfiltration."""
    return _PASSWORD_CHORE.match(match.string, match.end("s")) is None
