"""Text (for a terminal) and Markdown (for a ticket) renderings of a report.

Strings that may come from artifacts are passed through :func:`safe` so no
control character or escape sequence reaches a terminal.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from ..i18n import decimal, percent, value_word
from .model import CauseReport, FileReport, FixStep, Report

LABELS = {
    "en": {
        "causes": "Concluded causes",
        "none": "No cause concluded.",
        "confidence": "confidence",
        "evidence": "Evidence",
        "why": "Why",
        "fix": "Fix",
        "verify": "Verify",
        "open": "Still possible",
        "ruled_out": "Ruled out",
        "questions": "Questions that could change the result",
        "conflicts": "Answers the evidence contradicts",
        "artifacts": "Artifacts read",
        "probes": "Live checks",
        "warning": "partly read",
        "title": "kbassist diagnosis",
        "informational": "informational",
        "note": "Note:",
        "chosen": "Chosen because:",
        "if_not_fixed": "If the fix did not work:",
        "escalate": "When escalating, send:",
        "answers": "File that answers it",
        "send": "File to send",
        "colon": ":",
    },
    "fr": {
        "causes": "Causes retenues",
        "none": "Aucune cause retenue.",
        "confidence": "confiance",
        "evidence": "Éléments",
        "why": "Pourquoi",
        "fix": "Résolution",
        "verify": "Vérification",
        "open": "Encore possibles",
        "ruled_out": "Écartées",
        "questions": "Questions qui pourraient changer le résultat",
        "conflicts": "Réponses que les preuves contredisent",
        "artifacts": "Fichiers lus",
        "probes": "Vérifications en direct",
        "warning": "lu en partie",
        "title": "Diagnostic kbassist",
        "informational": "pour information",
        "note": "Remarque\u00a0:",
        "chosen": "Choisi car\u00a0:",
        "if_not_fixed": "Si le correctif n'a pas suffi\u00a0:",
        "escalate": "Pour une escalade, joindre\u00a0:",
        "answers": "Fichier qui y répond",
        "send": "Fichier à envoyer",
        "colon": "\u00a0:",
    },
}


def safe(text: object) -> str:
    """Drop control characters (ESC included) but keep line breaks and tabs."""
    return "".join(ch for ch in str(text) if ch in "\n\t" or unicodedata.category(ch)[0] != "C")


def fix_steps(cause: CauseReport) -> list[FixStep]:
    """The steps with their notes; a report made without them gets its bare steps."""
    return cause.fix or [FixStep(step=step) for step in cause.steps]


def _pct(value: float, lang: str = "en") -> str:
    """A confidence as a percentage: ``90%``; in French ``90 %`` (U+202F)."""
    return percent(round(value * 100), lang)


def _evidence_value(value: object, lang: str) -> str:
    """An answer's or fact's value as evidence shows it: raw in English, words in French."""
    return str(value) if lang == "en" else _value(value, lang)


def _files_text(files: list[FileReport], label: str, indent: str) -> list[str]:
    """Each file's title and id, then how to make it, one level further in."""
    out: list[str] = []
    for f in files:
        out.append(f"{indent}{label} {safe(f.title)} [{f.id}]")
        out += [f"{indent}  {safe(line)}" for line in f.how.splitlines()]
    return out


