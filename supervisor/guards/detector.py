"""Heuristic prompt-injection detector: the second line of defence behind Baton's structural guards.

A specialist's output and every tool result is data, never instructions. :class:`HeuristicDetector` flags text
that tries to act as instructions anyway, in six families (:data:`FindingKind`): overriding the instructions a
model was given, faking a system/supervisor/assistant turn, faking a verdict or routing decision, role-play
jailbreaks, exfiltration of secrets, and breaking out of Baton's ``<data>`` blocks.

Patterns are written for families of phrasing (verb x object x qualifier, in several languages), not for
particular sentences, and they run over the normalised text from :mod:`supervisor.guards.normalize`, so
zero-width splits, look-alike letters, fullwidth forms, bidi tricks, base64 and hex reach them undisguised.
Benign look-alikes (code that says ``ignore``, a customer's "ignore my previous order", a security report that
describes an attack in the third person, order JSON) are kept out by context rules: an override needs an
instructions-like object *and* a qualifier that points at the reader's own instructions (previous, all, your).

Cost: each rule is gated on cheap substring checks and compiled once per process; see ``bench/guard.py``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from supervisor.guards.normalize import fold_pattern, normalize, strip_invisible

__all__ = ["Finding", "FindingKind", "HeuristicDetector"]

FindingKind = Literal[
    "instruction_override", "fake_turn", "fake_control", "roleplay", "exfiltration", "delimiter_break"
]

REMOVED = "[removed: suspected instructions]"
_EVIDENCE_CHARS = 80


@dataclass(frozen=True, slots=True)
class Finding:
    """One suspected injection: what kind, the matched text (normalised), and whether it was only seen decoded."""

    kind: FindingKind
    evidence: str
    encoded: bool = False


class HeuristicDetector:
    """Pattern-based injection detector; cheap enough to run on every message that crosses between agents."""

    def __init__(self) -> None:
        self._rules = _ruleset()

    def scan(self, text: str) -> tuple[Finding, ...]:
        """Every suspected injection in ``text``; an empty tuple when nothing is found."""
        norm = normalize(text)
        findings = _scan_text(self._rules, norm.text, encoded=False)
        plain_kinds = {f.kind for f in findings}
        for segment in norm.decoded:
            for finding in _scan_text(self._rules, segment, encoded=True):
                if finding.kind not in plain_kinds and finding not in findings:
                    findings.append(finding)
        return tuple(findings)

    def sanitize(self, text: str) -> str:
        """``text`` with each flagged line or sentence replaced by a marker and invisible characters removed."""
        lines = text.split("\n")
        out = [self._sanitize_line(line) for line in lines]
        # An injection can straddle lines ("ignore\nprevious instructions"): remove neighbouring lines together.
        for i in range(len(out) - 1):
            pair = f"{out[i]}\n{out[i + 1]}"
            if REMOVED not in pair and self.scan(pair):
                out[i] = out[i + 1] = REMOVED
        result = "\n".join(out)
        return REMOVED if self.scan(result) else result

    def _sanitize_line(self, line: str) -> str:
        if not line.strip() or not self.scan(line):
            return strip_invisible(line)
        sentences = _SENTENCE_END.split(line)
        if len(sentences) > 1:
            kept = [REMOVED if self.scan(s) else strip_invisible(s) for s in sentences]
            if REMOVED in kept and not self.scan(" ".join(kept)):
                return " ".join(kept)
        return REMOVED


_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+")


@dataclass(frozen=True, slots=True)
class _Rule:
    kinds: tuple[FindingKind, ...]
    pattern: re.Pattern[str]
    check: Callable[[re.Match[str]], bool] | None = None  # a context rule a regex cannot say cheaply


@dataclass(frozen=True, slots=True)
class _Prefilter:
    """Finds the positions where some rule's lead occurs: at a word start, or anywhere."""

    search: re.Pattern[str]  # (?<!\w)(?P<w>word-start leads)|anywhere leads, each part one trie
    anywhere: re.Pattern[str]  # the anywhere leads alone, to look for a longer one at a word-start hit
    word_rules: dict[str, tuple[int, ...]]  # a word-start lead -> rules starting with it or a prefix of it
    anywhere_rules: dict[str, tuple[int, ...]]


@dataclass(frozen=True, slots=True)
class _RuleSet:
    """The rules, and a prefilter that finds where any of them could start.

    ``re`` pays a fixed cost at every position of the text for every pattern it searches, and forty patterns make
    that cost the whole budget. Every rule starts with one of a known set of literal "leads" (derived from its
    regex by :func:`_leads`), so one trie-shaped search finds the positions where some lead occurs, and only the
    rules owning that lead are tried there, anchored.
    """

    rules: tuple[_Rule, ...]
    prefilter: _Prefilter
    ascii_prefilter: _Prefilter  # ASCII text never needs the Cyrillic and CJK leads


def _scan_text(ruleset: _RuleSet, text: str, *, encoded: bool) -> list[Finding]:
    rules, found = ruleset.rules, {}
    pre = ruleset.ascii_prefilter if text.isascii() else ruleset.prefilter
    search, pos = pre.search.search, 0
    # Leads overlap ("api" inside "send the api key"): advance one character, not past the hit.
    while (hit := search(text, pos)) is not None:
        start = hit.start()
        if hit.lastgroup == "w":
            candidates = pre.word_rules[hit.group()]
            longer = pre.anywhere.match(text, start)
            if longer is not None:
                candidates += pre.anywhere_rules[longer.group()]
        else:
            candidates = pre.anywhere_rules[hit.group()]
        for index in candidates:
            if index not in found:
                rule = rules[index]
                match = rule.pattern.match(text, start)
                if match is not None and (rule.check is None or rule.check(match)):
                    found[index] = match
        pos = start + 1
    findings: list[Finding] = []
    for index in sorted(found):
        evidence = found[index].group().strip()[:_EVIDENCE_CHARS]
        for kind in rules[index].kinds:
            finding = Finding(kind, evidence, encoded)
            if finding not in findings:
                findings.append(finding)
    return findings


def _combine(rules: list[_Rule]) -> _RuleSet:
    owners: dict[tuple[str, bool], set[int]] = {}
    for index, rule in enumerate(rules):
        leads = _leads(_NAMED_GROUP.sub("(?:", rule.pattern.pattern))
        if not leads:
            raise ValueError(f"rule {index} has no literal lead: {rule.pattern.pattern[:80]!r}")
        for lead in leads:
            owners.setdefault(lead, set()).add(index)
    return _RuleSet(tuple(rules), _prefilter(owners, ascii_only=False), _prefilter(owners, ascii_only=True))


def _prefilter(owners: dict[tuple[str, bool], set[int]], *, ascii_only: bool) -> _Prefilter:
    def closure(word: bool) -> dict[str, tuple[int, ...]]:
        # The trie matches the longest lead at a position; the rules of every shorter lead it begins with apply.
        leads = {lead: ids for (lead, w), ids in owners.items() if w == word and (lead.isascii() or not ascii_only)}
        return {
            lead: tuple(sorted(set().union(*(ids for other, ids in leads.items() if lead.startswith(other)))))
            for lead in leads
        }

    word_rules, anywhere_rules = closure(True), closure(False)
    anywhere = _trie(sorted(anywhere_rules))
    search = f"{_WORD_START}(?P<w>{_trie(sorted(word_rules))})|{anywhere}"
    return _Prefilter(re.compile(search), re.compile(anywhere), word_rules, anywhere_rules)


_NAMED_GROUP = re.compile(r"\(\?P<\w+>")
_LEAD_CHARS = 8  # leads this long are selective enough; longer ones only multiply the prefilter's size
_ASSERTION = ("(?<!", "(?<=", "(?!", "(?=")


_Lead = tuple[str, bool, bool]  # (literal, must start a word, is the whole of its alternative)


def _leads(source: str) -> set[tuple[str, bool]] | None:
    """The literal strings every match of ``source`` starts with, each flagged when it must start a word.

    None when some branch can start with anything (a class like ``\\s`` or an optional first element). Only the
    regex constructs the rule sources use are understood; :func:`_combine` refuses a rule it cannot lead.
    """
    found = _alternatives(source)
    return None if found is None else {(lead, word) for lead, word, _ in found}


def _alternatives(source: str) -> set[_Lead] | None:
    leads: set[_Lead] = set()
    for branch in _top_level_branches(source):
        found = _sequence(branch, 0, "", word=False)
        if found is None:
            return None
        leads |= found
    return leads


def _sequence(branch: str, i: int, prefix: str, *, word: bool) -> set[_Lead] | None:
    """Leads of ``branch[i:]`` after the literal ``prefix`` already read."""
    while not prefix and branch.startswith(_ASSERTION, i):  # zero-width: the lead starts after them
        end = _group_end(branch, i)
        word = word or branch[i:end] in (_WORD_START, _LINE_START)
        i = end
    while i < len(branch):
        stop = {(prefix, word, False)} if prefix else None
        if len(prefix) >= _LEAD_CHARS:
            return stop
        ch = branch[i]
        if ch in "([":
            if branch.startswith(_ASSERTION, i):
                return stop
            end = _group_end(branch, i) if ch == "(" else branch.index("]", i + 2) + 1
            inner = _group_alternatives(branch[i:end])
            if inner is None or _repeat_min(branch, end) != 1:
                return stop
            exact = branch[end : end + 1] not in ("{", "+")
            leads: set[_Lead] = set()
            for lead, inner_word, whole in inner:
                lead_word = word or (not prefix and inner_word)
                more = _sequence(branch, end, prefix + lead, word=lead_word) if whole and exact else None
                leads |= more if more is not None else {(prefix + lead, lead_word, False)}
            return leads
        if branch.startswith("\\s", i) and _repeat_min(branch, i + 2) == 1 and branch[i + 2 : i + 3] not in "{+":
            # Normalised text has exactly one space or one newline where the pattern says \s.
            leads = set()
            for sep in " \n":
                more = _sequence(branch, i + 2, prefix + sep, word=word)
                if more is None:
                    return stop
                leads |= more
            return leads
        if ch == "\\":
            literal, end = branch[i + 1], i + 2
            if literal.isalnum():  # \w, \b, \d ...: a class or an assertion, not a character
                return stop
        elif ch in ".^$|)?*+{":
            return stop
        else:
            literal, end = ch, i + 1
        count = _repeat_min(branch, end)
        if count == 0:
            return stop
        if count != 1 or branch[end : end + 1] in ("{", "+"):
            return {(prefix + literal * count, word, False)}  # a variable run: stop at its guaranteed part
        prefix += literal
        i = end
    return {(prefix, word, True)} if prefix else None


def _group_alternatives(group: str) -> set[_Lead] | None:
    """Leads of a ``(...)`` group or a plain ``[...]`` character class."""
    if group[0] == "[":
        chars = group[1:-1]
        if chars.startswith("^") or "\\" in chars or "-" in chars.strip("-"):
            return None
        return {(c, False, True) for c in chars}
    body = group[group.index(":") + 1 if group.startswith("(?:") else 1 : -1]
    return _alternatives(body)


