"""Guards and a classifier named in test configs as ``module:function``."""

from __future__ import annotations

from supervisor import GuardedMessage, GuardResult


def no_account_numbers(message: GuardedMessage) -> GuardResult:
    if message.untrusted and "ACCT-" in message.text:
        return GuardResult("blocked", message.text, "no_account_numbers", ("an account number",))
    return GuardResult("pass", message.text)


def flags_the_word_banana(text: str) -> float:
    return 0.9 if "banana" in text.lower() else 0.1