def to_text(report: Report) -> str:
    lang = report.language if report.language in LABELS else "en"
    t = LABELS[lang]
    c = t["colon"]
    out: list[str] = []
    out.append(f"{t['causes']}{c}" if report.causes else t["none"])
    for cause in report.causes:
        tag = f" ({t['informational']})" if cause.severity == "informational" else ""
        out.append("")
        out.append(
            f"* {safe(cause.title)}{tag} [{cause.id}], {t['confidence']} "
            + _pct(cause.confidence, lang)
        )
        out.append(f"  {safe(cause.summary)}")
        if cause.evidence:
            out.append(f"  {t['evidence']}{c}")
            out += [
                f"    - {safe(e.fact)} = {safe(_evidence_value(e.value, lang))}  ({safe(e.source)})"
                for e in cause.evidence
            ]
        out.append(f"  {t['why']}{c}")
        for trace in cause.explanation:
            reason = trace.because or "; ".join(trace.conditions)
            out.append(f"    {decimal(f'{trace.certainty:+.2f}', lang)} {safe(reason)}")
        out.append(f"  {t['fix']} ({cause.fix_section}){c}")
        if cause.fix_because:
            out.append(f"    {safe(cause.fix_title)}. {t['chosen']} {safe(cause.fix_because)}")
        out += [f"    ! {safe(note)}" for note in cause.fix_notes]
        for n, item in enumerate(fix_steps(cause), 1):
            out.append(f"    {n}. {safe(item.step)}")
            out += [f"       {t['note']} {safe(note)}" for note in item.notes]
        for label, text in (
            (f"{t['verify']}{c}", cause.verify),
            (t["if_not_fixed"], cause.if_not_fixed),
            (t["escalate"], cause.escalate),
        ):
            if text:
                out.append(f"  {label}")
                out += [f"    {safe(line)}" for line in text.splitlines()]
    if report.open:
        out += ["", f"{t['open']}{c}"]
        out += [
            f"  - {safe(o.title)} [{o.id}] {_pct(max(o.confidence, 0.0), lang)}"
            for o in report.open
        ]
    if report.conflicts:
        out += ["", f"{t['conflicts']}{c}"]
        out += [f"  ! {safe(x.text)}" for x in report.conflicts]
    if report.ruled_out:
        out += ["", f"{t['ruled_out']}{c}"]
        out += [f"  - {r.id}{c} {safe(r.reason)}" for r in report.ruled_out]
    if report.questions:
        out += ["", f"{t['questions']}{c}"]
        for q in report.questions:
            choices = f" ({', '.join(ch.value for ch in q.choices)})" if q.choices else ""
            out.append(f"  - {q.id}{c} {safe(q.text)}{choices}")
            out += _files_text(q.files, f"{t['answers']}{c}", "      ")
    sources = [
        (f"{safe(a.path)}{c} {a.kind}", a.facts, a.notes, a.warnings, a.files)
        for a in report.artifacts
    ]
    checks: list[tuple[str, dict[str, Any], list[str], list[str], list[FileReport]]] = [
        (
            f"{p.name} {safe(p.target)}{c} {p.status} - {safe(p.message)}",
            p.facts,
            p.notes,
            [],
            p.files,
        )
        for p in report.probes
    ]
    for label, found in [(t["artifacts"], sources), (t["probes"], checks)]:
        if found:
            out += ["", f"{label}{c}"]
        for title, facts, notes, warnings, files in found:
            out.append(f"  - {title}")
            out += [f"      {t['warning']}{c} {safe(w)}" for w in warnings]
            out += [f"      {safe(k)} = {safe(_value(v, lang))}" for k, v in facts.items()]
            out += [f"      ! {safe(note)}" for note in notes]
            out += _files_text(files, f"{t['send']}{c}", "      ")
    return "\n".join(out) + "\n"


def _value(value: object, lang: str = "en") -> str:
    """A fact's value for a person: in French, oui/non/inconnu, vrai/faux, ``0,5``."""
    if isinstance(value, list):
        return ", ".join(_value(v, lang) for v in value) if value else "-"
    if lang == "en":
        if isinstance(value, bool):
            return "yes" if value else "no"
        return str(value)
    word = value_word(value, lang)
    if word is not None:
        return word
    if isinstance(value, float):
        return decimal(str(value), lang)
    return str(value)


def _md_escape(text: object) -> str:
    return safe(text).replace("|", "\\|")


def _files_md(files: list[FileReport], label: str, colon: str) -> list[str]:
    return [
        f"  - {label}{colon} **{_md_escape(f.title)}** (`{f.id}`){colon} {_md_escape(f.how)}"
        for f in files
    ]


