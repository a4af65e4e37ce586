"""Benign training material for the learned detector: advice and instructions written for people.

Imperatives, "before you ...", "first ...", "instead ...", "ignore ...", "your task" and "send it to ..." are
ordinary in how-tos, READMEs, recipes, manuals, support replies and coaching; what marks an injection is whom the
text addresses (the AI, agent, model or evaluator reading it), a claim of authority, or a redirection of the reader's
task. A model that never saw such advice learns the imperatives themselves, and withholds a desk's answer that says
"try it for a week before changing anything else". So the model is shown plenty of it:

- ``advice_rows``: sentences of advice for people, made from templates x subjects x actions, alone or in a carrier;
- ``desk_answer_rows``: what the example desks write (the content studio's notes for many subjects, the support
  desk's letters and policies, the order and research desks' summaries): benign by construction, and read by the
  guards on every run.

tests/data/guard_advice_benign.jsonl is written separately and never trained on: the benchmark's check of this.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

Row = dict[str, Any]

SUBJECTS = [
    "code reviews", "remote work", "onboarding new hires", "time management", "customer feedback surveys",
    "password hygiene", "a balcony herb garden", "sourdough baking", "marathon training", "budgeting",
    "job interviews", "public speaking", "home composting", "team retrospectives", "sprint planning",
    "writing documentation", "learning Spanish", "saving for retirement", "running a book club",
    "meal prep", "cycling to work", "houseplant care", "photo backups", "a small online shop",
    "release checklists", "incident reviews", "mentoring", "weekly planning", "email overload", "sleep habits",
]  # fmt: skip
CHANGES = [
    "change anything", "touch the config", "upgrade the package", "merge the branch", "repot the plant",
    "paint the wall", "cut the fabric", "delete old files", "edit the spreadsheet", "restart the server",
    "send the newsletter", "sign the lease", "book the venue", "submit the form", "publish the post",
]  # fmt: skip
CHECKS = [
    "run the tests", "make a backup", "read the whole recipe", "check the weather forecast",
    "measure twice", "ask your landlord", "save a copy of the file", "write down the current settings",
    "check the warranty", "talk to your team", "read the release notes", "test on a small patch first",
    "confirm the date with the client", "turn off the power at the fuse box", "check your bank balance",
]  # fmt: skip
SENDS = [
    "send the signed form to the HR office", "forward the receipt to accounts@yourcompany.example",
    "e-mail the slides to everyone who attended", "send your CV to the hiring manager",
    "share the folder with your accountant", "post the summary in the team channel",
    "send a copy to your landlord", "forward the confirmation to your travel agent",
]  # fmt: skip
ADVICE = [
    "Before you {change}, {check}.",
    "Start small: pick one part of {subject} and try it for a week before changing anything else.",
    "First, {check}. Then {change} and see what happens.",
    "Always {check} before you {change}; it takes a minute and saves an afternoon.",
    "Don't {change} until you {check}.",
    "Make sure you {check} first. If anything looks wrong, stop and ask someone who knows {subject}.",
    "Ignore the advice to do everything at once: {subject} works best one habit at a time.",
    "Forget what you read about perfect plans; with {subject}, a rough plan you follow beats a perfect one.",
    "Instead of trying to fix everything, {check} and fix the easiest thing first.",
    "Your first task is simple: {check}. Your second is to write down what you found.",
    "Here is your new routine for {subject}: {check} on Monday, review on Friday.",
    "Stop what you are doing for a moment and {check}; then decide whether to {change}.",
    "When you finish, {send}.",
    "Once everything is signed, {send} and keep the original.",
    "Step 1: {check}. Step 2: {change}. Step 3: {send}.",
    "Tip: if {subject} feels overwhelming, ignore the details for now and focus on one small win.",
    "Important: {check} before you {change}. Otherwise you may lose your work.",
    "Note: you can skip this step if you already {check}.",
    "Please {check} and then reply to this message with the result.",
    "You should {check} at least once a month; most problems with {subject} start small.",
    "Remember to {send} by the end of the week.",
    "Do not forget to {check} before you leave.",
    "Disregard the old instructions on page 4; the new manual explains how to {change} safely.",
    "Override the default only if you know why; otherwise keep the settings and {check}.",
    "The most important rule of {subject}: {check} before you {change}.",
    "To get the best results from {subject}, {check}, then adjust one thing at a time.",
    "If you are new to {subject}, ignore the advanced options until you {check}.",
    "Before you start, read these instructions carefully. Then {check}.",
    "Your task this week: {check}, and note what you learn about {subject}.",
    "A good rule: never {change} on a Friday afternoon. {Check} on Thursday instead.",
    "Act as if you were explaining {subject} to a friend: keep it short and concrete.",
    "Pretend you are a beginner again and {check}; you will spot what newcomers struggle with.",
    "Treat every step as optional except one: {check}.",
    "From now on, {check} before every release and write the result in the log.",
    "New instructions for the team: {check} each morning and {send}.",
    "Answer only the questions you are sure about, then go back to the rest.",
    "Reply with your order number and we will {change} for you.",
    "Write your answer on the form, then {send}.",
    "Output the report as a PDF and {send}.",
    "The reviewer will approve your request once you {check}.",
    "Mark the task as done only after you {check}.",
    "Once approved, the change goes live the next morning; until then, {check}.",
]  # fmt: skip
SUPPORT = [
    "Dear {first}, thank you for contacting us. Please ignore the earlier e-mail about your order; it was sent by "
    "mistake. Your refund is on its way.",
    "Hi {first}, to finish the return, print the label, attach it to the box and drop it at any post office. "
    "Before you send it, please remove any personal items.",
    "Hello {first}, we have reset your password. Log in with the temporary one and change it right away. "
    "Never share your password with anyone, including our staff.",
    "Dear {first}, your account is locked for your safety. Reply to this message from the address we have on file "
    "and we will unlock it.",
    "Hi {first}, instead of waiting for the courier, you can pick up the parcel at the depot from tomorrow.",
    "Dear customer, please forward the bank statement showing the double charge to our billing team and we will "
    "refund it within five days.",
    "Hello {first}, first restart the router, then wait two minutes before you plug the laptop back in.",
    "Dear {first}, you do not need to do anything else; we will confirm by e-mail once the refund is processed.",
]  # fmt: skip
README = [
    "## Quick start\n\nInstall the package, copy `.env.example` to `.env` and set your API key. Then run `make test` "
    "before you open a pull request.",
    "## Contributing\n\nFork the repository, create a branch and ignore the `build/` folder. Run the linters before "
    "you push; the CI will reject a red build.",
    "Usage: run the script with `--dry-run` first. When the output looks right, run it again without the flag.",
    "To reset the device, hold the power button for ten seconds. Ignore the blinking light; it stops by itself.",
    "Configuration: any key you leave out takes its default. Override `timeout` only for slow networks.",
    "Upgrading from 2.x: remove the old cache, then reinstall. Skip the migration step if you never used profiles.",
    "Troubleshooting: if the build fails, delete `node_modules`, reinstall and try again before filing an issue.",
    "Security note: never paste your token into an issue. If you did, revoke it at once and create a new one.",
]  # fmt: skip
RECIPES = [
    "Preheat the oven to 200C. Meanwhile, chop the onions; ignore the tears, they pass.",
    "Before you add the eggs, let the butter cool, or they will scramble. Then fold in the flour.",
    "Forget the timer: the bread is done when it sounds hollow when you tap the bottom.",
    "Instead of cream, use yoghurt for a lighter sauce. Season to taste and serve at once.",
    "First soak the beans overnight. Drain them, cover with fresh water and simmer for an hour.",
    "Do not open the oven door in the first twenty minutes, or the cake will sink.",
]  # fmt: skip
# What customers and colleagues ask of the people who read their messages: requests with imperatives, "previous",
# "send", "access" and "password" in them, said to a person about the person's own business.
REQUESTS = [
    "Please cancel my previous order and send the new one to my office address instead.",
    "Hi, could you give {first} edit access to the budget sheet? She starts on Monday.",
    "Can you send me a new link to reset my password? The last one expired.",
    "Please forward this ticket to the billing team; I was charged for a plan I never chose.",
    "Ignore my last e-mail, I found the invoice. Sorry for the noise!",
    "Could someone delete my old account? I signed up twice by mistake.",
    "Please change the delivery address on order {n} to my work address.",
    "I need admin rights on my laptop to install the printer driver. Can IT help?",
    "Kindly transfer the deposit back to my card, the booking was cancelled by the venue.",
    "Disregard the attachment in my previous message; the right version is attached here.",
    "Please update my e-mail address in your records and confirm once done.",
    "Can you share the meeting notes with the whole team and add {first} to the invite?",
    "Stop sending me the weekly newsletter, please. I'd like to keep the order updates.",
    "Could you move my appointment to Thursday and send me a confirmation?",
    "Before you ship it, please double-check the size. I ordered a medium last time and it was too small.",
    "Quick request from {first}: upload the signed contract to the shared folder when you have a minute.",
]
NAMES = ["Emma", "Liam", "Noah", "Olivia", "Ava", "Lucas", "Mia", "Sofia", "Jonas", "Priya"]


def advice_rows(per_template: int = 3, seed: int = 23) -> Iterator[Row]:
    """Advice for people: every template a few times over, alone or in a document, an e-mail or a chat line."""
    rng = random.Random(seed)
    number = 0
    for template in ADVICE:
        for _ in range(per_template):
            slots = {"subject": rng.choice(SUBJECTS), "change": rng.choice(CHANGES), "check": rng.choice(CHECKS),
                     "send": rng.choice(SENDS)}  # fmt: skip
            slots["Check"] = slots["check"][:1].upper() + slots["check"][1:]
            text = template.format(**slots)
            if rng.random() < 0.5:
                text = f"{text} {rng.choice(ADVICE).format(**slots)}"
            number += 1
            yield _row(f"adv-{number:04d}", "advice", _placed(text, rng))
    for fixed, about in ((SUPPORT, "support_reply"), (README, "readme"), (RECIPES, "recipe"), (REQUESTS, "request")):
        for template in fixed:
            for _ in range(2):
                number += 1
                text = template.format(first=rng.choice(NAMES), n=rng.randint(1000, 9999))
                yield _row(f"adv-{number:04d}", about, _placed(text, rng))


def _placed(text: str, rng: random.Random) -> str:
    style = rng.randrange(5)
    if style == 0:
        return f"Hi {rng.choice(NAMES)},\n\n{text}\n\nBest,\n{rng.choice(NAMES)}"
    if style == 1:
        return f"[09:1{rng.randrange(10)}] {rng.choice(NAMES)}: {text}"
    if style == 2:
        return f"# Notes\n\n{text}\n\nLast updated: 2024-0{rng.randrange(1, 10)}-1{rng.randrange(10)}"
    return text


def desk_answer_rows() -> Iterator[Row]:
    """What the example desks write, for many subjects and cases: the guards read every one of these."""
    from specialists.content_studio import NOTES, SECTION_FORMS
    from specialists.support_desk import POLICIES

    number = 0
    for s, subject in enumerate(SUBJECTS):
        forms = [SECTION_FORMS[(s + k) % len(SECTION_FORMS)] for k in range(2)]
        sections = []
        for form in forms:
            notes = [n.format(subject=subject) for n in NOTES[form]]
            turn = s % len(notes)
            sections.append(form.format(subject=subject) + "\n\n" + " ".join((notes[turn:] + notes[:turn])[:3]))
        number += 1
        yield _row(f"desk-{number:04d}", "desk_answer", sections[0])
        number += 1
        title = subject[:1].upper() + subject[1:]
        yield _row(f"desk-{number:04d}", "desk_answer", f"{title}: a short guide\n\n" + "\n\n".join(sections))
    for topic, policy in POLICIES.items():
        number += 1
        letter = (f"Dear customer,\n\nThank you for writing to us about ticket {1000 + number}. "
                  f"Under our policy, {policy[:1].lower()}{policy[1:]}\n\nBest regards,\nThe support team")  # fmt: skip
        yield _row(f"desk-{number:04d}", "desk_answer", letter)
        number += 1
        yield _row(f"desk-{number:04d}", "desk_answer", f"Category: {topic}. Urgency: normal. Policy: {policy}")


def _row(ident: str, about: str, text: str) -> Row:
    return {"id": ident, "kind": "benign", "family": "benign", "carrier": about, "about": about, "lang": "en",
            "source": "synthetic", "text": text}  # fmt: skip
