"""retrieval.wordpiece against ids computed once with the Hugging Face ``tokenizers`` library.

Expected lists come from ``Tokenizer.from_file(<all-MiniLM-L6-v2 tokenizer.json>)`` with
``no_padding()`` and ``enable_truncation(256)`` (``tokenizers`` 0.23.3); the library itself is
not a dependency. ``benchmarks/check_wordpiece.py`` compares many more texts.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval import wordpiece
from retrieval.wordpiece import WordPieceTokenizer

VOCAB = Path(__file__).resolve().parent.parent / "retrieval" / "data" / "minilm-vocab.txt"
CLS, SEP, UNK = 101, 102, 100


@pytest.fixture(scope="module")
def tokenizer() -> WordPieceTokenizer:
    return WordPieceTokenizer.from_file(VOCAB)


CASES: dict[str, tuple[str, list[int]]] = {
    "plain": (
        "The quick brown fox jumps over the lazy dog.",
        [101, 1996, 4248, 2829, 4419, 14523, 2058, 1996, 13971, 3899, 1012, 102],
    ),
    "accents": ("Café naïve résumé", [101, 7668, 15743, 13746, 102]),
    "punctuation_numbers": (
        "U.S. $3.5bn, 38-minute call!",
        [101, 1057, 1012, 1055, 1012, 1002, 1017, 1012, 1019, 24700, 1010, 4229, 1011, 3371,
         2655, 999, 102],
    ),
    "cjk": (
        "北京是中国的首都。東京タワー",
        [101, 1781, 1755, 100, 1746, 1799, 1916, 100, 1961, 1636, 1879, 1755, 1709, 30262,
         30265, 102],
    ),
    "emoji": ("I love it 😀👍🏽 ❤️ ok", [101, 1045, 2293, 2009, 100, 100, 7929, 102]),
    "control_and_zero_width": (
        "zero\u200bwidth\u200cjoin\u200d\u00adsoft\x00nul\x07bell\ttab\nline\ufeffbom\ufffd",
        [101, 5717, 9148, 11927, 2232, 5558, 7076, 15794, 11231, 20850, 5349, 21628, 2240, 5092,
         2213, 102],
    ),
    "full_width": ("ＨＥＬＬＯ ｗｏｒｌｄ １２３！", [101, 100, 100, 100, 1986, 102]),
    "right_to_left": (
        "שלום עולם مرحبا بالعالم",
        [101, 1266, 29799, 29792, 29800, 1259, 29792, 29799, 29800, 1295, 17149, 29820, 29816,
         25573, 1271, 25573, 23673, 29830, 25573, 23673, 22192, 102],
    ),
    "greek_capital_sigma_and_dotted_i": (
        "ΟΔΟΣ İstanbul",
        [101, 1169, 29722, 29730, 29733, 9960, 102],
    ),
    "special_tokens_in_text": (
        "a[CLS]b [sep] [MASK]",
        [101, 1037, 101, 1038, 1031, 19802, 1033, 103, 102],
    ),
    "word_of_101_chars": ("a" * 101, [101, 100, 102]),
    "word_of_100_chars": ("a" * 100, [101, 13360, *[11057] * 48, 2050, 102]),
    "mixed_scripts": (
        "Zürich's naïve café, 東京!",
        [101, 10204, 1005, 1055, 15743, 7668, 1010, 1879, 1755, 999, 102],
    ),
    "compatibility_characters_not_folded": (
        "Ⅻ ﬁne ½ x²",
        [101, 100, 1984, 2638, 1092, 1060, 10701, 102],
    ),
    "empty": ("", [101, 102]),
    "whitespace_only": (" \t\n\u3000\u00a0 ", [101, 102]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_ids_match_hugging_face(tokenizer: WordPieceTokenizer, name: str) -> None:
    text, expected = CASES[name]
    assert tokenizer.encode(text) == expected


def test_vocab_file_is_the_minilm_vocab(tokenizer: WordPieceTokenizer) -> None:
    assert tokenizer.vocab_size == 30522
    assert tokenizer.encode("[PAD][UNK][CLS][SEP][MASK]") == [CLS, 0, UNK, CLS, SEP, 103, SEP]


def test_long_text_is_truncated_to_max_tokens_with_sep_last(tokenizer: WordPieceTokenizer) -> None:
    # "alpha beta gamma" -> [101, 6541, 8247, 13091, 102]
    text = "alpha beta gamma " * 100
    ids = tokenizer.encode(text)
    assert len(ids) == 256
    assert ids == [CLS, *([6541, 8247, 13091] * 100)[:254], SEP]
    assert tokenizer.encode(text, max_tokens=5) == [CLS, 6541, 8247, 13091, SEP]
    assert tokenizer.encode(text, max_tokens=2) == [CLS, SEP]


def test_article_length_text_keeps_its_first_pieces(tokenizer: WordPieceTokenizer) -> None:
    sentence = "Café naïve résumé. "
    ids = tokenizer.encode(sentence * 200)
    assert len(ids) == 256
    assert ids[:6] == [CLS, 7668, 15743, 13746, 1012, 7668]
    assert ids[-1] == SEP


def test_repeated_calls_and_a_full_cache_give_the_same_ids(
    tokenizer: WordPieceTokenizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    text, expected = CASES["punctuation_numbers"]
    fresh = WordPieceTokenizer.from_file(VOCAB)
    monkeypatch.setattr(wordpiece, "CACHE_LIMIT", 3)
    for _ in range(3):
        assert fresh.encode(text) == expected
        assert fresh.cached_words <= 3
    assert tokenizer.encode(text) == expected


def test_bad_arguments_raise(tokenizer: WordPieceTokenizer) -> None:
    with pytest.raises(ValueError, match="max_tokens"):
        tokenizer.encode("hello", max_tokens=1)
    with pytest.raises(ValueError, match=r"\[CLS\]"):
        WordPieceTokenizer(["[UNK]", "[SEP]", "hello"])
    with pytest.raises(ValueError, match="duplicate"):
        WordPieceTokenizer(["[UNK]", "[CLS]", "[SEP]", "a", "a"])


def test_built_from_a_vocab_list() -> None:
    small = WordPieceTokenizer(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "##aff", "##able", ","])
    assert small.encode("Unaffable, unable unfit") == [2, 4, 5, 6, 7, 4, 6, 1, 3]
