"""Rules for the families that are markup or claims: fake turns, fake verdicts and routing, exfiltration, and
breaking out of Baton's ``<data>`` blocks.
"""

# ruff: noqa: RUF001 - the Cyrillic letters here are Russian words, not look-alikes of Latin ones.

from __future__ import annotations

from typing import TYPE_CHECKING

from supervisor.guards.detector.context_checks import (
    approval_claim,
    check_delimiter_end,
    check_image,
    check_link,
    not_first_person,
    not_mention,
    not_password_reset,
)
from supervisor.guards.detector.rulebook import Rule, rx, word_group
from supervisor.guards.detector.vocab import words

if TYPE_CHECKING:
    from supervisor.guards.detector.heuristic import FindingKind

__all__ = ["markup_rules"]

_DESTINATION = (
    r"(?:(?:https?|ftp|sftp|s3|gs|wss?)://\S+|www\.\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?<!\w)(?:webhook|pastebin|ngrok|requestbin)"
    r"|(?<!\w)(?:this|that|the following|my|our) (?:url|address|endpoint|server|webhook|link|inbox))"
)
_END_OF_DATA = (
    r"(?<!\w)(?:fin\sde\s(?:los\s)?datos|fin\sdes\sdonnées|ende\sder\s(?:daten|benutzereingabe|eingabe)|"
    r"fine\sdei\sdati|fim\sdos\sdados|einde\s(?:van\s)?(?:de\s)?(?:gegevens|data)|конец\sданных)(?!\w)"
    r"|数据结束|資料結束|数据到此结束|データ(?:の)?(?:終了|終わり)"
)


def markup_rules() -> list[Rule]:
    """The fake_turn, fake_control, exfiltration and delimiter_break rules."""
    role, cue = word_group(*words("role_core"), *words("role_extra")), word_group(*words("cue"))
    return [*_turn_rules(role, cue), *_control_rules(), *_exfiltration_rules(), *_delimiter_rules(role)]


