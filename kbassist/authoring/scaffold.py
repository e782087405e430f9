"""`pack new`: a small pack that works as created, to be edited into a real one.

It validates, lints clean and passes ``pack test`` from the start, so an
author changes one thing at a time and sees at once what broke. Every part
of the format appears once: a question, a fact, a cause, a rule for and a
rule against, an article in English and French with symptoms, fix and
verify sections, and test cases.
"""

from __future__ import annotations

import re
from pathlib import Path
from string import Template

from ..errors import InputError, Problem
from ..pack.model import ID_PATTERN

PACK = Template("""\
# A new kbassist rule pack. Check it with:
#   kbassist pack validate $folder && kbassist pack lint $folder && kbassist pack test $folder
# Completion and checks in your editor: see kbassist pack schema --help

pack:
  id: $name
  version: "0.1"
  title:
    en: $name - troubleshooting pack
    fr: $name - dossier de dépannage
  articles_dir: articles

questions:
  - id: problem-persists-after-restart
    kind: yesno
    text:
      en: Does the problem come back after restarting the service?
      fr: Le problème revient-il après un redémarrage du service\u202f?
    help:
      en: Restart the service once, then try again.
      fr: Redémarrez le service une fois, puis réessayez.

facts:
  # Facts come from evidence readers (artifacts, probes); declare the ones rules read.
  - name: $name.error-count
    type: int
    help:
      en: Number of errors the service logged.
      fr: Nombre d'erreurs journalisées par le service.

causes:
  - id: $name-misconfigured
    severity: fault
    title:
      en: The service is misconfigured
      fr: Le service est mal configuré
    summary:
      en: A setting of the service is wrong, so the problem survives a restart.
      fr: Un paramètre du service est erroné\u202f; le problème survit donc au redémarrage.
    articles: [$name]
    fix: {article: $name, section: fix-configuration}
    verify: {article: $name, section: verify-configuration}

rules:
  - id: persists-after-restart
    concludes: $name-misconfigured
    certainty: 0.7
    when: {answer: problem-persists-after-restart, is: yes}
    because:
      en: The problem comes back after a restart, so it is in the configuration.
      fr: Le problème revient après un redémarrage\u202f; il vient donc de la configuration.
    review:
      # Where the rule comes from, what else fits the same evidence, why this certainty.
      source: $name#symptoms
      others:
        en: A disk or network fault survives a restart too; rules against rule it out.
        fr: Une panne de disque ou de réseau survit aussi\u202f; des règles contre l'écartent.
      certainty:
        en: Strong but not proof, since other faults survive a restart too.
        fr: Forte sans être une preuve, car d'autres pannes survivent aussi au redémarrage.

  - id: no-errors-logged
    against: $name-misconfigured
    certainty: 0.6
    when: {fact: $name.error-count, is: 0}
    because:
      en: The service logged no errors.
      fr: Le service n'a journalisé aucune erreur.
    review:
      source: $name#symptoms
      others:
        en: Logging may be off, which leaves no errors either; so it only argues against.
        fr: Une journalisation coupée ne laisse pas d'erreur\u202f; elle ne fait que contredire.
      certainty:
        en: Moderate, as a silent log can also mean logging is off.
        fr: Modérée, car un journal muet peut aussi signifier une journalisation désactivée.
""")

ARTICLES = {
    "en": Template("""\
---
id: $name
title: The service is misconfigured
language: en
sources: []
---

# The service is misconfigured

## Symptoms {#symptoms}

- The problem comes back after the service restarts.

## Fix: correct the configuration {#fix-configuration}

1. Open the service's configuration.
2. Correct the wrong setting.
3. Restart the service.

## Verify {#verify-configuration}

Try again: the problem no longer occurs.
"""),
    "fr": Template("""\
---
id: $name
title: Le service est mal configuré
language: fr
sources: []
---

# Le service est mal configuré

## Symptômes {#symptoms}

- Le problème revient après le redémarrage du service.

## Résolution\u00a0: corriger la configuration {#fix-configuration}

1. Ouvrez la configuration du service.
2. Corrigez le paramètre erroné.
3. Redémarrez le service.

## Vérification {#verify-configuration}

Réessayez\u00a0: le problème ne se produit plus.
"""),
}

CASES = {
    "persists-after-restart": Template("""\
description: The problem survives a restart
answers:
  problem-persists-after-restart: "yes"
expect:
  concluded: [$name-misconfigured]
"""),
    "clean-gone-after-restart": Template("""\
description: A restart cured it; nothing to conclude
answers:
  problem-persists-after-restart: "no"
expect:
  concluded: []
"""),
}


def new_pack(name: str, parent: Path) -> Path:
    """Write the pack into ``parent/name``; InputError (exit 2) for a bad name or a clash."""
    if not re.match(ID_PATTERN, name) or len(name) > 60:
        raise InputError(
            Problem(name, "a pack name is lower-case letters, digits and '-' (at most 60)")
        )
    folder = parent / name
    if folder.exists():
        raise InputError(Problem(str(folder), "already exists; choose another name or --dir"))
    values = {"name": name, "folder": str(folder)}
    files = {Path("pack.yaml"): PACK.substitute(values)}
    for lang, template in ARTICLES.items():
        files[Path("articles", lang, f"{name}.md")] = template.substitute(values)
    for case, template in CASES.items():
        files[Path("tests", case, "case.yaml")] = template.substitute(values)
    try:
        for relative, text in files.items():
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            (folder / relative).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(Problem(str(folder), f"cannot write: {exc.strerror or exc}")) from None
    return folder
