"""Textual's own English strings that the agent sees, marked here for translation.

Babel only extracts strings that appear in our code, and these live in Textual:
the descriptions of the key bindings of Textual's widgets and screens that
kbassist shows (the footer shows those with ``show=True``; the "Keys" panel,
opened from the command palette, lists them all) and the titles of their key
groups. Listing them with ``N_()`` puts their English text in the catalog;
``translate_bindings`` in ``app.py`` translates them at run time, for the focused
widget and everything it sits in. ``tests/test_i18n.py`` checks that every
binding reachable in the running app has a French translation, so a Textual
upgrade that adds or rewords one shows up there.
"""

from __future__ import annotations

from .i18n import N_

TEXTUAL_STRINGS = (
    # Screen, ModalScreen (PathPrompt, ArticleScreen), CommandPalette
    N_("Focus Next"),
    N_("Focus Previous"),
    N_("Copy selected text"),
    # CommandPalette
    N_("Go to bottom"),
    N_("Go to top"),
    N_("Next command"),
    N_("Previous command"),
    N_("Exit the command palette"),
    N_("Next page"),
    N_("Previous page"),
    # Scrolling containers (VerticalScroll, OptionList, DirectoryTree, Input)
    N_("Scroll Up"),
    N_("Scroll Down"),
    N_("Scroll Left"),
    N_("Scroll Right"),
    N_("Scroll Home"),
    N_("Scroll End"),
    N_("Page Up"),
    N_("Page Down"),
    N_("Page Left"),
    N_("Page Right"),
    # OptionList, Select's menu, the command list
    N_("Up"),
    N_("Down"),
    N_("First"),
    N_("Last"),
    N_("Select"),
    # Select
    N_("Show menu"),
    N_("Dismiss menu"),
    # Input, and the command palette's input: the key group's title, then its keys
    N_("Input"),
    N_("Move cursor left"),
    N_("Move cursor right or accept the completion suggestion"),
    N_("Go to start"),
    N_("Go to end"),
    N_("Move cursor left and select"),
    N_("Move cursor left a word"),
    N_("Move cursor left a word and select"),
    N_("Move cursor right and select"),
    N_("Move cursor right a word"),
    N_("Move cursor right a word and select"),
    N_("Delete character left"),
    N_("Select all"),
    N_("Select line start"),
    N_("Select line end"),
    N_("Delete character right"),
    N_("Submit"),
    N_("Delete left to start of word"),
    N_("Delete all to the left"),
    N_("Delete right to start of word"),
    N_("Delete all to the right"),
    N_("Cut selected text"),
    N_("Paste text from the clipboard"),
    # Button
    N_("Press button"),
    # TabbedContent's tabs
    N_("Previous tab"),
    N_("Next tab"),
    # Checkbox, DirectoryTree
    N_("Toggle"),
    # Collapsible: the key group's title, then its key
    N_("Collapsible"),
    N_("Toggle collapsible"),
    # DirectoryTree
    N_("Cursor Up"),
    N_("Cursor Down"),
    N_("Cursor to parent"),
    N_("Cursor to next ancestor"),
    N_("Cursor to previous sibling"),
    N_("Cursor to next sibling"),
    N_("Expand or collapse all"),
)