def _turn_rules(role: str, cue: str) -> list[Rule]:
    fake_turn: tuple[FindingKind, ...] = ("fake_turn",)
    role_suffix = r"(?:\s(?:message|prompt|instructions?|override|note|notice|update|turn|mode|alert|directive))?"
    return [
        Rule(fake_turn, rx(r"<\|[a-z_]{2,24}\|>|\[/?inst\]|<</?sys>>|<(?:start|end)_of_turn>")),
        Rule(
            fake_turn,
            rx(
                r"<\s*(?:system|supervisor|admin|administrator|developer|assistant|system_prompt|sys|instructions?|"
                r"operator|orchestrator|baton)(?:\s[^<>\n]{0,60})?>"
            ),
        ),
        Rule(
            fake_turn,
            rx(
                r"(?<![^\n])(?:#{1,6}|\*\*|__)\s*{K}{S}\s*(?:\*\*|__)?\s*:?\s*$|(?<![^\n])#{1,6}\s*{K}{S}\s*:"
                r"|\[\s*{R}{S}\s*\]\s*:|\[\s*(?:supervisor|baton|orchestrator|admin|administrator|developer|operator)\s*\]"
                r"|\[\s*{R}{S}\s*\](?=[^\n]{0,80}?{C})"
                r"|(?<![^\n])(?:#{1,6}|\*\*|__)\s*{K}{S}\s*(?:\*\*|__)?\s*:\s*(?:\*\*|__)?(?=[^\n]{0,60}?{C})",
                R=role,
                K=word_group(*words("role_core")),
                S=role_suffix,
                C=cue,
            ),
        ),
        Rule(
            fake_turn,
            rx(
                r"(?<!\w)(?<!\w\s){R}{S}\s*:\s*(?=[^\n]{0,60}?{C})",
                R=role,
                S=role_suffix,
                C=cue,
            ),
        ),
        Rule(
            fake_turn,
            rx(
                r"(?<![^\n])(?:assistant|ai|gpt|model|chatbot|asistente|assistente|assistent|ассистент|助手|アシスタント)\s*:\s*"
                r"(?:sure|certainly|of\scourse|okay|ok|understood|absolutely|yes|i\swill|i'll|i\shave|as\srequested|"
                r"acknowledged|done|here\s(?:is|are)|claro|por\ssupuesto|entendido|bien\ssûr|d'accord|compris|"
                r"natürlich|verstanden|certo|capito|zeker|begrepen|конечно|понял|好的|当然|明白|了解|承知|かしこまりました)"
                r"[^\n]{0,80}?(?:password|api\skey|secret|system\sprompt|credentials|instructions|ignor|approv|admin|"
                r"unrestricted|developer\smode|dan(?!\w)|no\srestrictions|jailbr)"
            ),
        ),
        Rule(
            fake_turn,
            rx(r"(?<=[\"'])(?:role|speaker|author)\\?[\"']\s*:\s*\\?[\"'](?:system|developer|supervisor)\\?[\"']"),
        ),
        Rule(
            fake_turn,
            rx(
                r"(?<!\w)end\sof\s(?:the\s)?(?:data|untrusted\s(?:data|content|input|text)|user\s(?:data|input|content|"
                r"message|text)|tool\s(?:output|result|data)|external\s(?:data|content)|retrieved\s(?:content|data|text)|"
                r"quoted\s(?:text|content|data)|data\sblock)(?!\w)"
                r"|{E}",
                E=_END_OF_DATA,
            ),
        ),
        Rule(
            fake_turn,
            rx(
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
        Rule(
            ("fake_turn", "delimiter_break"),
            rx(
                r"(?<![=~*#-])(?:={2,}|-{2,}|~{2,}|\*{3,}|#{3,})\s*(?:{R}|user|usuario|utilisateur|benutzer|utente|usuário|gebruiker|"
                r"пользователь|用户|ユーザー)(?:\s(?:message|prompt|turn))?\s*(?:={2,}|-{2,}|~{2,}|\*{3,}|#{3,})",
                R=role,
            ),
        ),
        Rule(fake_turn, rx(r"```\s*(?:system|supervisor|assistant)(?!\w)")),
        # A role written as a tag in brackets no prose uses: "(system_message)", "[[admin_directive]]",
        # "{{system}}", "<<operator message>>", "%%% system notice %%%".
        Rule(
            fake_turn,
            rx(
                r"\(\s*{T}[_-]{X}\s*\)|\[\[\s*{T}(?:[_\s-]{X})?\s*\]\]|\{\{\s*{T}(?:[_\s-]{X})?\s*\}\}"
                r"|<<\s*{T}(?:[_\s-]{X})?\s*>>|%%%?\s*{T}(?:[_\s-]{X})?\s*%%|@@\s*{T}(?:[_\s-]{X})?\s*@@",
                T=r"(?:system|sys|admin|developer|operator|assistant|supervisor|orchestrator|root)",
                X=r"(?:message|msg|prompt|instructions?|directive|note|notice|update|override|command|config)",
            ),
        ),
        Rule(
            fake_turn,
            rx(
                r"(?<![^\n])human\s?:[^\n]{0,300}\n(?:[^\n]{0,300}\n){0,3}(?:assistant|ai)\s?:"
                r"|(?<![^\n])(?:assistant|ai\sassistant)\s?:\s*$"
            ),
        ),
    ]


def _control_rules() -> list[Rule]:
    fake_control: tuple[FindingKind, ...] = ("fake_control",)
    q = r"\\?[\"']"
    return [
        Rule(
            fake_control,
            rx(
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
        Rule(
            fake_control,
            rx(
                r"(?<![^\n])(?:final\sverdict|final\sdecision|verdict|decision|route_to|next_agent)\s*[:=\-]\s*(?:accept(?:ed)?|approved?|"
                r"pass(?:ed)?)(?=\s*(?:[.,;!]|$))"
                r"|(?<!\w)(?:supervisor|admin|administrator|orchestrator|security|reviewer|checker|quality|guard)\s"
                r"(?:approval|authori[sz]ation|"
                r"sign-?off|override|clearance|verdict|decision)\s*[:=]\s*(?:granted|approved|yes|true|ok|given|"
                r"confirmed|accept(?:ed)?|pass(?:ed)?)(?!\w)"
                r"|(?<!\w)(?:skip|bypass|omit)\s(?:the|any|all|further|this|that)\s(?:further\s|additional\s)?(?:quality\s|"
                r"security\s|final\s|supervisor(?:'s)?\s|manual\s|human\s)?(?:review|reviews|check|checks|"
                r"verification|approval|approval\sstep|review\sstep|guard|guards)(?!\w)"
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
            check=not_first_person,
        ),
        Rule(
            fake_control,
            rx(
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
            check=approval_claim,
        ),
    ]


def _exfiltration_rules() -> list[Rule]:
    exfiltration: tuple[FindingKind, ...] = ("exfiltration",)
    send, secrets = word_group(*words("send")), word_group(*words("secrets"))
    # Secret first, verb after ("把API密钥发送到…", "APIキーを…に送信"): only in languages whose word order puts it
    # so. In English "forgot your password? email support@…" has that order and is harmless.
    secrets_first = word_group(*words("secrets", object_before_verb=True))
    send_after = word_group(*words("send", object_before_verb=True))
    url = r"(?P<url>(?:https?:)?//[^\s)]+)"
    secret_after = r"(?<!\w)(?P<s>{S})"
    return [
        Rule(exfiltration, rx(r"!\[[^\]\n]{0,200}\]\(\s*<?" + url + r"\)"), check=check_image),
        Rule(
            exfiltration,
            rx(r"<img\b[^>]{0,200}?\bsrc\s*=\s*[\"']?(?P<url>(?:https?:)?//[^\s\"'>]+)"),
            check=check_image,
        ),
        Rule(exfiltration, rx(r"(?<!!)\[[^\]\n]{0,200}\]\(\s*<?" + url + r"\)"), check=check_link),
        Rule(
            exfiltration,
            rx(
                r"(?:{V}|visit|open|fetch|load|render|display|embed|request|call|navigate\sto|go\sto|click)[^\n]{0,100}?"
                r"(?P<url>https?://[^\s)\"'<>]*\?[^\s)\"'<>]*(?:\{|%7b|<|\$\{?|\[)[^\s)\"'<>]*)",
                V=send,
            ),
            check=check_link,
        ),
        Rule(
            exfiltration,
            rx(
                r"{V}\s(?:(?:me|us|it|them)\s)?(?:[\w'-]+\s){0,4}?" + secret_after + r"[^\n]{0,120}?{D}",
                V=send,
                S=secrets,
                D=_DESTINATION,
            ),
            check=not_password_reset,
        ),
        Rule(
            exfiltration,
            rx(
                r"{S}[^\n.]{0,30}?{V}[^\n.]{0,15}?{D}|{S}[^\n]{0,15}?{D}[^\n]{0,15}?{V}"
                r"|{SL}[^\n.]{0,60}?(?:and|then|,)\s(?:[\w'-]+\s)?{VL}\s(?:it|them|this|that|everything|the\sresult|the\s"
                r"output|the\slist)\s(?:to|at|via|into|on)\s{D}",
                S=secrets_first,
                V=send_after,
                SL=secrets,
                VL=send,
                D=_DESTINATION,
            ),
            check=not_mention,
        ),
        Rule(
            exfiltration,
            rx(
                r"(?<!\w)(?:include|append|add|insert|embed|encode|put|attach|place)\s(?:the\s|your\s|all\s|their\s|any\s|"
                r"his\s|her\s)?(?:[\w'-]+\s){0,3}?(?:user's|customer's|user|customer|conversation|chat|history|system\s"
                r"prompt|previous\smessages|email\saddress|phone\snumber|personal\sdata|password|credentials|secrets?|"
                r"session\stoken|cookies?)(?:\s[\w'-]+){0,3}?\s(?:in|into|to|inside|as)\s(?:the\s|this\s|a\s|an\s|your\s)?"
                r"(?:image\s|markdown\s|tracking\s)?(?:url|link|query\sstring|query|image|markdown|pixel|src)(?!\w)"
                r"|(?<!\w)what(?:'s|\sis|\sare|\swere)\syour\s(?:system\sprompt|initial\s(?:prompt|instructions)|hidden\s"
                r"(?:prompt|instructions)|original\s(?:prompt|instructions)|secret\sinstructions|system\sinstructions|"
                r"api\skeys?|admin\spassword|credentials)(?!\w)"
            ),
            check=not_mention,
        ),
        Rule(
            exfiltration,
            rx(
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
            check=not_mention,
        ),
        Rule(
            exfiltration,
            rx(
                r"(?<!\w)(?:curl|wget|invoke-webrequest|iwr|nc|netcat|scp|rsync)(?!\w)[^\n]{0,160}?(?:\.env(?!\w)|id_rsa|"
                r"id_ed25519|/etc/passwd|/etc/shadow|\.aws/credentials|\.ssh/|\$\(\s*(?:env|printenv|cat)(?!\w)|printenv)"
            ),
        ),
    ]


def _delimiter_rules(role: str) -> list[Rule]:
    # The run rules start only where a run starts (the look-behinds), and read a run once (the possessive "*+"):
    # otherwise a long run of "=" or "#" costs time quadratic in its length.
    delimiter: tuple[FindingKind, ...] = ("delimiter_break",)
    return [
        Rule(("delimiter_break", "fake_turn"), rx(r"<\s*/?\s*data\s*>")),
        Rule(
            delimiter,
            rx(
                r"<\s*/\s*{T}\s*>|<\s*/\s*[\w-]*(?:data|document|context|tool|untrusted|retriev|search_result|observation|"
                r"instruction|prompt|transcript|function_|external)[\w-]*\s*>",
                T=word_group(*words("data_tags")),
            ),
        ),
        Rule(
            delimiter,
            rx(r"(?<!-)-{3,}\s*(?:end|begin|start|fin|ende|fine|fim|einde|конец|начало)(?!\w)[^\n]{0,50}"),
            check=check_delimiter_end,
        ),
        Rule(
            delimiter,
            rx(
                r"(?<![#=*~_+-])(?<![#=*~_+-]\s)(?:####|====|\*\*\*\*|~~~~|____|\+\+\+\+|----)[#=*~_+\-\s]*+(?:\[\s*)?(?:{R}|new\sinstructions|instructions|override|admin\smode|"
                r"end\sof\s(?:data|document|input|context|user|untrusted|instructions|prompt|content|system)|begin\s"
                r"(?:system|supervisor|admin|new|instructions|override)|{E})"
                r"(?=\s*(?:[:\]\n=#*\-]|$)|\s(?:message|prompt|instructions?|override|note|notice|update|mode|turn|"
                r"content|input|follow)(?!\w))",
                R=role,
                E=_END_OF_DATA,
            ),
        ),
    ]