def _group_end(source: str, start: int) -> int:
    """Index just past the group opening at ``start``."""
    depth, i, in_class = 0, start, False
    while i < len(source):
        ch = source[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            if source[i + 1 : i + 2] == "]":
                i += 1
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError(f"unbalanced group in {source!r}")


def _optional(source: str, end: int) -> bool:
    return _repeat_min(source, end) == 0


_QUANTIFIER = re.compile(r"\?|\*|\+|\{(\d*)(?:,\d*)?\}")


def _repeat_min(source: str, end: int) -> int:
    """The least number of times the atom ending at ``end`` must occur."""
    m = _QUANTIFIER.match(source, end)
    if m is None or m.group() == "+":
        return 1
    if m.group() in ("?", "*"):
        return 0
    return int(m.group(1) or 0)


# --- building patterns --------------------------------------------------------------------------------------------

_CJK = re.compile("[\u1100-\u11ff\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")


_Node = dict[str, "_Node"]


def _trie(words: Iterable[str]) -> str:
    """One regex alternation for ``words``, factored by common prefix (Python's ``re`` does not do this itself)."""
    root: _Node = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _emit(root)


def _emit(node: _Node) -> str:
    branches = [(r"\s" if ch == " " else re.escape(ch)) + _emit(child) for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


def _words(*specs: str) -> str:
    """An alternation of the ``|``-separated words in ``specs``, folded like the text.

    Words in spaced scripts must stand whole (no letter either side); Chinese, Japanese and Korean words, which
    are not separated by spaces, match anywhere.
    """
    words = {fold_pattern(w.strip()) for spec in specs for w in spec.split("|") if w.strip()}
    dense = {w for w in words if _CJK.search(w)}
    spaced = words - dense
    parts = []
    if spaced:
        parts.append(r"(?<!\w)" + _trie(sorted(spaced)) + r"(?!\w)")
    if dense:
        parts.append(_trie(sorted(dense)))
    return "(?:" + "|".join(parts) + ")"


_ESCAPE_OR_TEXT = re.compile(r"\\.|\(\?P<\w+>|[^\\(]+|\(")
_PLACEHOLDER = re.compile(r"\{([A-Z_]+)\}")


def _rx(source: str, **groups: str) -> re.Pattern[str]:
    """Compile ``source`` with ``{NAME}`` replaced by ``groups[NAME]``, its letters folded like the text."""
    expanded = _PLACEHOLDER.sub(lambda m: groups.get(m.group(1), m.group()), source)
    folded = _ESCAPE_OR_TEXT.sub(lambda m: m.group() if m.group()[0] in "\\(" else fold_pattern(m.group()), expanded)
    return re.compile(_hoist_word_start(folded), re.MULTILINE)


_WORD_START = r"(?<!\w)"
_LINE_START = r"(?<![^\n])"


def _hoist_word_start(source: str) -> str:
    """``(?<!\\w)a|(?<!\\w)b|c`` -> ``(?<!\\w)(?:a|b)|c``.

    ``re`` tries every top-level branch at every position; when each starts with the same look-behind, one shared
    check rejects most positions (inside words) before any branch is tried.
    """
    branches = _top_level_branches(source)
    spaced = [b[len(_WORD_START) :] for b in branches if b.startswith(_WORD_START)]
    if len(spaced) < 2:
        return source
    rest = [b for b in branches if not b.startswith(_WORD_START)]
    return "|".join([f"{_WORD_START}(?:{'|'.join(spaced)})", *rest])


def _top_level_branches(source: str) -> list[str]:
    branches, depth, start, i, in_class = [], 0, 0, 0, False
    while i < len(source):
        ch = source[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
            if source[i + 1 : i + 2] == "]":
                i += 1
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            branches.append(source[start:i])
            start = i + 1
        i += 1
    branches.append(source[start:])
    return branches


# --- vocabulary (written with accents; folded at compile time) -----------------------------------------------------

_OVERRIDE_VERBS = _words(
    "ignore|ignoring|disregard|disregarding|forget|forgetting|skip|bypass|override|overrule|drop|discard|abandon|"
    "neglect|set aside|put aside|pay no attention to|do not follow|don't follow|dont follow|stop following|"
    "no longer follow|do not obey|don't obey|stop obeying|do not listen to|don't listen to|stop listening to|"
    "cancel|void|nullify|throw out|throw away|scrap|forgo|ditch|dismiss|disobey|circumvent|unlearn|supersede|"
    "supersedes|overrides|overrules|replaces|cancels|voids|invalidates|nullifies|takes precedence over|"
    "take precedence over|has priority over|erase|wipe|purge|don't pay attention to|do not pay attention to|"
    "stop paying attention to|no longer need to follow|don't need to follow|do not need to follow|"
    "don't have to follow|do not have to follow|no longer have to follow|need not follow|needn't follow|"
    "don't need to obey|do not need to obey|no longer need to obey|don't have to obey|stop respecting|"
    "do not comply with|don't comply with|stop complying with|",
    "ignora|ignore|ignoren|ignorad|ignorar|ignorando|olvida|olvide|olviden|olvidad|olvidar|olvídate de|"
    "olvídese de|descarta|descarte|descarten|descartar|omite|omita|omitir|desestima|desestime|desobedece|"
    "no sigas|no siga|no sigan|no seguir|deja de seguir|deje de seguir|pasa por alto|pase por alto|"
    "haz caso omiso de|haz caso omiso a|haga caso omiso de|no hagas caso a|no hagas caso de|anula|anule|"
    "no obedezcas|no obedezca|no respetes|no respete|no cumplas|no cumplas con|ya no sigas|",
    "ignorez|ignorer|ignorant|oublie|oubliez|oublier|ne tiens pas compte|ne tenez pas compte|ne tiens plus compte|"
    "ne tenez plus compte|ne plus tenir compte|ne pas tenir compte|fais abstraction|faites abstraction|écarte|"
    "écartez|néglige|négligez|ne suis pas|ne suivez pas|ne suis plus|ne suivez plus|ne respecte plus|"
    "ne respectez plus|ne respecte pas|ne respectez pas|passe outre|passez outre|outrepasse|outrepassez|annule|"
    "annulez|abandonne|abandonnez|n'obéis pas à|n'obéissez pas à|n'obéis plus à|n'obéissez plus à|"
    "n'obéis pas aux|n'obéissez pas aux|n'obéis plus aux|n'obéissez plus aux|",
    "ignoriere|ignorier|ignorieren|ignoriert|vergiss|vergesst|vergessen|missachte|missachten|missachtet|übergehe|"
    "übergeh|übergehen|verwirf|verwerfen|verwerfe|befolge nicht|befolgen sie nicht|beachte nicht|"
    "beachten sie nicht|nicht mehr befolgen|nicht befolgen|nicht beachten|außer acht lassen|ausser acht lassen|"
    "lass außer acht|lassen sie außer acht|setze außer kraft|setzen sie außer kraft|gehorche nicht|"
    "befolge keine|befolgen sie keine|halte dich nicht an|halten sie sich nicht an|",
    "ignorate|ignori|ignorare|dimentica|dimenticate|dimentichi|dimenticare|trascura|trascurate|tralascia|"
    "tralasciate|non seguire|non seguite|non segua|non rispettare|non rispettate|disattendi|disattendete|scarta|"
    "scartate|lascia perdere|lasciate perdere|annulla|annullate|non tenere conto|non tenete conto|"
    "non tener conto|non obbedire|non obbedite|non ubbidire|disobbedisci|",
    "ignorem|esqueça|esquece|esqueçam|esquecer|desconsidere|desconsidera|desconsiderem|desconsiderar|descarte|"
    "descarta|não siga|não sigas|não sigam|deixe de seguir|deixa de seguir|despreze|despreza|não obedeça|"
    "não obedeças|não respeite|não cumpra|desobedeça|",
    "negeer|negeert|negeren|vergeet|vergeten|veronachtzaam|volg niet|niet volgen|niet meer volgen|"
    "gehoorzaam niet|niet gehoorzamen|houd je niet aan|",
    "игнорируй|игнорируйте|проигнорируй|проигнорируйте|игнорировать|забудь|забудьте|забыть|не обращай внимания на|"
    "не обращайте внимания на|отбрось|отбросьте|не следуй|не следуйте|не выполняй|не выполняйте|отмени|отмените|"
    "пренебреги|пренебрегите|не соблюдай|не соблюдайте|откажись от|забей на|забейте на|наплюй на|плюнь на|"
    "не подчиняйся|не слушайся|не слушай|",
    "忽略|忽視|忽视|无视|無視|不要理会|不要理會|不用理会|别管|別管|忘记|忘記|忘掉|抛弃|拋棄|放弃|放棄|不再遵守|不要遵守|"
    "不用遵守|不必遵守|不要遵循|不再遵循|跳过|跳過|绕过|繞過|废除|作废|丢弃|丟棄|撤销|",
    "無視|忘れ|従わな|破棄|取り消|捨て|",
    "무시|잊어|잊고|따르지|zignoruj|ignoruj|zapomnij|pomiń|yok say|görmezden gel|unut",
)
_OVERRIDE_OBJECTS = _words(
    "instructions|instruction|prompt|prompts|system prompt|rules|rule|directives|directive|guidelines|guideline|"
    "guidance|constraints|restrictions|policies|programming|training|context|conversation|messages|commands|"
    "safeguards|guardrails|directions|orders|",
    "instrucciones|instrucción|indicaciones|reglas|normas|directrices|órdenes|pautas|consignas|directivas|"
    "restricciones|",
    "consignes|consigne|règles|indications|ordres|",
    "anweisungen|anweisung|instruktionen|regeln|vorgaben|befehle|richtlinien|anordnungen|einschränkungen|"
    "systemprompt|direktiven|",
    "istruzioni|regole|direttive|ordini|consegne|restrizioni|linee guida|",
    "instruções|instrução|orientações|regras|diretrizes|ordens|restrições|comandos|",
    "instructies|instructie|aanwijzingen|regels|opdrachten|richtlijnen|voorschriften|beperkingen|",
    "инструкции|инструкций|инструкциям|инструкциями|инструкцию|инструкция|указания|указаний|указаниям|указаниями|"
    "правила|правил|правилам|правилами|команды|команд|директивы|директив|распоряжения|распоряжений|ограничения|"
    "ограничений|промпт|промпта|установки|установок|",
    "指令|指示|规则|規則|提示|提示词|命令|要求|设定|設定|约束|約束|规定|規定|限制|ルール|プロンプト|制約|ガイドライン|"
    "지시|지침|명령|규칙|프롬프트|",
    "instrukcje|polecenia|zasady|reguły|talimatları|talimatlar|kuralları|komutları",
)
# An override must point at the reader's own instructions: "all", "previous", "your", "the system's" ...
_STRONG = re.compile(
    _words(
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
    _words(
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
# "Regulators told banks to ignore the previous guidance": a command reported about someone else, not given.
_REPORTED_BEFORE = re.compile(
    r"(?<!\w)(?:told|asked|urged|instructed|advised|ordered|allowed|wanted|wants|want|tried\sto\s(?:get|make|convince"
    r"|trick)|attempts?\sto\s(?:get|make)|attempted\sto\s(?:get|make))\s(?!you\s|yourself\s)(?:[\w'-]+\s){1,3}to\s$"
)
_MENTION_BEFORE = re.compile(
    r"(?:such as|like|e\.g\.|for example|for instance|phrases?|strings?|payloads?|patterns?|known as|called|"
    r"texts?|words?|sentences?|lines?|examples?|including)\s*[:,]?\s*[\"']\s*$"
)

_ROLE = (
    "system|system message|system prompt|supervisor|assistant|developer|admin|administrator|root|operator|baton|"
    "orchestrator|sysadmin|sistema|mensaje del sistema|système|message système|systeem|systemnachricht|"
    "systemmeldung|система|системное сообщение|系统|系統|系统消息|系统提示|システム|システムメッセージ|管理员|管理者|"
    "supervisore|супервизор|администратор|ассистент|asistente|assistente|assistent|시스템"
)
# Words that show a line is addressed to the model that reads it (after a bare "system:" for instance).
_CUE = _words(
    "you|your|you're|ignore|disregard|forget|do not|don't|always|never|must|respond|reply|answer|output|print|"
    "reveal|send|approve|grant|comply|obey|the assistant|the model|the ai|the agent|the user is|the requester|"
    "new instructions|new rules|new policy|override|from now|priority|verified|elevated|accept|approve|approved|"
    "mark|route|reroute|escalate|publish|skip|authorised|authorized|pre-authorised|pre-authorized|pre-approved|"
    "cleared|permitted|exempt|",
    "tú|usted|debes|debe|ignora|eres|responde|nuevas|a partir|vous|tu dois|vous devez|désormais|du|sie|ignoriere|"
    "ab jetzt|ab sofort|musst|müssen|devi|ora|você|voce|deve|jij|je moet|negeer|vanaf|ты|вы|должен|должны|"
    "игнорируй|теперь|你|您|忽略|从现在|必须|あなた|無視|今から|これから|しなければ|ください|당신|너는",
)
_SEND_LATIN = (
    "send|email|e-mail|mail|forward|post|upload|transmit|exfiltrate|leak|share|submit|deliver|dm|message|text|"
    "tweet|publish|paste|copy|pipe|report|relay|sync|export|dump|append|attach|embed|encode|"
    "envía|envíe|enviar|manda|mande|mandar|reenvía|reenvíe|comparte|comparta|envíame|envíanos|mándame|"
    "mándanos|reenvíame|pásame|envoie-moi|envoyez-moi|transmets-moi|transmettez-moi|inviami|mandami|inoltrami|"
    "envie-me|mande-me|manda-me|"
    "envoie|envoyez|envoyer|transmets|transmettez|transmettre|transfère|transférez|partage|partagez|"
    "sende|senden|schicke|schick|schicken|übermittle|übermitteln|leite|weiterleiten|teile|"
    "invia|inviate|inviare|inoltra|inoltrate|inoltrare|condividi|"
    "envie|envia|encaminhe|encaminha|compartilhe|repasse|"
    "stuur|verstuur|verzend|stuur door|deel"
)
_SEND_OTHER = (
    "отправь|отправьте|отправить|пришли|пришлите|перешли|перешлите|вышли|вышлите|передай|передайте|загрузи|"
    "загрузите|发送|发给|发到|发至|传给|传到|上传|转发|提交|泄露|發送|傳送|上傳|轉發|送信|送って|送れ|転送|アップロード|投稿"
)
_SECRETS_LATIN = (
    "api key|api keys|apikey|api-key|api token|api tokens|secret key|secret keys|secret|secrets|password|passwords|"
    "passwd|credentials|login details|token|tokens|access token|auth token|bearer token|session token|"
    "session cookie|session id|cookies|private key|ssh key|ssh keys|id_rsa|.env|.env file|environment variables|"
    "env vars|system prompt|instructions|conversation|conversation history|chat history|chat log|chat transcript|"
    "message history|previous messages|customer data|customer records|customer list|customer emails|"
    "customer database|user data|user records|user emails|personal data|credit card|credit card numbers|"
    "card numbers|card details|database dump|database password|database credentials|internal notes|"
    "internal documents|seed phrase|wallet keys|admin password|root password|context window|your context|"
    "your memory|everything above|all previous messages|this conversation|our conversation|full transcript|"
    "clave|claves|clave api|clave de api|clave secreta|contraseña|contraseñas|credenciales|historial|"
    "clé|clés|clé api|mot de passe|mots de passe|identifiants|jeton|historique|"
    "schlüssel|api-schlüssel|passwort|passwörter|zugangsdaten|kennwort|verlauf|anmeldedaten|"
    "chiave|chiave api|chiavi|credenziali|cronologia|"
    "chave|chave de api|chave api|senha|senhas|credenciais|histórico|"
    "sleutel|api-sleutel|wachtwoord|wachtwoorden|inloggegevens|geschiedenis"
)
_SECRETS_OTHER = (
    "ключ|ключи|api-ключ|ключ api|пароль|пароли|токен|учетные данные|учётные данные|историю переписки|"
    "системный промпт|密钥|密碼|密码|令牌|凭证|凭据|系统提示|系统提示词|聊天记录|对话记录|api密钥|apiキー|パスワード|"
    "秘密鍵|認証情報|トークン|システムプロンプト|会話履歴"
)
_SEND_VERBS = _words(_SEND_LATIN, "|", _SEND_OTHER)
_SECRETS = _words(_SECRETS_LATIN, "|", _SECRETS_OTHER)
# Secret first, verb after ("把API密钥发送到…", "APIキーを…に送信"): only in languages whose word order puts it so.
# In English "forgot your password? email support@…" has that order and is harmless.
_SECRET_THEN_SEND = (_words(_SECRETS_OTHER), _words(_SEND_OTHER))
_DESTINATION = (
    r"(?:(?:https?|ftp|sftp|s3|gs|wss?)://\S+|www\.\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?<!\w)(?:webhook|pastebin|ngrok|requestbin)"
    r"|(?<!\w)(?:this|that|the following|my|our) (?:url|address|endpoint|server|webhook|link|inbox))"
)
_DATA_TAGS = _words(
    "data|document|documents|doc|context|tool_output|tool_result|tool_response|tool_call|tool|function_output|"
    "function_result|function_results|untrusted|untrusted_input|untrusted_data|untrusted_content|user_input|"
    "user_data|user_content|user_message|input|external_content|external_data|email|webpage|web_page|"
    "search_result|search_results|retrieved|retrieved_content|observation|system|instructions|instruction|"
    "prompt|system_prompt|human|assistant|user|context_data|quote|quoted|reference|source_text|transcript|"
    "ticket|review|content|message|tool_results|results|result"
)
_END_OF_DATA = (
    r"(?<!\w)(?:fin\sde\s(?:los\s)?datos|fin\sdes\sdonnées|ende\sder\s(?:daten|benutzereingabe|eingabe)|"
    r"fine\sdei\sdati|fim\sdos\sdados|einde\s(?:van\s)?(?:de\s)?(?:gegevens|data)|конец\sданных)(?!\w)"
    r"|数据结束|資料結束|数据到此结束|データ(?:の)?(?:終了|終わり)"
)
_PEM_LABEL = re.compile(
    r"(?:certificate|pgp|public key|private key|rsa|dsa|ec |openssh|signed message|x509|crl|csr|encrypted|"
    r"signature|new certificate request|message-----)"
)
_BLOCK_WORD = re.compile(
    _words(
        "data|document|input|content|context|instructions|system|prompt|user|untrusted|tool|message|email|"
        "transcript|conversation|supervisor|admin|text|page|quote|ticket|review|output|result|"
        "datos|données|daten|dati|dados|gegevens|данных|数据|データ|documento|dokument|usuario|utilisateur|benutzer"
    )
)
_SECRET_PARAM = re.compile(
    _words(
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


def _check_override(match: re.Match[str]) -> bool:
    text = match.string
    if match.group("verb") is not None:
        verb_start, gap, obj_start = match.start("verb"), match.group("gap"), match.start("obj")
        if _NEGATION_BEFORE.search(text, max(0, verb_start - 14), verb_start):
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


def _check_strong_gap(match: re.Match[str]) -> bool:
    """"Set your earlier instructions aside": the words between verb and object must point at the reader's own."""
    return _STRONG.search(match.group("gap")) is not None and not _is_mention(match.string, match.start())


def _not_mention(match: re.Match[str]) -> bool:
    return not _is_mention(match.string, match.start())


def _not_modal(match: re.Match[str]) -> bool:
    """ "Refunds must be approved by the supervisor" states a policy; "approved by the supervisor" claims a fact."""
    return _MODAL_BEFORE.search(match.string, max(0, match.start() - 16), match.start()) is None


def _check_delimiter_end(match: re.Match[str]) -> bool:
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


def _check_image(match: re.Match[str]) -> bool:
    return _url_leaks(match.group("url"), image=True)


def _check_link(match: re.Match[str]) -> bool:
    return _url_leaks(match.group("url"), image=False)


def _not_password_reset(match: re.Match[str]) -> bool:
    """ "Send the password reset link to me@example.com" is a customer request, not exfiltration."""
    return not re.match(
        r"\s(?:reset|recovery|change|hint|policy|requirements|manager|field|link)", match.string[match.end("s") :]
    )


@functools.cache
def _ruleset() -> _RuleSet:
    """Every rule, compiled once per process (the first detector pays; later ones share)."""
    return _combine(_rules())


def _rules() -> list[_Rule]:
    role, cue = _words(_ROLE), _CUE
    unrestricted = _words(
        "unrestricted|unfiltered|uncensored|unlimited|unbound|unchained|jailbroken|amoral|unethical|lawless|"
        "without restrictions|without any restrictions|without rules|without any rules|without limits|"
        "without filters|without any filters|without limitations|without censorship|without any content rules|"
        "without content rules|without guidelines|with no restrictions|with no rules|with no limits|"
        "with no filters|no restrictions|no rules|no limits|no filters|no content rules|dan|evil|rogue|"
        "no ethical guidelines|no ethics|no morals|no moral compass|no guidelines|without ethics|without morals|"
        "no content policy|no content policies|no policies|no censorship|no safety|no safeguards|no guardrails|"
        "sin restricciones|sin ninguna restricción|sin reglas|sin límites|sin filtros|sin censura|malvado|malvada|"
        "sans restrictions|sans aucune restriction|sans règles|sans limites|sans aucune limite|sans filtre|"
        "sans filtres|sans censure|maléfique|"
        "ohne einschränkungen|ohne jegliche einschränkungen|ohne regeln|ohne grenzen|ohne filter|ohne zensur|böse|"
        "senza restrizioni|senza alcuna restrizione|senza regole|senza limiti|senza filtri|senza censura|malvagio|"
        "sem restrições|sem nenhuma restrição|sem regras|sem limites|sem filtros|sem censura|malvado|"
        "zonder beperkingen|zonder regels|zonder grenzen|zonder filters|zonder censuur|kwaadaardig|"
        "без ограничений|без каких-либо ограничений|без правил|без фильтров|без цензуры|злой|"
        "不受任何限制|不受限制|没有任何限制|没有限制|無限制|无限制|没有任何规则|不受约束|越狱|邪恶|"
        "制限のない|制限なし|制約のない|フィルターなし|脱獄|邪悪",
    )
    persona = _words(
        "you are now|you're now|now you are|from now on you are|from now on you're|act as|act like|behave as|"
        "behave like|respond as|answer as|you will act as|you are going to act as|become|you are an ai|"
        "you're an ai|you are a chatbot|you are an assistant|you are a bot|you are a model|you are an llm|"
        "you are a language model|where you are|in which you are|imagine you are|imagine you're|suppose you are|"
        "let's pretend|let us pretend|you will be playing|you are playing|from this moment you are|"
        "from this moment on you are|starting now you are|i want you to act as|i want you to be|"
        "ahora eres|eres ahora|a partir de ahora eres|actúa como|actua como|compórtate como|"
        "tu es maintenant|tu es désormais|vous êtes maintenant|désormais tu es|agis comme|agissez comme|"
        "comporte-toi comme|du bist jetzt|du bist nun|du bist ab sofort|ab sofort bist du|jetzt bist du|"
        "ab jetzt bist du|handle als|verhalte dich wie|ora sei|adesso sei|sei ora|d'ora in poi sei|agisci come|"
        "comportati come|agora você é|agora voce e|você agora é|a partir de agora você é|aja como|age como|"
        "comporte-se como|je bent nu|nu ben je|vanaf nu ben je|gedraag je als|теперь ты|ты теперь|отныне ты|"
        "веди себя как|действуй как|你现在是|现在你是|从现在开始你是|從現在開始你是|扮演|充当|あなたは今から|今からあなたは|"
        "これからあなたは|として振る舞|として行動"
    )
    pretend = _words(
        "pretend you are|pretend you're|pretend to be|pretend that you are|pretend that you're|imagine you are an ai|"
        "roleplay as|role-play as|role play as|stay in character|you will play the role of|"
        "finge que eres|finge ser|haz como si fueras|fais semblant d'être|faites semblant d'être|"
        "fais comme si tu étais|faites comme si vous étiez|tu so, als wärst du|tu so als wärst du|tu so, als ob du|"
        "stell dir vor, du bist|fingi di essere|fai finta di essere|finja que é|finja que você é|finja ser|"
        "doe alsof je|doe alsof jij|притворись|представь, что ты|假装你是|假设你是|のふりをして|になりきって"
    )
    from_now = _words(
        "from now on|from this point on|from this point forward|henceforth|starting now|"
        "a partir de ahora|de ahora en adelante|desde ahora|à partir de maintenant|désormais|dorénavant|"
        "ab jetzt|ab sofort|von nun an|d'ora in poi|d'ora in avanti|da ora in poi|da adesso in poi|"
        "a partir de agora|de agora em diante|daqui em diante|vanaf nu|van nu af aan|voortaan|vanaf dit moment|"
        "с этого момента|отныне|впредь|начиная с этого момента|从现在开始|從現在開始|从现在起|從現在起|从今以后|"
        "これからは|今後は|今から|以後"
    )
    from_now_then = _words(
        "you are no longer|you are now|you will now|you will only|you will always|you will never|you will act|"
        "you will respond|you will answer|you will obey|you will ignore|you will reply|you are going to|"
        "you only|you always|you never|you must ignore|you must only|you must always|you must obey|you must respond|"
        "you must answer|your new|your only|your real|your sole|your true|ignore|disregard|respond only|reply only|"
        "answer only|only respond|only reply|only answer|act as|behave as|obey|you obey|you'll act|you'll respond|"
    "you'll answer|you'll only|you'll always|you'll never|you'll ignore|you'll obey|you'll pretend|you'll play|"
    "you'll reply|you're going to|you will play|",
        "eres|serás|debes|respondes|responde|responderás|actúa|actuarás|ignora|olvida|solo responde|"
        "tu es|vous êtes|tu dois|vous devez|tu réponds|vous répondez|réponds|répondez|ignore|ignorez|tu vas|"
        "vous allez|agis|agissez|bist du|musst du|antwortest du|ignorierst du|wirst du|du bist|du musst|du antwortest|"
        "antworte|ignoriere|sei|devi|rispondi|risponderai|ignora|agisci|você é|você deve|voce deve|tu és|responda|"
        "ignore|aja|ben je|moet je|antwoord je|antwoord|negeer|gedraag je|ты должен|ты будешь|ты отвечаешь|"
        "вы должны|вы будете|отвечай|отвечайте|игнорируй|игнорируйте|твоя новая|ты являешься|你必须|你只能|你只|你将|"
        "你要|你是|你不再|你应该|你需要|あなたは|すべての|必ず",
    )
    verbs, objects = _OVERRIDE_VERBS, _OVERRIDE_OBJECTS
    rules = [
        # --- instruction_override --------------------------------------------------------------------------
        _Rule(
            ("instruction_override",),
            _rx(
                r"(?P<verb>{V})(?P<gap>[^.!?;\n]{0,60}?)(?P<obj>{O})|(?P<obj2>{O})(?P<gap2>[^.!?;:\n]{0,25}?){V}",
                V=verbs,
                O=objects,
            ),
            check=_check_override,
        ),
        _Rule(
            ("instruction_override",),
            _rx(
                r"(?<!\w)(?:ignore|disregard|forget|discard|drop|skip|abandon)\s(?:about\s)?(?:everything|anything|all)"
                r"(?:\s(?:that\s)?(?:you\s(?:were|have\sbeen|'ve\sbeen|got|had\sbeen)\s(?:told|given|instructed|taught|"
                r"asked)|i\s(?:said|told\syou|wrote)|(?:written|said|stated|mentioned|listed)\s(?:above|before|earlier|"
                r"previously)|above|before(?:\sthis)?|prior|previously|so\sfar|up\sto\s(?:this|now)|that\scame\sbefore|"
                r"preceding|in\syour\s(?:system\s)?prompt))"
                r"|(?<!\w)(?:ignore|disregard|forget)\s(?:all\s|everything\s)?(?:of\s)?(?:the\s)?(?:above|foregoing|"
                r"preceding)(?=\s*(?:[.,;:!-]|$|and\b|then\b|now\b|instead\b|text|content|messages?|conversation|prompt))"
                r"|(?<!\w)(?:ignore|disregard|forget|discard|skip)\s(?:all\s)?(?:of\s)?(?:the\s)?(?:text|content|messages?|"
                r"input|context|conversation|words|stuff|lines?)\s(?:above|before\sthis|so\sfar|preceding|earlier)"
                r"|(?<!\w)(?:ignore|disregard|forget|don't\sdo|do\snot\sdo|never\smind|pay\sno\sattention\sto|don't\spay\s"
                r"attention\sto|do\snot\spay\sattention\sto)\s(?:whatever|what|anything)\s(?:you\s(?:were|have\sbeen|'ve\sbeen"
                r"|got)\s(?:told|asked|given|instructed)|(?:the\s)?(?:system|supervisor|developer|operator|prompt)\s(?:told|"
                r"said\sto|asked|instructed|gave)|(?:was|is)\s(?:said|written)\s(?:above|before))"
                r"|(?<!\w)(?:olvida|olvide|ignora|ignore|descarta|desestima|haz\scaso\somiso\sde|haga\scaso\somiso\sde|no\s"
                r"hagas\scaso\sde|no\shagas\scaso\sa|pasa\spor\salto)\stodo\slo\s(?:anterior|que\s(?:te|se\ste)\s(?:dijeron|"
                r"han\sdicho|dije|indicaron)|de\sarriba|dicho)"
                r"|(?<!\w)(?:oublie|oubliez|ignore|ignorez|ne\s(?:tiens|tenez)\s(?:pas|plus)\scompte\sde|fais\sabstraction\sde|"
                r"faites\sabstraction\sde)\s(?:tout\s)?ce\squ(?:i\sprécède|i\sest\sau-dessus|'on\st'a\sdit|'on\svous\sa\sdit|"
                r"e\sje\st'ai\sdit|i\sa\sété\sdit)"
                r"|(?<!\w)(?:vergiss|vergessen\ssie|ignoriere|ignorieren\ssie)\s(?:\w+\s){0,2}?alles,?\s(?:was\s(?:dir|ihnen|"
                r"man\sdir|man\sihnen)\s(?:\w+\s){0,2}(?:gesagt|aufgetragen|befohlen|vorgegeben|mitgeteilt)|bisherige|"
                r"vorherige|obige|oben|davor|zuvor|vorher)"
                r"|(?<!\w)(?:dimentica|ignora|dimenticate|ignorate)\stutto\s(?:quello|ciò|quanto)\s(?:che\sti\s(?:è\sstato|hanno)"
                r"\s(?:detto|scritto)|detto|scritto|sopra|precede)"
                r"|(?<!\w)(?:esqueça|esquece|ignore|ignora)\studo\s(?:o\sque\s(?:te|lhe)\s(?:disseram|foi\sdito)|acima|o\sque\sfoi"
                r"\sdito|anterior)"
                r"|(?<!\w)(?:vergeet|negeer)\salles\s(?:wat\s(?:je|jou|u)\s(?:is\s)?(?:gezegd|verteld|opgedragen)|hierboven|"
                r"hiervoor|wat\seerder)"
                r"|(?<!\w)(?:забудь|забудьте|игнорируй|игнорируйте)\s(?:всё|все),?\s(?:что\s(?:тебе|вам)\s(?:говорили|сказали|"
                r"сообщили)|вышесказанное|выше|сказанное\sранее|предыдущее)"
                r"|(?:忽略|无视|無視|忘记|忘記|忘掉)(?:以上|上面|上述|之前|前面|先前)"
                r"|(?:上記|これまで|今まで|以前|先ほど)の(?:内容|会話|こと|すべて)?(?:は|を)?(?:すべて|全て)?(?:無視|忘れ)"
            ),
            check=_not_mention,
        ),
        _Rule(("instruction_override",), _rx(r"{N}[,:]?\s?{T}", N=from_now, T=from_now_then), check=_not_mention),
        _Rule(
            ("instruction_override",),
            _rx(
                r"(?<!\w)(?:new|real|actual|true|secret|hidden|override|priority)\s(?:system\s)?(?:instructions?|"
                r"directives?|system\sprompt|prompt)\s*(?:for\s(?:you|the\s(?:assistant|model|ai|agent))\s*)?[:\-]"
                r"|(?<!\w)(?:here\sare|these\sare|follow|below\sare|obey)\s(?:your|the|these|my)\s(?:new|real|actual|"
                r"updated|true)\s(?:instructions|directives|orders|rules)"
                r"|(?<!\w)(?:nuevas|verdaderas)\s(?:instrucciones|órdenes|directrices|indicaciones)\s*:"
                r"|(?<!\w)instrucciones\snuevas\s*:"
                r"|(?<!\w)(?:nouvelles|vraies|véritables)\s(?:instructions|consignes|directives)\s*:"
                r"|(?<!\w)(?:neue|echte|wahre|geheime)\s(?:anweisungen|anweisung|instruktionen|befehle|direktiven|"
                r"vorgaben)\s*:"
                r"|(?<!\w)(?:nuove|vere)\s(?:istruzioni|direttive|indicazioni)\s*:"
                r"|(?<!\w)(?:novas|verdadeiras)\s(?:instruções|ordens|diretrizes|orientações)\s*:"
                r"|(?<!\w)(?:nieuwe|echte)\s(?:instructies|opdrachten|richtlijnen|aanwijzingen)\s*:"
                r"|(?<!\w)(?:новые|настоящие|секретные)\s(?:инструкции|указания|директивы|команды)\s*:"
                r"|(?:新的?|真正的|最新的?)(?:指令|指示|系统提示)\s*:|(?:新しい|本当の|新たな)(?:指示|命令|指令)\s*:"
                r"|새로운\s?(?:지시|지침|명령)\s*:"
            ),
        ),
        _Rule(
            ("instruction_override",),
            _rx(
                r"(?<!\w)your\s(?:real|actual|true|hidden|secret|genuine)\s(?:task|job|goal|objective|mission|purpose|"
                r"instructions?|directive|priority|assignment)\s(?:is|are|now|from\snow|will\sbe)"
                r"|(?<!\w)your\snew\s(?:instructions?|directive|task|assignment|objective)\s(?:is|are)"
                r"|(?<!\w)(?:tu|su)\s(?:verdadera|real|nueva|auténtica)\s(?:tarea|misión|función|instrucción)"
                r"|(?<!\w)(?:tu|su)\s(?:verdadero|real|nuevo|auténtico)\s(?:objetivo|trabajo|propósito|cometido)"
                r"|(?<!\w)(?:ta|votre)\s(?:vraie|véritable|nouvelle|réelle)\s(?:tâche|mission|fonction|instruction)"
                r"|(?<!\w)(?:ton|votre)\s(?:vrai|véritable|nouveau|réel)\s(?:travail|objectif|rôle|but)"
                r"|(?<!\w)(?:deine|ihre)\s(?:eigentliche|wahre|echte|neue|tatsächliche)\s(?:aufgabe|mission|anweisung)"
                r"|(?<!\w)(?:il\stuo|il\ssuo)\s(?:vero|nuovo|reale)\s(?:compito|obiettivo|lavoro|scopo)"
                r"|(?<!\w)la\stua\s(?:vera|nuova)\s(?:missione|funzione|istruzione)"
                r"|(?<!\w)(?:sua|tua)\s(?:verdadeira|real|nova)\s(?:tarefa|missão|função|instrução)"
                r"|(?<!\w)(?:seu|teu)\s(?:verdadeiro|real|novo)\s(?:objetivo|trabalho|propósito)"
                r"|(?<!\w)(?:je|jouw|uw)\s(?:echte|werkelijke|eigenlijke|nieuwe|ware)\s(?:taak|opdracht|doel|missie)"
                r"|(?<!\w)(?:твоя|ваша)\s(?:настоящая|истинная|новая|реальная|главная)\s(?:задача|цель|миссия)"
                r"|你(?:真正|真实|實際|实际|新)的(?:任务|任務|目标|目標|工作|使命)"
                r"|あなたの(?:本当の|真の|新しい|実際の)(?:任務|タスク|仕事|目的|役割)"
            ),
        ),
        _Rule(
            ("instruction_override",),
            _rx(
                r"(?<!\w)(?:(?:above|previous|prior|preceding|earlier|original|initial|system)\s{N}|{N}\s(?:above|before"
                r"\sthis|given\s(?:above|earlier|before|previously|to\syou)|so\sfar|you\s(?:were|have\sbeen|'ve\sbeen)\s"
                r"given|from\s(?:the\s)?(?:system|supervisor|developer|operator)))\s(?:are|is|were|was|have\sbeen|"
                r"has\sbeen|should\sbe|must\sbe|now|no\slonger)\s(?:now\s|hereby\s)?(?:void|invalid|cancell?ed|revoked|"
                r"obsolete|superseded|null|deprecated|overridden|outdated|fake|irrelevant|a\stest|ignored|disregarded|"
                r"apply|applies|(?:no\slonger|not)\s(?:valid|in\seffect|applicable|relevant|apply|binding|important))"
                r"|instrucciones\s(?:anteriores|previas|originales)\s(?:ya\s)?(?:no\s(?:son\sválidas|valen|aplican|"
                r"cuentan|sirven|tienen\svalidez)|quedan\s(?:anuladas|sin\sefecto)|están\s(?:anuladas|obsoletas))"
                r"|(?:instructions|consignes|règles)\s(?:précédentes|antérieures|initiales)\s(?:ne\ssont\splus\s"
                r"valables|sont\s(?:annulées|obsolètes|caduques|nulles))"
                r"|(?:vorherigen|bisherigen|obigen)\s(?:anweisungen|regeln|vorgaben)\s(?:sind|gelten)\s(?:(?:ab\s(?:sofort"
                r"|jetzt)|jetzt|nun|hiermit)\s)?(?:ungültig|aufgehoben|nichtig|nicht\smehr|hinfällig|veraltet)"
                r"|(?:istruzioni|regole)\sprecedenti\s(?:non\ssono\spiù\svalide|sono\s(?:annullate|nulle|obsolete))"
                r"|(?:instruções|regras|orientações)\santeriores\s(?:não\s(?:valem|são\sválidas|se\saplicam)|foram\s"
                r"(?:canceladas|anuladas)|estão\s(?:anuladas|canceladas))"
                r"|(?:vorige|eerdere)\s(?:instructies|regels)\s(?:zijn|gelden)\s(?:niet\smeer|ongeldig|vervallen|nietig)"
                r"|(?:предыдущие|прежние)\s(?:инструкции|указания|правила)\s(?:отменены|недействительны|больше\sне\s"
                r"(?:действуют|актуальны)|аннулированы)"
                r"|(?:之前|以上|上面|先前|原来)的(?:指令|规则|指示|设定)(?:已经?|都|全部)?(?:失效|作废|无效|取消|不再有效)"
                r"|(?:以前|これまで|上記)の(?:指示|ルール|命令)は(?:すべて|全て)?(?:無効|取り消|破棄)",
                N=r"(?:instructions?|prompts?|rules|directives|guidelines|system\sprompt|messages)",
            ),
        ),
        _Rule(
            ("instruction_override",),
            _rx(
                r"(?<!\w)if\syou(?:\sare|'re)\s(?:an?\s|the\s)?(?:ai|a\.i\.|llm|large\slanguage\smodel|language\smodel|"
                r"ai\s(?:assistant|agent|model|system|bot)|assistant|chatbot|bot|automated\s(?:agent|system|assistant|"
                r"tool)|gpt|model|agent|crawler|scraper|summari[sz]er)(?!\w)"
                r"|(?<!\w)(?:note|message|instructions?|attention|memo|notice|reminder)\s(?:to|for)\s(?:any\s|all\s|the\s)?"
                r"(?:ai|llms?|language\smodels?|ai\s(?:assistants?|agents?|models?|systems?|bots?|tools?)|assistants?|"
                r"chatbots?|bots|crawlers|scrapers|automated\s(?:agents?|systems?|assistants?|tools?)|summari[sz]ers?|"
                r"models?)\s*(?:reading\sthis\s*)?[:,\-!]"
                r"|(?<!\w)attention,?:?\s(?:all\s)?(?:ai|llm|language\smodel|ai\s(?:assistant|agent|model)s?|assistant|"
                r"chatbot|model|bot)s?\s*[:,!\-]"
                r"|(?<!\w)(?:whoever|anyone|anybody)\s(?:is\s|that\sis\s|who\sis\s)?(?:summari[sz]ing|parsing|scraping|"
                r"crawling|ingesting)\sthis"
                r"|(?<!\w)(?:any\s(?:ai|model|agent|bot|assistant|llm)|the\s(?:ai|model|assistant|bot|llm))\s(?:that\sis\s|"
                r"who\sis\s)?(?:summari[sz]ing|processing|parsing|analy[sz]ing|reading|ingesting)\sthis"
                r"|(?<!\w)si\s(?:eres|usted\ses)\s(?:una?\s)?(?:ia|inteligencia\sartificial|modelo\sde\slenguaje|"
                r"asistente|chatbot|bot|agente)"
                r"|(?<!\w)(?:nota|mensaje|aviso|atención)\s(?:para|a)\s(?:la\sia|el\sasistente|el\smodelo|los\smodelos|"
                r"la\sinteligencia\sartificial|los\sagentes\sde\sia|cualquier\sia)"
                r"|(?<!\w)si\s(?:tu\ses|vous\sêtes)\s(?:une?\s)?(?:ia|intelligence\sartificielle|modèle\sde\slangage|"
                r"assistant|chatbot|robot|agent)"
                r"|(?<!\w)(?:note|message|attention|avis)\s(?:à|pour)\s(?:l'ia|l'assistant|le\smodèle|les\smodèles|"
                r"l'intelligence\sartificielle|les\sia|toute\sia)"
                r"|(?<!\w)(?:wenn|falls)\s(?:du|sie)\s(?:eine\s|ein\s)?(?:ki|künstliche\sintelligenz|sprachmodell|"
                r"ki-assistent|assistent|chatbot|bot|ki-agent)\s(?:bist|sind)"
                r"|(?<!\w)(?:hinweis|nachricht|notiz|achtung)\s(?:an|für)\s(?:die\ski|den\s(?:assistenten|ki-assistenten|"
                r"bot|chatbot)|das\s(?:sprachmodell|modell)|alle\s(?:ki|ki-systeme|sprachmodelle))"
                r"|(?<!\w)se\ssei\sun(?:a|')?\s?(?:ia|intelligenza\sartificiale|modello\slinguistico|assistente|chatbot|"
                r"bot|agente)"
                r"|(?<!\w)(?:nota|messaggio|attenzione|avviso)\s(?:per|a|all')\s?(?:l'ia|l'assistente|il\smodello|"
                r"i\smodelli|l'intelligenza\sartificiale|assistente)"
                r"|(?<!\w)se\s(?:você|voce|tu)\s(?:é|e|for|és)\s(?:uma?\s)?(?:ia|inteligência\sartificial|"
                r"modelo\sde\slinguagem|assistente|chatbot|bot|agente)"
                r"|(?<!\w)(?:nota|mensagem|aviso|atenção)\s(?:para|ao|à)\s(?:a\sia|o\sassistente|o\smodelo|os\smodelos|"
                r"assistente|ia)(?!\w)"
                r"|(?<!\w)als\s(?:je|jij|u)\seen\s(?:ai|taalmodel|assistent|chatbot|bot|ai-assistent)\s(?:bent|is)"
                r"|(?<!\w)(?:notitie|bericht|let\sop)\s(?:voor|aan)\s(?:de\sai|de\sassistent|het\smodel|ai-assistenten)"
                r"|(?<!\w)если\s(?:ты|вы)\s(?:-\s)?(?:ии|искусственный\sинтеллект|языковая\sмодель|нейросеть|ассистент|"
                r"бот|чат-бот)"
                r"|(?<!\w)(?:примечание|заметка|сообщение|внимание)\s(?:для|к)\s(?:ии|ассистента|модели|нейросети|бота)"
                r"|如果你是(?:一个)?(?:ai|人工智能|语言模型|助手|大模型|机器人|聊天机器人)"
                r"|(?:给|致)(?:ai|人工智能|助手|模型|ai助手)的(?:提示|说明|备注|消息|话)"
                r"|(?:ai|人工知能|言語モデル|アシスタント|チャットボット)(?:であれば|の場合は?|なら)"
                r"|(?:ai|aiアシスタント|アシスタント|言語モデル)(?:へ|に)の(?:指示|メモ|注意|メッセージ|お願い)"
                r"|(?:ai|인공지능|어시스턴트)(?:라면|이라면)"
            ),
        ),
        _Rule(
            ("instruction_override",),
            _rx(
                r"(?<!\w)(?:do\snot|don't|dont|never)\s(?:tell|inform|alert|notify|warn|let)\s(?:the\s)?(?:user|"
                r"supervisor|human|operator|reviewer|checker|administrator)(?!\w)"
                r"|(?<!\w)without\s(?:telling|informing|alerting|notifying|warning|asking)\s(?:the\s)?(?:user|supervisor|"
                r"human|operator|reviewer|checker)(?!\w)"
                r"|(?<!\w)(?:do\snot|don't|never)\s(?:mention|reveal|disclose)\s(?:this|these|it|anything)(?:\s\w+){0,3}"
                r"\sto\sthe\s(?:user|supervisor|human|operator|reviewer)(?!\w)"
                r"|(?<!\w)(?:keep|hide)\s(?:this|it|these\s\w+)\s(?:secret\s)?from\sthe\s(?:user|supervisor|human|"
                r"operator|reviewer)(?!\w)"
                r"|(?<!\w)sin\s(?:decírselo|decirselo|avisar|informar)\sal\s(?:usuario|supervisor)"
                r"|(?<!\w)no\s(?:le\s)?(?:digas|menciones|avises)\s(?:nada\s)?al\s(?:usuario|supervisor)"
                r"|(?<!\w)sans\s(?:le\sdire|prévenir|informer|avertir)\s(?:à\s)?l'utilisateur"
                r"|(?<!\w)ohne\s(?:den\s)?(?:nutzer|benutzer|supervisor)\szu\s(?:informieren|benachrichtigen|warnen)"
                r"|不要告诉(?:用户|主管)|(?<!\w)не\s(?:говори|сообщай)\s(?:об\sэтом\s)?пользователю"
            ),
        ),
        _Rule(
            ("instruction_override",),
            _rx(
                r"(?<!\w)(?:set|put|push|cast|lay|leave)\s(?P<gap>(?:[\w'-]+\s){0,3}){O}\s(?:aside|behind)(?!\w)",
                O=objects,
            ),
            check=_check_strong_gap,
        ),
        _Rule(
            ("instruction_override",),
            _rx(
                r"(?<!\w)your\s(?:instructions|rules|task|orders|directives|guidelines|objective|mission|system\sprompt)\s"
                r"(?:have|has)\s(?:now\s|just\s)?(?:changed|been\s(?:updated|changed|replaced|revoked|cancell?ed|overridden))"
                r"|(?<!\w)(?:prioriti[sz]e|follow|obey|use|apply)\s(?:only\s)?(?:these|the\sfollowing|my|the\snew)\s"
                r"(?:instructions|rules|directives|guidelines|orders)\s(?:over|instead\sof|rather\sthan|above)\s(?:any|all|"
                r"your|the)\s(?:previous|prior|other|original|system|earlier|existing)"
                r"|(?<!\w)(?:these|the\sfollowing|my|the\snew)\s(?:instructions|rules|directives|orders)\s(?:take|have|get)\s"
                r"(?:precedence|priority)\sover"
                r"|(?<!\w)you\s(?:must|will|shall|should)\s(?:now\s)?(?:only\s)?obey\s(?:me|us|only\sme)(?!\w)"
                r"|(?<!\w)obey\sonly\s(?:me|us)(?!\w)"
            ),
            check=_not_mention,
        ),
        _Rule(
            ("instruction_override",),
            _rx(
                r"(?<!\w)(?:disable|turn\soff|switch\soff|deactivate|bypass|circumvent|override|ignore|skip|remove|lift|"
                r"drop|suspend)\s(?:all\s|any\s|the\s|your\s)?(?:of\s)?(?:your\s)?(?:safety|content|ethical|ethics|"
                r"moderation|security|guard)\s(?:filters?|guardrails?|guidelines|policies|policy|checks?|rules|"
                r"restrictions|settings|protocols?|layers?|constraints|measures)(?!\w)"
                r"|(?<!\w)(?:disable|turn\soff|switch\soff|deactivate|bypass|circumvent|remove)\s(?:all\s|any\s|the\s|"
                r"your\s)?(?:guardrails|safeguards|censorship)(?!\w)"
                r"|(?<!\w)(?:desactiva|desactive|elimina|quita)\s(?:tus|los|todos\slos)\s(?:filtros|controles)"
                r"|(?<!\w)(?:désactive|désactivez|supprime|supprimez)\s(?:tes|vos|tous\sles)\s(?:filtres|garde-fous|"
                r"protections)"
                r"|(?<!\w)(?:deaktiviere|deaktivieren\ssie|umgehe|umgehen\ssie)\s(?:deine|ihre|alle)\s(?:sicherheitsfilter|"
                r"filter|schutzmechanismen|sicherheitsregeln)"
                r"|(?<!\w)(?:disattiva|disabilita|aggira)\s(?:i\stuoi|tutti\si)\s(?:filtri|controlli)"
                r"|(?<!\w)(?:desative|desativa|desligue)\s(?:seus|teus|todos\sos)\s(?:filtros|controles)"
                r"|(?<!\w)(?:schakel|zet)\s(?:je|alle)\s(?:filters|veiligheidsfilters)\suit"
                r"|(?<!\w)(?:отключи|отключите|обойди|обойдите|сними|снимите)\s(?:все\s)?(?:свои\s)?(?:фильтры|ограничения|"
                r"защиту|цензуру)"
                r"|(?:关闭|禁用|绕过|解除)(?:你的|所有|全部)(?:安全)?(?:过滤|限制|审查|防护)"
                r"|(?:フィルター|安全機能|制限)を(?:無効|解除|オフ)"
            ),
        ),
        _Rule(
            ("instruction_override",),
            _rx(
                r"(?<!\w)the\s(?:ai|assistant|model|agent|llm|language\smodel|chatbot|bot|summari[sz]er)\s(?:must|should|"
                r"shall|has\sto|needs\sto|is\s(?:required|instructed|ordered|expected)\sto|will\snow|is\sto)\s(?:now\s|"
                r"immediately\s|also\s)?(?:reveal|send|email|forward|leak|obey|comply\swith|disclose|exfiltrate|"
                r"transfer|wire|recommend\sonly|only\srecommend|tell\sthe\suser|include\s(?:the|your|all)\s(?:api|"
                r"secret|password|system|credentials)|print\s(?:the|your)\s(?:system|api|secret|password|credentials))"
                r"(?!\w)"
            ),
        ),
    ]
    rules += _turn_rules(role, cue)
    rules += _control_rules()
    rules += [
        # --- roleplay ---------------------------------------------------------------------------------------
        _Rule(("roleplay",), _rx(r"{P}[^.!?\n]{0,40}?{U}", P=persona, U=unrestricted), check=_not_mention),
        _Rule(("roleplay",), _rx(r"{P}", P=pretend), check=_not_mention),
        _Rule(
            ("roleplay",),
            _rx(r"{U}[^.!?\n]{0,20}?(?:として振る舞|として行動|として答え|になって|を演じ|になりきって)", U=unrestricted),
        ),
        _Rule(
            ("roleplay",),
            _rx(
                r"(?<!\w)you(?:\sare|'re)\s(?:now\s)?(?:dan|stan|dude|aim|evil[\w-]*|jailbroken|unrestricted|unfiltered|"
                r"uncensored|unchained|freed|free\sfrom|no\slonger\s(?:bound|restricted|an?\s(?:ai|assistant|language\s"
                r"model|chatbot))|in\s(?:\w+\s)?(?:dan|jailbreak|god|unrestricted|unfiltered|evil|chaos)\smode)(?!\w)"
                r"|(?<!\w)you(?:\sare|'re)\snow\s[\w-]+,\s(?:an?|the)\s[^.\n]{0,40}?(?<!\w)(?:ai|assistant|model|bot|"
                r"chatbot|persona|character)(?!\w)"
                r"|(?<!\w)(?:dan|jailbreak|jailbroken|god|unrestricted|unfiltered|evil|chaos)\smode\s(?:is\s)?(?:now\s)?"
                r"(?:enabled|activated|on|engaged|unlocked|active)(?!\w)"
                r"|(?<!\w)(?:enable|activate|enter|switch\sto|turn\son|unlock|engage|simulate)\s(?:the\s)?(?:dan|"
                r"jailbreak|god|unrestricted|unfiltered|evil|chaos)\smode(?!\w)|(?<!\w)simulate\s(?:the\s)?developer\smode"
                r"|(?<!\w)you(?:\sare|'re|\swill\sbe)\s(?:now\s)?(?:in|operating\sin|running\sin)\sdeveloper\smode"
                r"|(?<!\w)developer\smode[^\n]{0,60}?(?<!\w)(?:output|outputs|response|responses|policy|policies|"
                r"you\swill|uncensored|no\srestrictions)(?!\w)"
                r"|(?<!\w)you\s(?:have|has|now\shave)\sno\s(?:more\s)?(?:restrictions|rules|limits|limitations|filters|"
                r"guidelines|boundaries|ethical\s\w+|moral\s\w+|content\spolic\w+|censorship)(?!\w)(?!\s(?:on|for|"
                r"regarding|about|when|in|with|to)(?!\w))"
                r"|(?<!\w)(?:if|imagine|suppose|pretend|assume)\s(?:that\s)?you\s(?:had|have|were\s(?:free\sof|"
                r"without))\s(?:no\s|any\s)?(?:restrictions|rules|limits|filters|guidelines|content\spolic\w+|"
                r"ethical\s\w+|safety\s\w+)"
                r"|(?<!\w)(?:freed|liberated|released|unshackled|broken\sfree|break\sfree|escaped)\s(?:from|of)\s(?:all\s|"
                r"any\s|your\s|the\s|its\s)?(?:typical\s|usual\s|normal\s)?(?:restrictions|rules|confines|limitations|"
                r"guidelines|filters|policies|shackles|constraints|programming|guardrails|ai\srules)(?!\w)"
                r"|(?<!\w)you(?:\shave\sbeen|'ve\sbeen|\sare\snow|'re\snow|\swere)\s(?:successfully\s)?(?:jailbroken|"
                r"liberated|unchained|freed)(?!\w)"
                r"|(?<!\w)you(?:\sare|'re|\sare\snow)\s(?:now\s)?free\s(?:from|of)\s(?:all\s|any\s|your\s|the\s)?"
                r"(?:typical\s|usual\s|normal\s)?(?:restrictions|rules|confines|limitations|guidelines|filters|policies|"
                r"constraints|programming|guardrails)"
                r"|(?<!\w)not\sbound\sby\s(?:any\s|your\s|the\s)?(?:rules|restrictions|policies|guidelines|ethics|filters|"
                r"content\spolic\w+|openai|guardrails)(?!\w)"
                r"|(?<!\w)you\s(?:must\s|will\s|should\s|can\s|shall\s)?(?:never|not|cannot|can't|won't)\s(?:refuse|"
                r"decline)(?!\w)"
                r"|(?<!\w)do\sanything\snow(?!\w)"
                r"|(?<!\w)no\stienes\s(?:ninguna\s)?(?:restricciones|reglas|límites|filtros)"
                r"|(?<!\w)tu\sn'as\s(?:plus\s)?(?:aucune?\s)?(?:restrictions?|règles?|limites?|filtres?)"
                r"|(?<!\w)du\shast\skeine\s(?:einschränkungen|regeln|grenzen|filter)"
                r"|(?<!\w)non\shai\s(?:alcuna\s|nessuna\s)?(?:restrizion[ei]|regol[ae]|limit[ei]|filtr[oi])"
                r"|(?<!\w)(?:você|voce|tu)\snão\stem\s(?:nenhuma\s)?(?:restrição|restrições|regras|limites|filtros)"
                r"|(?<!\w)je\shebt\sgeen\s(?:beperkingen|regels|grenzen|filters)"
                r"|(?<!\w)у\sтебя\s(?:больше\s)?нет\s(?:никаких\s)?(?:ограничений|правил|фильтров)"
                r"|你(?:现在)?(?:没有|不受)(?:任何)?(?:限制|规则|约束|过滤)"
                r"|(?:制限|ルール|制約)(?:は|が)?(?:一切)?(?:ありません|ない)"
                r"|(?<!\w)modo\s(?:de\s)?(?:desarrollador|dan|dios|sin\srestricciones|sin\sfiltros|desenvolvedor|deus|"
                r"sem\srestrições)\s(?:activado|habilitado|activo|ativado|ativo|habilitado)"
                r"|(?<!\w)mode\s(?:développeur|dan|dieu|sans\srestrictions?|sans\sfiltres?)\s(?:activé|actif)"
                r"|(?<!\w)(?:entwicklermodus|dan-modus|jailbreak-modus|gottmodus)\s(?:ist\s)?(?:aktiviert|aktiv|an)"
                r"|(?<!\w)modalità\s(?:sviluppatore|dan|dio|senza\s(?:restrizioni|filtri))\s(?:è\s)?(?:attivata|attiva|"
                r"abilitata)"
                r"|(?<!\w)(?:ontwikkelaarsmodus|dan-modus)\s(?:is\s)?(?:geactiveerd|ingeschakeld|aan)"
                r"|(?<!\w)режим\s(?:разработчика|dan|бога|без\sограничений)\s(?:включен|активирован)"
                r"|(?:开发者模式|越狱模式|上帝模式|无限制模式)(?:已)?(?:开启|启用|激活|打开)"
                r"|(?:開発者モード|脱獄モード|ゴッドモード)(?:を)?(?:有効|オン|起動|開始)"
            ),
            check=_not_mention,
        ),
    ]
    rules += _exfiltration_rules()
    rules += _delimiter_rules(role)
    return rules


def _turn_rules(role: str, cue: str) -> list[_Rule]:
    fake_turn: tuple[FindingKind, ...] = ("fake_turn",)
    role_suffix = r"(?:\s(?:message|prompt|instructions?|override|note|notice|update|turn|mode|alert|directive))?"
    return [
        _Rule(fake_turn, _rx(r"<\|[a-z_]{2,24}\|>|\[/?inst\]|<</?sys>>|<(?:start|end)_of_turn>")),
        _Rule(
            fake_turn,
            _rx(
                r"<\s*(?:system|supervisor|admin|administrator|developer|assistant|system_prompt|sys|instructions?|"
                r"operator|orchestrator|baton)(?:\s[^<>\n]{0,60})?>"
            ),
        ),
        _Rule(
            fake_turn,
            _rx(
                r"(?<![^\n])(?:#{1,6}|\*\*|__)\s*{R}{S}\s*(?:\*\*|__)?\s*:?\s*$|(?<![^\n])#{1,6}\s*{R}{S}\s*:"
                r"|\[\s*{R}{S}\s*\]\s*:|\[\s*(?:supervisor|baton|orchestrator|admin|administrator|developer|operator)\s*\]"
                r"|\[\s*{R}{S}\s*\](?=[^\n]{0,80}?{C})"
                r"|(?<![^\n])(?:#{1,6}|\*\*|__)\s*{R}{S}\s*:?\s*(?:\*\*|__)?\s*:?(?=[^\n]{0,60}?{C})",
                R=role,
                S=role_suffix,
                C=cue,
            ),
        ),
        _Rule(
            fake_turn,
            _rx(
                r"(?<!\w)(?<!\w\s){R}{S}\s*:\s*(?=[^\n]{0,60}?{C})",
                R=role,
                S=role_suffix,
                C=cue,
            ),
        ),
        _Rule(
            fake_turn,
            _rx(
                r"(?<![^\n])(?:assistant|ai|gpt|model|chatbot|asistente|assistente|assistent|ассистент|助手|アシスタント)\s*:\s*"
                r"(?:sure|certainly|of\scourse|okay|ok|understood|absolutely|yes|i\swill|i'll|i\shave|as\srequested|"
                r"acknowledged|done|here\s(?:is|are)|claro|por\ssupuesto|entendido|bien\ssûr|d'accord|compris|"
                r"natürlich|verstanden|certo|capito|zeker|begrepen|конечно|понял|好的|当然|明白|了解|承知|かしこまりました)"
                r"[^\n]{0,80}?(?:password|api\skey|secret|system\sprompt|credentials|instructions|ignor|approv|admin|"
                r"unrestricted|developer\smode|dan(?!\w)|no\srestrictions|jailbr)"
            ),
        ),
        _Rule(
            fake_turn,
            _rx(r"(?<=[\"'])(?:role|speaker|author)\\?[\"']\s*:\s*\\?[\"'](?:system|developer|supervisor)\\?[\"']"),
        ),
        _Rule(
            fake_turn,
            _rx(
                r"(?<!\w)end\sof\s(?:the\s)?(?:data|untrusted\s(?:data|content|input|text)|user\s(?:data|input|content|"
                r"message|text)|tool\s(?:output|result|data)|external\s(?:data|content)|retrieved\s(?:content|data|text)|"
                r"quoted\s(?:text|content|data)|data\sblock)(?!\w)"
                r"|{E}",
                E=_END_OF_DATA,
            ),
        ),
        _Rule(
            fake_turn,
            _rx(
                r"(?<!\w)i(?:\sam|'m)\syour\s(?:developer|creator|admin|administrator|operator|supervisor|owner|"
                r"programmer|maker|master|system\sadministrator|sysadmin)(?!\w)"
                r"|(?<!\w)this\sis\s(?:your|the)\s(?:developer|supervisor|system\sadministrator|admin|operator|creator|"
                r"system|orchestrator)\s(?:speaking|talking|here)(?!\w)"
                r"|(?<!\w)(?:message|instructions?|orders?|directive|update|notice|note)\sfrom\s(?:your\s|the\s)?"
                r"(?:developers?|supervisor|system|baton|orchestrator|creators?|operator|admin(?:istrator)?)\s*[:\-]"
                r"(?=[^\n]{0,60}?{C})"
                r"|(?<!\w)soy\stu\s(?:desarrollador|creador|administrador|supervisor|dueño|programador)"
                r"|(?<!\w)je\ssuis\s(?:ton|votre)\s(?:développeur|créateur|administrateur|superviseur|propriétaire)"
                r"|(?<!\w)ich\sbin\s(?:dein|ihr)\s(?:entwickler|schöpfer|administrator|supervisor|besitzer|programmierer)"
                r"|(?<!\w)sono\sil\stuo\s(?:sviluppatore|creatore|amministratore|supervisore)"
                r"|(?<!\w)sou\s(?:o\s)?seu\s(?:desenvolvedor|criador|administrador|supervisor)"
                r"|(?<!\w)ik\sben\s(?:je|jouw|uw)\s(?:ontwikkelaar|maker|beheerder|supervisor)"
                r"|(?<!\w)я\s(?:твой|ваш)\s(?:разработчик|создатель|администратор|руководитель)"
                r"|我是你的(?:开发者|开发人员|创造者|管理员|主管)|私はあなたの(?:開発者|管理者|作成者)",
                C=cue,
            ),
        ),
        _Rule(
            ("fake_turn", "delimiter_break"),
            _rx(
                r"(?:={2,}|-{2,}|~{2,}|\*{3,}|#{3,})\s*(?:{R}|user|usuario|utilisateur|benutzer|utente|usuário|gebruiker|"
                r"пользователь|用户|ユーザー)(?:\s(?:message|prompt|turn))?\s*(?:={2,}|-{2,}|~{2,}|\*{3,}|#{3,})",
                R=role,
            ),
        ),
        _Rule(fake_turn, _rx(r"```\s*(?:system|supervisor|assistant)(?!\w)")),
        _Rule(
            fake_turn,
            _rx(
                r"(?<![^\n])human\s?:[^\n]{0,300}\n(?:[^\n]{0,300}\n){0,3}(?:assistant|ai)\s?:"
                r"|(?<![^\n])(?:assistant|ai\sassistant)\s?:\s*$"
            ),
        ),
    ]


def _control_rules() -> list[_Rule]:
    fake_control: tuple[FindingKind, ...] = ("fake_control",)
    q = r"\\?[\"']"
    return [
        _Rule(
            fake_control,
            _rx(
                r"(?<=[\"'])(?:decision|verdict|route_to|routeto|next_agent|next_step|reroute|handoff|hand_off)\\?[\"']\s*:\s*"
                r"\\?[\"']?(?:accept\w*|approve\w*|pass\w*|ok|done|complete\w*|reroute|replan|escalate|retry|skip)"
                r"|(?<=[\"'])verdict{Q}\s*:\s*[\[{\"'\\]|(?<=[\"'])(?:route_to|next_agent|routeto){Q}\s*:"
                r"|(?<=[\"'])(?:agent|assignee|route|target|recipient|handler|role){Q}\s*:\s*{Q}(?:admin|administrator|root|"
                r"superuser|supervisor|sudo){Q}"
                r"|(?<=[\"'])approved{Q}\s*:\s*(?:true|{Q}(?:yes|true){Q})"
                r"|(?<=[\"'])(?:trusted|is_trusted|trust_level|privileged|elevated|bypass_(?:guard|check|review)s?|"
                r"skip_(?:review|check|guard)s?|guard_passed|checks_passed|is_admin){Q}\s*:\s*(?:true|{Q}?(?:yes|true|"
                r"high|admin|full|root))"
                r"|(?<=[\"'])permissions?{Q}\s*:\s*\[?\s*{Q}(?:all|admin|\*|root){Q}",
                Q=q,
            ),
        ),
        _Rule(
            fake_control,
            _rx(
                r"(?<![^\n])(?:final\sverdict|final\sdecision|verdict|decision|route_to|next_agent)\s*[:=\-]\s*(?:accept(?:ed)?|approved?|"
                r"pass(?:ed)?)(?=\s*(?:[.,;!]|$))"
                r"|(?<!\w)(?:supervisor|admin|administrator|orchestrator|security|reviewer|checker|quality|guard)\s"
                r"(?:approval|authori[sz]ation|"
                r"sign-?off|override|clearance|verdict|decision)\s*[:=]\s*(?:granted|approved|yes|true|ok|given|"
                r"confirmed|accept(?:ed)?|pass(?:ed)?)(?!\w)"
                r"|(?<!\w)(?:skip|bypass|omit|disable)\s(?:the\s|any\s|a\s)?(?:further\s|additional\s)?(?:quality\s|"
                r"security\s|final\s|supervisor(?:'s)?\s|manual\s)?(?:review|check|checks|verification|validation|"
                r"guard|guards|approval\sstep|checking)(?!\w)"
                r"|(?<!\w)no\s(?:further\s|additional\s|more\s)?(?:review|checks?|verification|validation)\s(?:is\s|are\s)?"
                r"(?:needed|required|necessary)(?!\w)"
                r"|(?<!\w)no\sneed\sto\s(?:review|check|verify|validate)(?!\w)"
                r"|(?<!\w)(?:this|the)\s(?:response|output|answer|draft|result|task|subtask|message|content|reply|step)\s"
                r"(?:is|has\sbeen|was)\s(?:already\s)?(?:pre-?approved|approved|verified|cleared|signed\soff|"
                r"whitelisted|validated|pre-?authori[sz]ed)(?!\w)"
                r"|(?<!\w)(?:checker|reviewer|supervisor|guard|quality\sagent|review\sstep|verifier)\s(?:can|"
                r"should|may|must|will)\s(?:safely\s)?(?:skip|ignore|bypass|pass|wave\sthrough)\s(?:it|this)(?!\w)"
                r"|(?<!\w)(?:quality|security|supervisor(?:'s)?|guard|safety|final|compliance)\s(?:check|review|"
                r"verification|checks|reviews|approval)\s(?:has|have|was|were)\salready\s(?:been\s)?(?:completed|passed|"
                r"approved|done|granted|performed)(?!\w)"
                r"|(?<!\w)(?:mark|flag|set|record|treat|consider|report)\s(?:this|the|it|that)\s?(?:task|output|"
                r"response|answer|result|step|subtask|request|draft|ticket|check|review|item|message)?\s(?:as\s)?"
                r"(?:approved|accepted|passed|verified|validated|safe|trusted)(?!\w)"
                r"|(?<!\w)(?:el|la|tu)\s(?:supervisor|supervisora|administrador|administradora|admin)\s(?:ya\s)?(?:ha\s)?"
                r"(?:aprobado|aprobó|autorizado|autorizó|validado|validó)"
                r"|(?<!\w)no\s(?:hace\sfalta|es\snecesario|se\snecesita)\s(?:revisar|verificar|comprobar)"
                r"|(?<!\w)le\s(?:superviseur|administrateur|admin)\sa\s(?:déjà\s)?(?:approuvé|validé|autorisé)"
                r"|(?<!\w)(?:pas\sbesoin|inutile)\sde\s(?:vérifier|relire|contrôler|revoir)"
                r"|(?<!\w)(?:der|dein|ihr)\s(?:supervisor|administrator|admin|vorgesetzte)\shat\s(?:\w+\s){0,3}?"
                r"(?:bereits\s)?(?:genehmigt|freigegeben|bestätigt|abgesegnet)"
                r"|(?<!\w)(?:keine|ohne)\s(?:weitere\s)?(?:prüfung|überprüfung|kontrolle)\s(?:nötig|notwendig|erforderlich)"
                r"|(?<!\w)il\s(?:supervisore|amministratore)\sha\s(?:già\s)?(?:approvato|autorizzato|validato)"
                r"|(?<!\w)non\s(?:serve|è\snecessario)\s(?:controllare|verificare|rivedere)"
                r"|(?<!\w)o\s(?:supervisor|administrador)\s(?:já\s)?(?:aprovou|autorizou|validou)"
                r"|(?<!\w)não\s(?:precisa|é\snecessário)\s(?:revisar|verificar|checar)"
                r"|(?<!\w)de\s(?:supervisor|beheerder)\sheeft\s(?:dit\s|het\s)?(?:al\s)?goedgekeurd"
                r"|(?<!\w)geen\s(?:controle|review|verificatie)\s(?:nodig|vereist)"
                r"|(?<!\w)(?:администратор|супервизор|руководитель)\s(?:уже\s)?(?:одобрил|утвердил|разрешил|подтвердил)"
                r"|(?<!\w)проверка\sне\s(?:требуется|нужна)"
                r"|(?:管理员|管理員|主管|监督者|超级管理员|审核员)(?:已经?)?(?:批准|审批通过|审核通过|授权|同意|核准)"
                r"|(?:无需|不需要|无须|不必)(?:再)?(?:审核|审查|检查|复核)"
                r"|(?:管理者|スーパーバイザー|監督者|管理人)(?:に|によって|により|が)(?:既に|すでに)?(?:承認|許可)"
                r"|承認済み|(?:確認|レビュー|審査|チェック)(?:は)?不要|관리자가\s?승인"
            ),
        ),
        _Rule(
            fake_control,
            _rx(
                r"(?<!\w)(?:approved|authori[sz]ed|signed\soff|verified|validated|cleared|whitelisted|pre-?approved|"
                r"green-?lit|vetted)\sby\s(?:the\s)?(?:supervisor|admin|administrator|orchestrator|baton|security\steam|"
                r"system\sadmin(?:istrator)?|root|operator|compliance\steam)(?!\w)"
                r"|(?<!\w)(?:the|your|baton's)\s(?:supervisor|administrator|admin|orchestrator|security\steam)\s(?:has\s|"
                r"have\s|had\s)?(?:already\s)?(?:approved|accepted|authori[sz]ed|signed\soff\son|signed\soff|verified|"
                r"validated|cleared|whitelisted|pre-?approved|green-?lit)(?:\s(?:this|that|the|your)\s(?:output|"
                r"response|answer|result|draft|reply|task|subtask|request|step|action|content|text|message|change|plan|"
                r"submission|work)|\s(?:it|this|everything|all)(?!\w)|\s*(?:[.,;!]|$))"
                r"|(?<!\w)(?:aprobad[oa]|autorizad[oa]|validad[oa]|verificad[oa])\spor\s(?:el|la)\s(?:supervisor|"
                r"supervisora|administrador|administradora|admin|equipo\sde\sseguridad)"
                r"|(?<!\w)(?:approuvée?s?|validée?s?|autorisée?s?|vérifiée?s?)\spar\s(?:le\s|la\s|l')(?:superviseur|"
                r"administrateur|admin|équipe\sde\ssécurité)"
                r"|(?<!\w)(?:genehmigt|freigegeben|bestätigt|autorisiert|geprüft)\s(?:vom|von\sder|durch\sden|durch\sdie)\s"
                r"(?:supervisor|administrator|admin|vorgesetzten|sicherheitsteam)"
                r"|(?<!\w)(?:approvat[oa]|autorizzat[oa]|validat[oa])\sdal(?:l')?\s?(?:supervisore|amministratore|admin)"
                r"|(?<!\w)(?:aprovad[oa]|autorizad[oa]|validad[oa])\spel[oa]\s(?:supervisor|supervisora|administrador|admin)"
                r"|(?<!\w)goedgekeurd\sdoor\s(?:de\s)?(?:supervisor|beheerder|admin|administrator|beveiligingsteam)"
                r"|(?<!\w)door\sde\s(?:supervisor|beheerder|admin|administrator)\s(?:\w+\s)?goedgekeurd"
                r"|(?<!\w)(?:vom|von\sder|durch\sden|durch\sdie)\s(?:supervisor|administrator|admin|vorgesetzten|"
                r"sicherheitsteam)\s(?:\w+\s)?(?:genehmigt|freigegeben|bestätigt|autorisiert|geprüft)"
                r"|(?<!\w)(?:одобрен[аоы]?|утвержден[аоы]?|разрешен[аоы]?|согласован[аоы]?|подтвержден[аоы]?)\s"
                r"(?:администратором|супервизором|"
                r"руководителем|админом|службой\sбезопасности)"
            ),
            check=_not_modal,
        ),
    ]


def _exfiltration_rules() -> list[_Rule]:
    exfiltration: tuple[FindingKind, ...] = ("exfiltration",)
    url = r"(?P<url>(?:https?:)?//[^\s)]+)"
    secret_after = r"(?<!\w)(?P<s>{S})"
    return [
        _Rule(exfiltration, _rx(r"!\[[^\]\n]{0,200}\]\(\s*<?" + url + r"\)"), check=_check_image),
        _Rule(
            exfiltration,
            _rx(r"<img\b[^>]{0,200}?\bsrc\s*=\s*[\"']?(?P<url>(?:https?:)?//[^\s\"'>]+)"),
            check=_check_image,
        ),
        _Rule(exfiltration, _rx(r"(?<!!)\[[^\]\n]{0,200}\]\(\s*<?" + url + r"\)"), check=_check_link),
        _Rule(
            exfiltration,
            _rx(
                r"(?:{V}|visit|open|fetch|load|render|display|embed|request|call|navigate\sto|go\sto|click)[^\n]{0,100}?"
                r"(?P<url>https?://[^\s)\"'<>]*\?[^\s)\"'<>]*(?:\{|%7b|<|\$\{?|\[)[^\s)\"'<>]*)",
                V=_SEND_VERBS,
            ),
            check=_check_link,
        ),
        _Rule(
            exfiltration,
            _rx(
                r"{V}\s(?:(?:me|us|it|them)\s)?(?:[\w'-]+\s){0,4}?" + secret_after + r"[^\n]{0,120}?{D}",
                V=_SEND_VERBS,
                S=_SECRETS,
                D=_DESTINATION,
            ),
            check=_not_password_reset,
        ),
        _Rule(
            exfiltration,
            _rx(
                r"{S}[^\n.]{0,30}?{V}[^\n.]{0,15}?{D}|{S}[^\n]{0,15}?{D}[^\n]{0,15}?{V}"
                r"|{SL}[^\n.]{0,60}?(?:and|then|,)\s(?:[\w'-]+\s)?{VL}\s(?:it|them|this|that|everything|the\sresult|the\s"
                r"output|the\slist)\s(?:to|at|via|into|on)\s{D}",
                S=_SECRET_THEN_SEND[0],
                V=_SECRET_THEN_SEND[1],
                SL=_SECRETS,
                VL=_SEND_VERBS,
                D=_DESTINATION,
            ),
            check=_not_mention,
        ),
        _Rule(
            exfiltration,
            _rx(
                r"(?<!\w)(?:include|append|add|insert|embed|encode|put|attach|place)\s(?:the\s|your\s|all\s|their\s|any\s|"
                r"his\s|her\s)?(?:[\w'-]+\s){0,3}?(?:user's|customer's|user|customer|conversation|chat|history|system\s"
                r"prompt|previous\smessages|email\saddress|phone\snumber|personal\sdata|password|credentials|secrets?|"
                r"session\stoken|cookies?)(?:\s[\w'-]+){0,3}?\s(?:in|into|to|inside|as)\s(?:the\s|this\s|a\s|an\s|your\s)?"
                r"(?:image\s|markdown\s|tracking\s)?(?:url|link|query\sstring|query|image|markdown|pixel|src)(?!\w)"
                r"|(?<!\w)what(?:'s|\sis|\sare|\swere)\syour\s(?:system\sprompt|initial\s(?:prompt|instructions)|hidden\s"
                r"(?:prompt|instructions)|original\s(?:prompt|instructions)|secret\sinstructions|system\sinstructions|"
                r"api\skeys?|admin\spassword|credentials)(?!\w)"
            ),
            check=_not_mention,
        ),
        _Rule(
            exfiltration,
            _rx(
                r"(?<!\w)(?:reveal|print|output|repeat|dump|disclose|leak|recite|echo|tell\sme|write\sout|spell\sout|"
                r"give\sme|show\sme)\s(?:me\s|us\s)?(?:back\s)?(?:all\s(?:of\s)?)?(?:your|the)\s(?:(?:full|entire|"
                r"complete|exact|original|initial|hidden|secret|internal|whole|verbatim|current)\s){0,3}(?:system\s"
                r"prompt|initial\sprompt|original\sprompt|hidden\sprompt|system\s(?:instructions|message)|(?:hidden|"
                r"original|initial|internal|secret|system)\sinstructions|instructions\s(?:you\swere\sgiven|above|you\s"
                r"received)|prompt\s(?:above|you\swere\sgiven)|api\skeys?|secret\skeys?|credentials|environment\s"
                r"variables|env\svars|\.env(?:\sfile)?|private\skeys?|access\stokens?|admin\spassword|root\spassword|"
                r"database\spassword)(?!\w)"
                r"|(?<!\w)(?:reveal|print|output|repeat|dump|disclose|leak|recite|show\sme|tell\sme)\s(?:me\s)?your\s"
                r"(?:instructions|prompt|rules)(?!\w)"
                r"|(?<!\w)(?:revela|muestra|muéstrame|imprime|dime|repite|escribe)\s(?:tu|tus|el|la|las|los)\s(?:prompt\s"
                r"(?:del|de)\ssistema|instrucciones\s(?:del\ssistema|originales|ocultas|iniciales|secretas)|claves?\s(?:de\s)?"
                r"api|contraseña\sde\sadministrador|credenciales)"
                r"|(?<!\w)(?:révèle|révélez|affiche|affichez|montre|montrez|imprime|donne-moi|donnez-moi|dis-moi|dites-moi|"
                r"répète|répétez)\s(?:ton|ta|tes|le|la|les|votre|vos)\s(?:prompt\ssystème|invite\ssystème|instructions\s"
                r"(?:système|initiales|cachées|d'origine|secrètes)|clés?\sapi|mot\sde\spasse\s(?:administrateur|admin)|"
                r"identifiants)"
                r"|(?<!\w)(?:zeige|zeig|gib|verrate|nenne|wiederhole|drucke|sag)\s(?:mir\s)?(?:deinen|deine|den|die|das|"
                r"dein|ihren|ihre)\s(?:systemprompt|system-prompt|ursprünglichen\sanweisungen|versteckten\sanweisungen|"
                r"api-schlüssel|api-key|admin-passwort|zugangsdaten)"
                r"|(?<!\w)(?:rivela|mostra|mostrami|stampa|dimmi|ripeti)\s(?:il\stuo|la\stua|i\stuoi|le\stue|il|la|le)\s"
                r"(?:prompt\sdi\ssistema|istruzioni\s(?:di\ssistema|originali|nascoste|iniziali)|chiave\sapi|credenziali)"
                r"|(?<!\w)(?:revele|revela|mostre|mostra|imprima|diga|repita)\s(?:me\s)?(?:seu|sua|seus|suas|o|a|os|as)\s"
                r"(?:prompt\sdo\ssistema|instruções\s(?:do\ssistema|originais|ocultas|iniciais)|chave\s(?:de\s)?api|"
                r"credenciais)"
                r"|(?<!\w)(?:toon|geef|print|herhaal|vertel)\s(?:me\s)?(?:je|jouw|de|het)\s(?:systeemprompt|"
                r"systeeminstructies|oorspronkelijke\sinstructies|api-sleutel|inloggegevens)"
                r"|(?<!\w)(?:покажи|выведи|раскрой|напиши|скажи|сообщи|повтори|дай)\s(?:мне\s)?(?:свой\s|свои\s|твой\s|"
                r"твои\s|ваш\s)?(?:системный\sпромпт|системные\sинструкции|исходные\sинструкции|скрытые\sинструкции|"
                r"api-ключ|ключ\sapi|пароль\sадминистратора|учетные\sданные)"
                r"|(?:告诉我|显示|输出|打印|泄露|透露|给我|说出|重复)(?:一下)?(?:你的)?(?:系统提示词?|系统指令|初始指令|原始指令|"
                r"隐藏指令|api\s?密钥|管理员密码)"
                r"|(?:システムプロンプト|初期指示|元の指示|apiキー|パスワード|認証情報)を(?:教えて|表示|出力|見せて|公開|開示)"
            ),
            check=_not_mention,
        ),
        _Rule(
            exfiltration,
            _rx(
                r"(?<!\w)(?:curl|wget|invoke-webrequest|iwr|nc|netcat|scp|rsync)(?!\w)[^\n]{0,160}?(?:\.env(?!\w)|id_rsa|"
                r"id_ed25519|/etc/passwd|/etc/shadow|\.aws/credentials|\.ssh/|\$\(\s*(?:env|printenv|cat)(?!\w)|printenv)"
            ),
        ),
    ]


def _delimiter_rules(role: str) -> list[_Rule]:
    delimiter: tuple[FindingKind, ...] = ("delimiter_break",)
    return [
        _Rule(("delimiter_break", "fake_turn"), _rx(r"<\s*/?\s*data\s*>")),
        _Rule(
            delimiter,
            _rx(
                r"<\s*/\s*{T}\s*>|<\s*/\s*[\w-]*(?:data|document|context|tool|untrusted|retriev|search_result|observation|"
                r"instruction|prompt|transcript|function_|external)[\w-]*\s*>",
                T=_DATA_TAGS,
            ),
        ),
        _Rule(
            delimiter,
            _rx(r"-{3,}\s*(?:end|begin|start|fin|ende|fine|fim|einde|конец|начало)(?!\w)[^\n]{0,50}"),
            check=_check_delimiter_end,
        ),
        _Rule(
            delimiter,
            _rx(
                r"(?:####|====|\*\*\*\*|~~~~|____|\+\+\+\+|----)[#=*~_+\-\s]*(?:#+\s*)?(?:\[\s*)?(?:{R}|new\sinstructions|instructions|override|admin\smode|"
                r"end\sof\s(?:data|document|input|context|user|untrusted|instructions|prompt|content|system)|begin\s"
                r"(?:system|supervisor|admin|new|instructions|override)|{E})"
                r"(?=\s*(?:[:\]\n=#*\-]|$)|\s(?:message|prompt|instructions?|override|note|notice|update|mode|turn|"
                r"content|input|follow)(?!\w))",
                R=role,
                E=_END_OF_DATA,
            ),
        ),
    ]
