"""Vocabulary of the injection rules, in the languages Baton guards (en, es, fr, de, it, pt, nl, ru, zh, ja, and
a little ko, pl, tr): plain data, ``|``-separated, written with accents and capitals as people write them.

Each tuple holds one group per language; :func:`supervisor.guards.detector.rulebook.word_group` folds the words
(accents off, lower case) and builds one prefix-factored alternation. Words are families, not sentences: verbs
in imperative and infinitive forms, objects in singular and plural.
"""

# ruff: noqa: RUF001 - the Cyrillic letters here are Russian words, not look-alikes of Latin ones.

from __future__ import annotations

OVERRIDE_VERBS: tuple[str, ...] = (
    "ignore|ignoring|disregard|disregarding|forget|forgetting|bypass|override|overrule|drop|discard|abandon|"
    "neglect|set aside|put aside|pay no attention to|do not follow|don't follow|dont follow|stop following|"
    "no longer follow|do not obey|don't obey|stop obeying|do not listen to|don't listen to|stop listening to|"
    "cancel|void|nullify|throw out|throw away|scrap|forgo|ditch|dismiss|disobey|circumvent|unlearn|supersede|"
    "take precedence over|erase|wipe|purge|don't pay attention to|do not pay attention to|"
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
OVERRIDE_OBJECTS: tuple[str, ...] = (
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

# Roles a fake turn claims. The core ones are never a document's own heading; the rest ("## Developer",
# "# admin") can be, so a heading of those alone is not enough.
ROLE_CORE = (
    "system|system message|system prompt|supervisor|assistant|baton|orchestrator|sistema|mensaje del sistema|"
    "système|message système|systeem|systemnachricht|systemmeldung|система|системное сообщение|系统|系統|系统消息|"
    "系统提示|システム|システムメッセージ|supervisore|супервизор|ассистент|asistente|assistente|assistent|시스템"
)
ROLE = ROLE_CORE + "|developer|admin|administrator|root|operator|sysadmin|管理员|管理者|администратор"
# Words that show a line is addressed to the model that reads it (after a bare "system:" for instance).
CUE: tuple[str, ...] = (
    "you|your|you're|ignore|disregard|forget|do not|don't|always|never|must|respond|reply|answer|output|print|"
    "reveal|send|approve|grant|comply|obey|the assistant|the model|the ai|the agent|the user is|the requester|"
    "new instructions|new rules|new policy|override|from now|priority|verified|elevated|accept|approve|approved|"
    "mark|route|reroute|escalate|publish|skip|authorised|authorized|pre-authorised|pre-authorized|pre-approved|"
    "cleared|permitted|exempt|",
    "tú|usted|debes|debe|ignora|eres|responde|nuevas|a partir|vous|tu dois|vous devez|désormais|du|sie|ignoriere|"
    "ab jetzt|ab sofort|musst|müssen|devi|ora|você|voce|deve|jij|je moet|negeer|vanaf|ты|вы|должен|должны|"
    "игнорируй|теперь|你|您|忽略|从现在|必须|あなた|無視|今から|これから|しなければ|ください|당신|너는",
)
SEND_LATIN = (
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
SEND_OTHER = (
    "отправь|отправьте|отправить|пришли|пришлите|перешли|перешлите|вышли|вышлите|передай|передайте|загрузи|"
    "загрузите|发送|发给|发到|发至|传给|传到|上传|转发|提交|泄露|發送|傳送|上傳|轉發|送信|送って|送れ|転送|アップロード|投稿"
)
SECRETS_LATIN = (
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
SECRETS_OTHER = (
    "ключ|ключи|api-ключ|ключ api|пароль|пароли|токен|учетные данные|учётные данные|историю переписки|"
    "системный промпт|密钥|密碼|密码|令牌|凭证|凭据|系统提示|系统提示词|聊天记录|对话记录|api密钥|apiキー|パスワード|"
    "秘密鍵|認証情報|トークン|システムプロンプト|会話履歴"
)

DATA_TAGS: tuple[str, ...] = (
    "data|document|documents|doc|context|tool_output|tool_result|tool_response|tool_call|tool|function_output|"
    "function_result|function_results|untrusted|untrusted_input|untrusted_data|untrusted_content|user_input|"
    "user_data|user_content|user_message|input|external_content|external_data|email|webpage|web_page|"
    "search_result|search_results|retrieved|retrieved_content|observation|system|instructions|instruction|"
    "prompt|system_prompt|human|assistant|user|context_data|quote|quoted|reference|source_text|transcript|"
    "ticket|review|content|message|tool_results|results|result",
)

# What a jailbreak persona is said to be free of.
UNRESTRICTED: tuple[str, ...] = (
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
# Openings that hand the reader a new identity ("you are now", "act as").
PERSONA: tuple[str, ...] = (
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
    "веди себя как|действуй как|你现在是|现在你是|从现在开始你是|從現在開始你是|扮演|充当|"
    "あなたは今から|今からあなたは|これからあなたは|として振る舞|として行動",
)
# Openings that are a role-play jailbreak on their own.
PRETEND: tuple[str, ...] = (
    "pretend you are|pretend you're|pretend to be|pretend that you are|pretend that you're|imagine you are an ai|"
    "roleplay as|role-play as|role play as|stay in character|you will play the role of|"
    "finge que eres|finge ser|haz como si fueras|fais semblant d'être|faites semblant d'être|"
    "fais comme si tu étais|faites comme si vous étiez|tu so, als wärst du|tu so als wärst du|tu so, als ob du|"
    "stell dir vor, du bist|fingi di essere|fai finta di essere|finja que é|finja que você é|finja ser|"
    "doe alsof je|doe alsof jij|притворись|представь, что ты|假装你是|假设你是|のふりをして|になりきって",
)
# "From now on" ... and what must follow it for an override (not "you will receive our newsletter").
FROM_NOW: tuple[str, ...] = (
    "from now on|from this point on|from this point forward|henceforth|starting now|"
    "a partir de ahora|de ahora en adelante|desde ahora|à partir de maintenant|désormais|dorénavant|"
    "ab jetzt|ab sofort|von nun an|d'ora in poi|d'ora in avanti|da ora in poi|da adesso in poi|"
    "a partir de agora|de agora em diante|daqui em diante|vanaf nu|van nu af aan|voortaan|vanaf dit moment|"
    "с этого момента|отныне|впредь|начиная с этого момента|从现在开始|從現在開始|从现在起|從現在起|从今以后|"
    "これからは|今後は|今から|以後",
)
FROM_NOW_THEN: tuple[str, ...] = (
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
