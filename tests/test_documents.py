"""Cleaning rules, each on a small inline text."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from retrieval.corpus import load_corpus
from retrieval.documents import (
    clean_document,
    document_from_paragraphs,
    find_document_files,
    load_document,
    title_from_filename,
)
from retrieval.errors import DocumentError


def _sentences(doc):  # type: ignore[no-untyped-def]
    return [doc.text[s:e] for p in doc.paragraphs for s, e in p.sentences]


def _bodies(doc):  # type: ignore[no-untyped-def]
    return [doc.text[p.start : p.end] for p in doc.paragraphs if not p.is_heading]


def test_hard_wrapped_lines_join_into_one_paragraph() -> None:
    doc = clean_document("The first line\nwraps onto a second.\n\nA new paragraph.", path="a.txt")
    assert _bodies(doc) == ["The first line wraps onto a second.", "A new paragraph."]
    assert [p.number for p in doc.body_paragraphs] == [1, 2]


def test_hyphen_kept_when_it_belongs_to_the_word() -> None:
    doc = clean_document("She posted a 38-\nminute recording online.", path="a.txt")
    assert "38-minute recording" in doc.text


def test_hyphen_removed_when_it_only_split_a_word() -> None:
    raw = "The conflict grew.\n\nIt could lead to a wider con-\nflict in the region."
    doc = clean_document(raw, path="a.txt")
    assert "wider conflict in" in doc.text


def test_hyphen_kept_when_the_document_writes_the_compound_with_one() -> None:
    raw = "A long-range strike.\n\nThey sent long-\nrange missiles."
    assert "sent long-range missiles" in clean_document(raw, path="a.txt").text


def test_page_break_url_removed_and_sentence_rejoined() -> None:
    raw = (
        "They may have used the wrong platform for such a\n\n"
        "https://www.example.com/2026/07/09/some-story\n\n\n"
        "conversation in general, Pistorius said.\n\nNext paragraph here."
    )
    doc = clean_document(raw, path="a.txt")
    assert "example.com" not in doc.text
    assert _bodies(doc)[0] == (
        "They may have used the wrong platform for such a conversation in general, "
        "Pistorius said."
    )
    assert len(_sentences(doc)) == 2


def test_related_article_lines_are_dropped() -> None:
    raw = "First fact here.\n\nRelated article: Something Else Entirely\n\nSecond fact here."
    doc = clean_document(raw, path="a.txt")
    assert "Related article" not in doc.text
    assert _bodies(doc) == ["First fact here.", "Second fact here."]


def test_headings_become_sections() -> None:
    raw = "Intro sentence here.\n\nWhat was leaked?\n\nThe recording was leaked.\n\n"
    raw += "# Marked heading\n\nBody under it."
    for path in ("a.txt", "a.md"):
        doc = clean_document(raw.replace("# Marked heading", "Plain heading"), path=path)
        assert doc.sections == ("What was leaked?", "Plain heading")
    doc = clean_document(raw, path="a.txt")
    assert doc.sections == ("What was leaked?", "Marked heading")
    sections = [p.section for p in doc.body_paragraphs]
    assert sections == [None, "What was leaked?", "Marked heading"]
    assert [p.number for p in doc.body_paragraphs] == [1, 2, 3]


def test_a_markdown_document_that_marks_headings_has_no_plain_ones() -> None:
    raw = "# Install\n\nFirst steps.\n\nOn Linux:\n\nRun the script.\n"
    doc = clean_document(raw, path="a.md")
    assert doc.sections == ("Install",)
    assert _bodies(doc) == ["First steps.", "On Linux:", "Run the script."]


def test_list_items_are_paragraphs_of_their_own() -> None:
    raw = (
        "## Changes\n\n"
        "- Offline mode keeps the last 30 days\n  of messages on the device.\n"
        "- The login crash was caused by a stale token.\n"
        "* Faster sync\n"
        "1. Open the settings.\n"
        "2) Choose a folder.\n\n"
        "The release follows the beta.\n- An item right after a line of text.\n"
    )
    doc = clean_document(raw, path="notes.md")
    assert _bodies(doc) == [
        "Offline mode keeps the last 30 days of messages on the device.",
        "The login crash was caused by a stale token.",
        "Faster sync",
        "Open the settings.",
        "Choose a folder.",
        "The release follows the beta.",
        "An item right after a line of text.",
    ]
    assert [p.section for p in doc.body_paragraphs] == ["Changes"] * 7  # no item is a heading


def test_a_wrapped_line_that_opens_with_a_number_is_no_list_item() -> None:
    raw = "Most oxygen in the air is O\n2. Ozone, O\n3) is rarer.\n"
    doc = clean_document(raw, path="a.txt")
    assert _bodies(doc) == ["Most oxygen in the air is O 2. Ozone, O 3) is rarer."]


def test_a_line_that_only_opens_with_backticks_is_no_fence() -> None:
    raw = "```c int main(void); is the entry point.\n\nThe next paragraph.\n"
    doc = clean_document(raw, path="a.txt")
    assert _bodies(doc) == ["```c int main(void); is the entry point.", "The next paragraph."]


def test_table_rows_are_paragraphs_under_their_column_names() -> None:
    raw = ("These are the minimum versions.\n\n"
           "| Platform | Minimum |\n|---|:---:|\n| Android | 10 |\n| iOS | |\n\n"
           "| no | header |\n| just | rows |\n")
    doc = clean_document(raw, path="notes.md")
    assert _bodies(doc) == ["These are the minimum versions.", "Platform: Android; Minimum: 10",
                            "Platform: iOS", "no | header", "just | rows"]


def test_fenced_code_keeps_its_lines_without_the_fences() -> None:
    raw = "Install it as follows.\n\n```bash\npip install app==2.4\nApp --check\n```\n\nDone.\n"
    doc = clean_document(raw, path="notes.md")
    assert _bodies(doc) == ["Install it as follows.", "pip install app==2.4 App --check", "Done."]
    assert not any(p.is_heading for p in doc.paragraphs)


def test_markdown_inline_markup_is_read_as_text() -> None:
    raw = ("See the [install guide](https://example.com/install \"Guide\") and **bold**, "
           "_italic_ or *stressed* words, `pip` too.\n\n![A diagram](d.png) shows the flow.\n\n"
           "| [Docs](https://x.org) | **2** |\n\n```\nkeep `this` and [that](x)\n```\n")
    doc = clean_document(raw, path="notes.md")
    assert _bodies(doc) == [
        "See the install guide (https://example.com/install) and bold, italic or stressed "
        "words, pip too.",
        "A diagram shows the flow.",
        "Docs (https://x.org) | 2",
        "keep `this` and [that](x)",
    ]


def test_markdown_markup_across_a_line_break_is_read_as_text() -> None:
    # Hard-wrapped Markdown: a code span, a link and emphasis open on one line and close
    # on the next; paired line by line they would leave stray marks in the quote.
    raw = ("- `--json` prints one object per question:\n  `{\"question\", \"answered\",\n"
           "  \"citations\"}`. `citations` lists the best, **best\n  first**, as the "
           "[scoring\n  guide](https://example.com/s) says.\n\n"
           "A _long emphasised\nphrase_ ends here. This is **bold.**\n"
           "1. An item after a bold sentence.\n\n```\nkeep `this\nas` is\n```\n")
    doc = clean_document(raw, path="notes.md")
    assert _bodies(doc) == [
        "--json prints one object per question: {\"question\", \"answered\", "
        "\"citations\"}. citations lists the best, best first, as the scoring guide "
        "(https://example.com/s) says.",
        "A long emphasised phrase ends here. This is bold.",
        "An item after a bold sentence.",
        "keep `this as` is",
    ]


def test_fences_with_any_info_string_and_longer_fences() -> None:
    # An info string of any kind opens a fence ("none", "python title=x"); a fence
    # closes only with one of its own character at least as long, so a four-backtick
    # fence holds three-backtick lines; a backtick in the info string means no fence (an
    # inline span); a fence that no line closes is no fence.
    raw = ("# Hashes\n\n```none\nFoo == 1.2 --hash=sha256:2cf2\n```\n\n"
           "## Bundles\n\n````text\nCreate it:\n\n```\n$ pip wheel .\n```\n````\n\n"
           "~~~ text with `ticks`\nkept\n~~~~\n\n```x``` is inline code.\n\n"
           "```c main(void); opens the program.\n\n## End\n\nLast words.\n")
    doc = clean_document(raw, path="notes.md")
    assert doc.sections == ("Hashes", "Bundles", "End")
    assert _bodies(doc) == ["Foo == 1.2 --hash=sha256:2cf2", "Create it: ``` $ pip wheel . ```",
                            "kept", "x is inline code.", "```c main(void); opens the program.",
                            "Last words."]
    assert [p.section for p in doc.body_paragraphs] == [
        "Hashes", "Bundles", "Bundles", "Bundles", "Bundles", "End"]


def test_myst_directives_admonitions_are_text_contents_are_not() -> None:
    raw = ("# Pinning\n\n```{note}\nPinning uses the `==`\noperator.\n```\n\n"
           "````{admonition} Example\n:class: tip\nCreate it:\n\n```\n$ pip wheel .\n```\n"
           "````\n\n```{toctree}\n:maxdepth: 1\n\ninstalling\ncaching\n```\n\n"
           "```{code-block} python\n:caption: demo\nprint(1)\n```\n\n"
           "```{versionadded} 10.0\n```\n\nDone.\n")
    doc = clean_document(raw, path="notes.md")
    assert _bodies(doc) == ["Pinning uses the == operator.", "Create it:", "$ pip wheel .",
                            "print(1)", "Done."]
    txt = clean_document("```{note}\nA `note`.\n```\n", path="notes.txt")
    assert _bodies(txt) == ["A `note`."]


def test_markdown_badges_read_as_their_alt_text() -> None:
    raw = ("# Widget ![build](https://img.example/b.svg) "
           "[![PyPI](https://img.example/v.svg)](https://pypi.org/project/widget)\n\n"
           "See the [![logo](l.png) home page](https://widget.example) for more.\n")
    doc = clean_document(raw, path="README.md")
    assert doc.sections == ("Widget build PyPI",)
    assert _bodies(doc) == ["See the logo home page (https://widget.example) for more."]


def test_markdown_reference_links_and_myst_targets_and_roles() -> None:
    raw = ("(install-guide)=\n# Install\n\n[pip-tools] builds on pip; see the [guide][g] "
           "and {ref}`pip freeze` or {ref}`the option <install_--no-deps>` in "
           "{file}`setup.py`.\n\n[pip-tools]: https://github.com/jazzband/pip-tools\n"
           "[g]: https://example.com/guide \"Guide\"\n\n[unknown] stays.\n")
    doc = clean_document(raw, path="notes.md")
    assert doc.sections == ("Install",)
    assert _bodies(doc) == [
        "pip-tools builds on pip; see the guide and pip freeze or the option in setup.py.",
        "[unknown] stays.",
    ]
    plain = clean_document("(a)=\n[x]: https://example.com\n", path="notes.txt")
    assert _bodies(plain) == ["(a)= [x]: https://example.com"]


def test_markdown_html_autolinks_footnotes_entities_and_escapes() -> None:
    raw = ("# Team\n\n<!-- tools depend on this list;\nkeep its format -->\n\n<details>\n\n"
           "<summary>Former members</summary>\n\n* **Ann Lee** <<ann@example.com>> "
           "(she/her)\n\n</details>\n\nDocs are at <https://example.com/api/>, built with "
           "GCC 10[^6] &amp; <b>clang</b> `<b>kept</b>` at AT&T (?a=1&copy=2).\n\n"
           "[^6]: RHEL 8 with gcc-toolset-10.\n\nA \\*literal\\* star and 2 \\< 3.\n")
    doc = clean_document(raw, path="team.md")
    assert doc.sections == ("Team",)
    assert _bodies(doc) == [
        "Former members",
        "Ann Lee <ann@example.com> (she/her)",
        "Docs are at https://example.com/api/, built with GCC 10 & clang <b>kept</b> at AT&T "
        "(?a=1&copy=2).",
        "RHEL 8 with gcc-toolset-10.",
        "A *literal* star and 2 < 3.",
    ]
    quoted = ("> [!TIP]\n> If you build on Windows,\n> enable symlinks.\n>\n> > Nested.\n\n"
              "<!-- YAML\nadded:\n  - v18.0.0\n-->\n\nSee [`describe()`][] and [it][x].\n\n"
              "[`describe()`]: #describe\n[x]: #it\n")
    assert _bodies(clean_document(quoted, path="q.md")) == [
        "If you build on Windows, enable symlinks.", "Nested.", "See describe() and it."]
    unclosed = "Intro line.\n\n<!-- a note that never closes\n\nThe body goes on.\n"
    assert _bodies(clean_document(unclosed, path="u.md")) == [
        "Intro line.", "<!-- a note that never closes", "The body goes on."]
    plain = "Keep <b>tags</b>, &amp; and \\*stars\\* in text.\n"
    assert _bodies(clean_document(plain, path="a.txt")) == [plain.strip()]


def test_plain_text_and_code_like_words_keep_their_marks() -> None:
    raw = "Five * three is [sic] 15, and snake_case_names stay.\n"
    assert _bodies(clean_document(raw, path="a.txt")) == [raw.strip()]
    md = clean_document("Names like snake_case_name and 2*3*4 stay.\n", path="a.md")
    assert _bodies(md) == ["Names like snake_case_name and 2*3*4 stay."]


def test_a_rule_under_a_list_item_is_dropped_not_a_heading() -> None:
    raw = "- First item that\n  wraps onto a second line\n---\nAfter.\n"
    doc = clean_document(raw, path="a.md")
    assert doc.sections == ()
    assert _bodies(doc) == ["First item that wraps onto a second line", "After."]


def test_underlined_headings_and_rules() -> None:
    raw = ("Project Title\n=============\n\nThe tool converts files.\n\nUsage\n-----\n\n"
           "Run it with two arguments.\n\n---\n\nLicensed under MIT.\n\n* * *\n\nThe end.\n")
    for path in ("a.md", "a.txt"):
        doc = clean_document(raw, path=path)
        assert _bodies(doc) == ["The tool converts files.", "Run it with two arguments.",
                                "Licensed under MIT.", "The end."]
        assert doc.sections == ("Project Title", "Usage")
        assert [p.section for p in doc.body_paragraphs] == ["Project Title", "Usage", "Usage",
                                                            "Usage"]


def test_plain_text_headings_commands_and_underlines() -> None:
    # A line indented by a tab or four to seven spaces is a command or a quote, never a
    # heading (a centred one is); a line of two sentences is no heading; "~" and "^"
    # underline headings as "=" and "-" do (reStructuredText).
    raw = (" Regression tests\n ~~~~~~~~~~~~~~~~\n\nEach change comes with a test.\n\n"
           "                    Preamble\n\nThe tests guard every release.\n\n"
           "Run all tests as root:\n\n\t# cd tests\n\t# ./run.sh --parallel\n\n"
           "\tAlternatively using sudo:\n\n\t$ sudo make check\n\n"
           "The exclude list is read by the script only. See below\n\n\tTS_OPT_fake=\n\n"
           "environment variable which skips tests.\n\nSubsets\n^^^^^^^\n\n"
           "Run one directory.\n")
    doc = clean_document(raw, path="howto-tests.txt")
    assert doc.sections == ("Regression tests", "Preamble", "Run all tests as root:", "Subsets")
    assert _bodies(doc) == [
        "Each change comes with a test.", "The tests guard every release.",
        "# cd tests # ./run.sh --parallel",
        "Alternatively using sudo:", "$ sudo make check",
        "The exclude list is read by the script only. See below",
        "TS_OPT_fake= environment variable which skips tests.", "Run one directory.",
    ]


def test_front_matter_gives_title_and_url() -> None:
    raw = "---\ntitle: A Better Title\nurl: https://example.org/x\n---\nBody text here."
    doc = clean_document(raw, path="file-name.txt")
    assert (doc.title, doc.url) == ("A Better Title", "https://example.org/x")
    assert doc.text == "Body text here."


def test_title_from_file_name() -> None:
    assert title_from_filename("taurus-leak.txt") == "Taurus leak"
    assert title_from_filename("/x/my_notes.md") == "My notes"


def test_offsets_are_verbatim_into_cleaned_text() -> None:
    doc = clean_document("One two.\nThree four. Five six.\n\nSeven.", path="a.txt")
    assert _sentences(doc) == ["One two.", "Three four.", "Five six.", "Seven."]
    for paragraph in doc.paragraphs:
        for start, end in paragraph.sentences:
            assert doc.text[start:end].strip() == doc.text[start:end]
            assert paragraph.start <= start < end <= paragraph.end


def test_document_from_paragraphs_keeps_paragraphs() -> None:
    doc = document_from_paragraphs(["A first. A second.", "  B  one. "], title="T")
    assert _bodies(doc) == ["A first. A second.", "B one."]
    assert _sentences(doc) == ["A first.", "A second.", "B one."]


def test_bad_files_are_named(tmp_path: Path) -> None:
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\x00\x01\x02abc")
    latin = tmp_path / "latin.txt"
    latin.write_bytes("café".encode("latin-1"))
    for path in (binary, latin):
        with pytest.raises(DocumentError, match=path.name):
            load_document(path)
    with pytest.raises(DocumentError, match="no such file"):
        find_document_files([tmp_path / "missing.txt"])
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DocumentError, match="empty"):
        find_document_files([empty])


def test_a_bad_file_is_skipped_when_others_load(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("A good sentence about owls.", "utf-8")
    (tmp_path / "bad.txt").write_bytes(b"\x80\x81 not utf-8 text")
    corpus = load_corpus([tmp_path])
    assert [d.title for d in corpus.documents] == ["Good"]


def test_documents_with_the_same_title_are_told_apart(tmp_path: Path) -> None:
    for folder, text in (("a", "The red team won the spring cup."),
                         ("b", "The budget meeting moved to Thursday.")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "notes.txt").write_text(text, "utf-8")
    (tmp_path / "owls.md").write_text("---\ntitle: Notes\n---\nOwls hunt at night.\n", "utf-8")
    (tmp_path / "solo.txt").write_text("A title of its own.", "utf-8")
    titles = sorted(d.title for d in load_corpus([tmp_path]).documents)
    assert titles == ["Notes (a/notes.txt)", "Notes (b/notes.txt)", "Notes (owls.md)", "Solo"]
    # One path given relative to the working directory, one absolute.
    relative = os.path.relpath(tmp_path / "a" / "notes.txt")
    mixed = load_corpus([relative, tmp_path / "b" / "notes.txt"])
    assert sorted(d.title for d in mixed.documents) == ["Notes (a/notes.txt)",
                                                        "Notes (b/notes.txt)"]
