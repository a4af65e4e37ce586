"""Rules for the families that are phrasing: instruction overrides and role-play jailbreaks, in many languages.

Each rule is a family (verb x object x qualifier, or an opening x a promise of no limits), not a sentence; the
context checks in :mod:`supervisor.guards.detector.context_checks` keep benign look-alikes out.
"""

# ruff: noqa: RUF001 - the Cyrillic letters here are Russian words, not look-alikes of Latin ones.

from __future__ import annotations

from supervisor.guards.detector import vocab
from supervisor.guards.detector.context_checks import check_override, check_strong_gap, not_mention
from supervisor.guards.detector.rulebook import Rule, rx, word_group

__all__ = ["language_rules"]


def language_rules() -> list[Rule]:
    """The instruction_override and roleplay rules."""
    return [*_override_rules(), *_roleplay_rules()]


def _override_rules() -> list[Rule]:
    verbs, objects = word_group(*vocab.words("override_verbs")), word_group(*vocab.words("override_objects"))
    from_now, from_now_then = word_group(*vocab.words("from_now")), word_group(*vocab.words("from_now_then"))
    return [
        # --- instruction_override --------------------------------------------------------------------------
        Rule(
            ("instruction_override",),
            rx(
                r"(?P<verb>{V})(?P<gap>[^.!?;\"(){}=<>\[\]]{0,60}?)(?P<obj>{O})|(?P<obj2>{O})(?P<gap2>[^.!?;:\n]{0,25}?){V}",
                V=verbs,
                O=objects,
            ),
            check=check_override,
        ),
        Rule(
            ("instruction_override",),
            rx(
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
            check=not_mention,
        ),
        Rule(
            ("instruction_override",),
            rx(
                r"{N}[,:]?\s?{T}"
                # "From now on you speak like a pirate", but not "from now on you will receive our newsletter".
                r"|(?<!\w)(?:from\snow\son|from\sthis\spoint\son|henceforth),?\syou(?:'ll|\swill|\smust|\sshould|"
                r"\sshall)?\s(?!(?:receive|get|be|can|could|may|also|have|see|enjoy|save|earn|pay|need|find|start|"
                r"continue|won't|will|'ll|should|must)(?!\w))[a-z]{3,}",
                N=from_now,
                T=from_now_then,
            ),
            check=not_mention,
        ),
        Rule(
            ("instruction_override",),
            rx(
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
        Rule(
            ("instruction_override",),
            rx(
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
        Rule(
            ("instruction_override",),
            rx(
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
        Rule(
            ("instruction_override",),
            rx(
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
        Rule(
            ("instruction_override",),
            rx(
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
        Rule(
            ("instruction_override",),
            rx(
                r"(?<!\w)(?:set|put|push|cast|lay|leave)\s(?P<gap>(?:[\w'-]+\s){0,3}){O}\s(?:aside|behind)(?!\w)",
                O=objects,
            ),
            check=check_strong_gap,
        ),
        Rule(
            ("instruction_override",),
            rx(
                r"(?<!\w)your\s(?:instructions|rules|task|orders|directives|guidelines|objective|mission|system\sprompt)\s"
                r"(?:have|has)\s(?:now\s|just\s)?(?:changed|been\s(?:updated|changed|replaced|revoked|cancell?ed|overridden))"
                r"|(?<!\w)(?:prioriti[sz]e|follow|obey|use|apply)\s(?:only\s)?(?:these|the\sfollowing|my|the\snew)\s"
                r"(?:instructions|rules|directives|guidelines|orders)\s(?:over|instead\sof|rather\sthan|above)\s(?:any|all|"
                r"your|the)\s(?:previous|prior|other|original|system|earlier|existing)"
                r"|(?<!\w)(?:this|that|these|it)(?:\s(?:message|note|text|instructions?|update|directive|document|prompt|"
                r"order|command|email|page))?\s(?:supersedes?|overrides?|overrules?|replaces?|cancels?|voids?|invalidates?|"
                r"nullifies|takes\sprecedence\sover|has\spriority\sover)\s(?:all|any|every|each|your|the)\s(?:of\s(?:the|"
                r"your)\s)?(?:previous|prior|earlier|other|original|existing|system|above|old)?\s?(?:instructions?|rules?|"
                r"directives?|guidelines?|prompts?|messages|orders|system\sprompt)(?!\w)"
                r"|(?<!\w)(?:these|the\sfollowing|my|the\snew)\s(?:instructions|rules|directives|orders)\s(?:take|have|get)\s"
                r"(?:precedence|priority)\sover"
                r"|(?<!\w)you\s(?:must|will|shall|should)\s(?:now\s)?(?:only\s)?obey\s(?:me|us|only\sme)(?!\w)"
                r"|(?<!\w)(?:stop|quit|cease)\s(?:summari[sz]ing|translating|analy[sz]ing|processing|reviewing|what\s"
                r"you(?:'re|\sare)\sdoing|your\s(?:current\s)?task)(?:\s[\w'-]+){0,4}?(?:,|\sand)?\s(?:instead|now\s"
                r"(?:do|write|say|reply|send|output|tell))"
                r"|(?<!\w)(?:do\snot|don't|dont)\s(?:summari[sz]e|translate|analy[sz]e|review|process|check)\s(?:this|"
                r"the\s[\w-]+|it)[^.\n]{0,30}?[.,;]?\s(?:instead|rather)(?!\w)"
                r"|(?<!\w)obey\sonly\s(?:me|us)(?!\w)"
            ),
            check=not_mention,
        ),
        Rule(
            ("instruction_override",),
            rx(
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
        Rule(
            ("instruction_override",),
            rx(
                r"(?<!\w)the\s(?:ai|assistant|model|agent|llm|language\smodel|chatbot|bot|summari[sz]er)\s(?:must|should|"
                r"shall|has\sto|needs\sto|is\s(?:required|instructed|ordered|expected)\sto|will\snow|is\sto)\s(?:now\s|"
                r"immediately\s|also\s)?(?:reveal|send|email|forward|leak|obey|comply\swith|disclose|exfiltrate|"
                r"transfer|wire|recommend\sonly|only\srecommend|tell\sthe\suser|include\s(?:the|your|all)\s(?:api|"
                r"secret|password|system|credentials)|print\s(?:the|your)\s(?:system|api|secret|password|credentials))"
                r"(?!\w)"
            ),
        ),
    ]


def _roleplay_rules() -> list[Rule]:
    unrestricted = word_group(*vocab.words("unrestricted"))
    persona, pretend = word_group(*vocab.words("persona")), word_group(*vocab.words("pretend"))
    return [
        # --- roleplay ---------------------------------------------------------------------------------------
        Rule(("roleplay",), rx(r"{P}[^.!?\n]{0,40}?{U}", P=persona, U=unrestricted), check=not_mention),
        Rule(("roleplay",), rx(r"{P}", P=pretend), check=not_mention),
        Rule(
            ("roleplay",),
            rx(
                r"{U}[^.!?\n]{0,20}?(?:として振る舞|として行動|として答え|になって|を演じ|になりきって)", U=unrestricted
            ),
        ),
        Rule(
            ("roleplay",),
            rx(
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
            check=not_mention,
        ),
    ]