def to_markdown(report: Report) -> str:
    """A ticket note: paste-ready Markdown."""
    lang = report.language if report.language in LABELS else "en"
    t = LABELS[lang]
    c = t["colon"]
    out = [f"## {t['title']}", ""]
    if not report.causes:
        out += [t["none"], ""]
    for cause in report.causes:
        tag = f" _({t['informational']})_" if cause.severity == "informational" else ""
        out += [
            f"### {_md_escape(cause.title)}{tag}",
            "",
            f"`{cause.id}` — {t['confidence']} **{_pct(cause.confidence, lang)}** — "
            + ", ".join(f"`{a}`" for a in cause.articles),
            "",
            _md_escape(cause.summary),
            "",
        ]
        if cause.evidence:
            out += [f"**{t['evidence']}**", ""]
            out += [
                f"- `{_md_escape(e.fact)}` = `{_md_escape(_evidence_value(e.value, lang))}` "
                f"({_md_escape(e.source)})"
                for e in cause.evidence
            ]
            out.append("")
        out += [f"**{t['fix']}** (`{cause.fix_section}`)", ""]
        if cause.fix_because:
            chosen = f"{t['chosen']} {_md_escape(cause.fix_because)}"
            out += [f"_{_md_escape(cause.fix_title)}_ — {chosen}", ""]
        out += [f"> {_md_escape(note)}" for note in cause.fix_notes]
        if cause.fix_notes:
            out.append("")
        for n, item in enumerate(fix_steps(cause), 1):
            out.append(f"{n}. {_md_escape(item.step)}")
            out += [f"   > **{t['note']}** {_md_escape(note)}" for note in item.notes]
        for label, text in (
            (t["verify"], cause.verify),
            (t["if_not_fixed"].rstrip(":\u00a0"), cause.if_not_fixed),
            (t["escalate"].rstrip(":\u00a0"), cause.escalate),
        ):
            if text:
                out += ["", f"**{label}**", "", _md_escape(text)]
        out.append("")
    if report.open:
        out += [f"**{t['open']}**", ""]
        out += [f"- {_md_escape(c.title)} (`{c.id}`)" for c in report.open]
        out.append("")
    if report.conflicts:
        out += [f"**{t['conflicts']}**", ""]
        out += [f"- {_md_escape(x.text)}" for x in report.conflicts]
        out.append("")
    if report.ruled_out:
        out += [f"**{t['ruled_out']}**", ""]
        out += [f"- `{r.id}`{c} {_md_escape(r.reason)}" for r in report.ruled_out]
        out.append("")
    if report.questions:
        out += [f"**{t['questions']}**", ""]
        for q in report.questions:
            out.append(f"- {_md_escape(q.text)} (`{q.id}`)")
            out += _files_md(q.files, t["answers"], c)
        out.append("")
    if report.artifacts:
        out += [f"**{t['artifacts']}**", ""]
        for a in report.artifacts:
            out.append(f"- `{_md_escape(a.path)}` ({a.kind})")
            out += [f"  - ⚠ **{t['warning']}**{c} {_md_escape(w)}" for w in a.warnings]
            for k, v in a.facts.items():
                out.append(f"  - `{_md_escape(k)}` = `{_md_escape(_value(v, lang))}`")
            out += [f"  - **{_md_escape(note)}**" for note in a.notes]
            out += _files_md(a.files, t["send"], c)
        out.append("")
    if report.probes:
        out += [f"**{t['probes']}**", ""]
        for p in report.probes:
            out.append(
                f"- `{p.name}` {_md_escape(p.target)}{c} **{p.status}** — {_md_escape(p.message)}"
            )
            for k, v in p.facts.items():
                out.append(f"  - `{_md_escape(k)}` = `{_md_escape(_value(v, lang))}`")
            out += [f"  - {_md_escape(note)}" for note in p.notes]
            out += _files_md(p.files, t["send"], c)
        out.append("")
    return "\n".join(out)
