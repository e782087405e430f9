"""`pack docs`: a Markdown reference of a pack for reviewers who do not read YAML.

Questions, facts, the files the pack reads (with how to make each and the
questions each answers), findings and causes in the chosen language; for each
conclusion the rules for and against it in plain words, with the evidence
(answers, facts, findings) each one reads and its review (source, other
causes of the same evidence, why its certainty), so a reviewer can argue
with a rule without opening the YAML. Conditions stay in English
operator words (``is``, ``AND``) so they match the pack's ids exactly.
French is typeset as the pack's French texts are (``pack lint``'s KB106): a
no-break space before ``:`` and ``;``, a decimal comma in ``+0,90``.
"""

from __future__ import annotations

from ..i18n import decimal
from ..knowledge.articles import ArticleError
from ..pack.model import LocalText, SectionRef
from .source import PackSource
from .words import condition, inputs, subject

LABELS = {
    "en": {
        "questions": "Questions",
        "facts": "Facts from evidence",
        "findings": "Findings",
        "causes": "Causes",
        "id": "id",
        "kind": "kind",
        "text": "question",
        "values": "values",
        "name": "name",
        "type": "type",
        "meaning": "meaning",
        "title": "title",
        "severity": "Severity",
        "articles": "Articles",
        "fix": "Fix",
        "verify": "Verify",
        "for": "Rules for",
        "against": "Rules against",
        "none": "none",
        "reads": "reads",
        "source": "source",
        "others": "other causes of this evidence",
        "why": "why this certainty",
        "asked": "asked when",
        "covered": "not asked when evidence gives",
        "answered_by": "files that answer it",
        "files": "Files the pack reads",
        "file_kind": "kind",
        "yields": "yields",
        "answers": "answers",
        "how": "How to make it",
        "thresholds": "Concluded at {conclude}, ruled out at {rule_out}.",
        "any": "any text",
        "version": "a version",
        "colon": ":",
        "semicolon": "; ",
    },
    "fr": {
        "questions": "Questions",
        "facts": "Faits tirés des preuves",
        "findings": "Constats intermédiaires",
        "causes": "Causes",
        "id": "id",
        "kind": "type",
        "text": "question",
        "values": "valeurs",
        "name": "nom",
        "type": "type",
        "meaning": "signification",
        "title": "titre",
        "severity": "Gravité",
        "articles": "Articles",
        "fix": "Résolution",
        "verify": "Vérification",
        "for": "Règles en faveur",
        "against": "Règles contre",
        "none": "aucune",
        "reads": "lit",
        "source": "source",
        "others": "autres causes de ces indices",
        "why": "pourquoi cette certitude",
        "asked": "posée quand",
        "covered": "non posée si les preuves donnent",
        "answered_by": "fichiers qui y répondent",
        "files": "Fichiers que le pack lit",
        "file_kind": "type",
        "yields": "donne",
        "answers": "répond à",
        "how": "Comment l'obtenir",
        "thresholds": "Conclue à {conclude}, écartée à {rule_out}.",
        "any": "texte libre",
        "version": "une version",
        "colon": "\u00a0:",
        "semicolon": "\u202f; ",
    },
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _text(value: LocalText | None, lang: str) -> str:
    return value.get(lang) if value is not None else ""


def pack_docs(source: PackSource, lang: str = "en") -> str:
    pack, model, t = source.pack, source.pack.model, LABELS[lang]
    colon = t["colon"]
    out = [f"# {model.pack.title.get(lang)}", ""]
    out += [
        f"`{model.pack.id}` {model.pack.version}. "
        + t["thresholds"].format(
            conclude=decimal(str(model.thresholds.conclude), lang),
            rule_out=decimal(str(model.thresholds.rule_out), lang),
        ),
        "",
    ]

    out += [
        f"## {t['questions']}",
        "",
        f"| {t['id']} | {t['kind']} | {t['text']} | {t['values']} |",
    ]
    out.append("| --- | --- | --- | --- |")
    for q in model.questions:
        if q.choices:
            values = "<br>".join(
                f"`{c.value}`{colon} {_cell(c.label.get(lang))}" for c in q.choices
            )
        elif q.kind == "yesno":
            values = "`yes`, `no`, `unknown`"
        elif q.kind == "version":
            values = ", ".join([t["version"], *(f"`{w}`" for w in q.special), "`unknown`"])
        else:
            values = t["any"]
        out.append(f"| `{q.id}` | {q.kind} | {_cell(q.text.get(lang))} | {values} |")
    out.append("")
    for q in model.questions:
        notes = []
        if q.ask_when is not None:
            notes.append(f"{t['asked']} `{condition(pack.compiled_condition(q.ask_when))}`")
        if q.covered_by:
            notes.append(f"{t['covered']} " + ", ".join(f"`{f}`" for f in q.covered_by))
        files = pack.files_yielding(q.covered_by)
        if files:
            notes.append(f"{t['answered_by']} " + ", ".join(f"`{f.id}`" for f in files))
        if notes:
            out.append(f"- `{q.id}`{colon} " + t["semicolon"].join(notes))
    out.append("")

    out += [f"## {t['facts']}", "", f"| {t['name']} | {t['type']} | {t['meaning']} |"]
    out.append("| --- | --- | --- |")
    for f in model.facts:
        out.append(f"| `{f.name}` | {f.type} | {_cell(_text(f.help, lang))} |")
    out.append("")

    out += _files(source, lang)

    if model.findings:
        out += [f"## {t['findings']}", ""]
        for g in model.findings:
            out += [f"### {g.title.get(lang)} (`{g.id}`)", ""]
            out += _rules(source, g.id, lang)

    out += [f"## {t['causes']}", ""]
    for c in model.causes:
        out += [f"### {c.title.get(lang)} (`{c.id}`)", "", c.summary.get(lang), ""]
        out.append(f"- {t['severity']}{colon} {c.severity}")
        out.append(f"- {t['articles']}{colon} " + ", ".join(f"`{a}`" for a in c.articles))
        for key in ("fix", "verify"):
            ref = getattr(c, key)
            shown = f"`{ref.article}#{ref.section}` {_section(source, ref, lang)}"
            out.append(f"- {t[key]}{colon} {shown}")
        out.append("")
        out += _rules(source, c.id, lang)
    return "\n".join(out).rstrip("\n") + "\n"


def _files(source: PackSource, lang: str) -> list[str]:
    """Each file the pack reads: its kind, the facts it yields, what it answers, how to make it."""
    model, t = source.pack.model, LABELS[lang]
    if not model.files:
        return []
    out = [f"## {t['files']}", ""]
    for f in model.files:
        answers = [q.id for q in model.questions if set(q.covered_by) & set(f.facts)]
        out += [f"### {f.title.get(lang)} (`{f.id}`)", ""]
        out.append(f"- {t['file_kind']}{t['colon']} `{f.kind}`")
        out.append(f"- {t['yields']}{t['colon']} " + ", ".join(f"`{name}`" for name in f.facts))
        if answers:
            out.append(f"- {t['answers']}{t['colon']} " + ", ".join(f"`{q}`" for q in answers))
        out += ["", f"{t['how']}{t['colon']} {f.how.get(lang)}", ""]
    return out


def _section(source: PackSource, ref: SectionRef, lang: str) -> str:
    try:
        article = source.pack.articles.get(ref.article, lang)
    except ArticleError:
        return ""
    section = article.sections.get(ref.section)
    return f"({section.title})" if section else ""


def _review(source: PackSource, index: int, lang: str) -> list[str]:
    """A rule's review lines: where it comes from, what else fits, why this certainty."""
    review, t = source.pack.model.rules[index].review, LABELS[lang]
    if review is None:
        return []
    out = []
    if review.source:
        ref = review.section_ref
        shown = f"`{review.source}` {_section(source, ref, lang)}" if ref else review.source
        out.append(f"  - {t['source']}{t['colon']} {shown.rstrip()}")
    for key, label in (("others", t["others"]), ("certainty", t["why"])):
        text = _text(getattr(review, key), lang)
        if text:
            out.append(f"  - {label}{t['colon']} {text}")
    return out


def _rules(source: PackSource, target: str, lang: str) -> list[str]:
    t = LABELS[lang]
    out: list[str] = []
    rules = [r for r in source.pack.compiled.rules if r.target == target]
    for positive, label in ((True, t["for"]), (False, t["against"])):
        chosen = [r for r in rules if (r.certainty > 0) == positive]
        out += [f"{label}{t['colon']}", ""]
        if not chosen:
            out += [f"- {t['none']}", ""]
            continue
        for rule in chosen:
            because = _text(rule.because, lang)
            certainty = decimal(f"{rule.certainty:+.2f}", lang)
            out.append(f"- **{rule.id}** ({certainty}){t['colon']} `{condition(rule.tree)}`")
            if because:
                out.append(f"  - {because}")
            reads = ", ".join(subject(s) for s in inputs(rule.tree))
            out.append(f"  - {t['reads']}{t['colon']} {reads}")
            out += _review(source, rule.index, lang)
        out.append("")
    return out
