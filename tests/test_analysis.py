"""The analyzer: folding, stopwords, Snowball stems, capped questions."""

from __future__ import annotations

import subprocess
import sys

from retrieval.analysis import Analyzer, clip, fold


def test_fold_handles_case_accents_and_full_width() -> None:
    assert fold("Café ÉLAN") == "cafe elan"
    assert fold("ＴＡＵＲＵＳ") == "taurus"


def test_terms_drop_stopwords_and_stem() -> None:
    analyzer = Analyzer()
    assert analyzer.terms("Who posted the recordings?") == ["post", "record"]
    assert analyzer.terms("The missiles, missile's") == ["missil", "missil"]


def test_same_terms_for_documents_and_questions() -> None:
    analyzer = Analyzer()
    assert analyzer.question_terms("Leaked AUDIO?") == analyzer.terms("leaked audio")


def test_question_is_capped() -> None:
    analyzer = Analyzer(max_chars=20)
    assert analyzer.question_terms("owl " * 5 + "zebra " * 1000) == ["owl"] * 5


def test_odd_characters_are_harmless() -> None:
    analyzer = Analyzer()
    terms = analyzer.terms("\x00\x07 🚀 مرحبا Ｋｙｉｖ\u200f missiles")
    assert "kyiv" in terms and "missil" in terms


def test_stemmer_import_leaves_nltk_importable() -> None:
    code = (
        "from retrieval.analysis import load_snowball_stemmer\n"
        "stem = load_snowball_stemmer()\n"
        "import sys; assert 'nltk' not in sys.modules\n"
        "import nltk.stem.snowball as s\n"
        "assert s.SnowballStemmer('english').stem('leaked') == stem('leaked') == 'leak'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_stemmer_import_loads_only_the_snowball_modules() -> None:
    # nltk.stem's __init__ imports every stemmer and, through RSLP, nltk.data (urllib,
    # grammars); the bare load must not take that path nor fall back to ``import nltk``.
    code = (
        "import sys\n"
        "seen = []\n"
        "class Spy:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        seen.append(name)\n"
        "sys.meta_path.insert(0, Spy())\n"
        "from retrieval.analysis import load_snowball_stemmer\n"
        "assert load_snowball_stemmer()('recordings') == 'record'\n"
        "loaded = {n for n in seen if n.startswith('nltk')}\n"
        "assert 'nltk.data' not in loaded and 'nltk.stem.rslp' not in loaded, loaded\n"
        "assert 'nltk.stem.snowball' in loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_clip_never_keeps_half_a_word() -> None:
    assert clip("ab cd ef", 4) == "ab "  # the cut would split "cd"
    assert clip("ab cd ef", 5) == "ab cd"  # the cut falls between words
    assert clip("abcdef", 3) == ""  # one word longer than the cap: nothing to look up
    assert clip("ab", 4) == "ab"
    assert Analyzer(max_chars=4).words("ab cd ef", limit=True) == ["ab"]
