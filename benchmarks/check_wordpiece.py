"""By-hand check: retrieval.wordpiece gives the same ids as the Hugging Face fast tokenizer.

    python benchmarks/check_wordpiece.py PATH/TO/tokenizer.json [--stress 5000] [--seed 0]
        [--all-code-points]

Needs the ``tokenizers`` package (not a citebot dependency) and the model's ``tokenizer.json``;
without either it says so and exits 2. Compares, with truncation at 256 tokens: every line and
sentence of the article, every SQuAD context (whole and per sentence) and question, and
random Unicode stress strings; with --all-code-points also every code point (and runs of
combining marks), which is how the Unicode-version exception tables in retrieval/wordpiece.py
were found. Prints the number of texts compared and of mismatches (exit 1
when any), and the pure-Python speed on the SQuAD context sentences.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import sys
import time
import unicodedata
from pathlib import Path
from typing import Any

from retrieval.sentences import sentence_spans
from retrieval.wordpiece import WordPieceTokenizer

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "seeds" / "taurus-leak.txt"
SQUAD = ROOT.parent / "shared" / "eval" / "squad-dev-tuning.json"
VOCAB = ROOT / "retrieval" / "data" / "minilm-vocab.txt"
MAX_TOKENS = 256
# Characters that exercise every normaliser and pre-tokeniser branch.
PICKS = (
    "\t\n\r\x00\x0b\x0c\x1c\x1f\x7f\x85\xa0\xad\u1680\u2000\u200a\u200b\u200c\u200d\u200e"
    "\u2028\u2029\u202f\u205f\u2060\u3000\ufeff\ufffd\u180e\u061c"
    "ÀÉÎÕÜÇÑØßæœİıΣσςΑΩάήЁЙЩѣﬁﬀǅǈǋ"
    "\u0300\u0301\u0308\u0327\u0334\u0345\u0488\u0489\u093c\u094d\u05b0\u064b\u0670\u1b44"
    "\u1df7\u08cf\u1ac9\U0001d16d\U00011938\u1734\u1715\u302e"
    "中文字漢かなカナ한국어\u3400\uf900\U00020000\U0002b820\U0002b920\U0002f800\u4dc0"
    "ＡＢＣａｂｃ０１２！？，。、「」『』【】・ー"
    "😀👍🏽👨‍👩‍👧❤️🇩🇪✨™©®°±×÷€£¥₹§¶†‡•…‰′″‹›«»“”‘’„‚"
    "שלוםمرحباً۝؟،؛\u200f\u202b\u202c"
    "\u166d\U000111c9\u2e43\u2e5d\u061d\U0001e95e\U00010ead!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
    "\u1c89\ua7cb\ua7dc\U00010d50\U00016ea0\U000e0001\U000e0041\ue000\U000f0000"
)
SPECIALS = ("[CLS]", "[SEP]", "[PAD]", "[UNK]", "[MASK]", "[cls]", "[SEP", "CLS]")
WORDS = ("the", "Taurus", "missile", "naïve", "café", "résumé", "U.S.", "3.5bn", "38-minute",
         "Zürich", "ΟΔΟΣ", "straße", "İstanbul", "東京", "x" * 101, "é" * 100, "ab" * 60)


def article_texts(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    texts = [text]
    for line in text.splitlines():
        texts.append(line)
        texts.extend(line[start:end] for start, end in sentence_spans(line))
    return texts


def squad_texts(path: Path) -> tuple[list[str], list[str]]:
    """(contexts and questions, the contexts' sentences)."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    texts: list[str] = []
    sentences: list[str] = []
    for article in data["data"]:
        for paragraph in article["paragraphs"]:
            context: str = paragraph["context"]
            texts.append(context)
            sentences.extend(context[start:end] for start, end in sentence_spans(context))
            texts.extend(qa["question"] for qa in paragraph["qas"])
    return texts, sentences


def stress_texts(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    texts: list[str] = []
    for index in range(count):
        parts: list[str] = []
        for _ in range(rng.randint(1, 400 if index % 50 == 0 else 40)):
            roll = rng.random()
            if roll < 0.3:
                parts.append(rng.choice(PICKS))
            elif roll < 0.45:
                parts.append(rng.choice(WORDS))
            elif roll < 0.5:
                parts.append(rng.choice(SPECIALS))
            elif roll < 0.6:
                parts.append(" ")
            else:
                code = rng.choice((rng.randrange(0x80, 0x3000), rng.randrange(0x110000)))
                if not 0xD800 <= code <= 0xDFFF:
                    parts.append(chr(code))
        text = "".join(parts)
        texts.append(unicodedata.normalize("NFC", text) if index % 3 == 0 else text)
    return texts


def code_point_texts(seed: int) -> list[str]:
    """Every non-surrogate code point in context, and random runs of combining marks."""
    points = [chr(code) for code in range(0x110000) if not 0xD800 <= code <= 0xDFFF]
    texts = [f"a{char}b{char}" for char in points]
    marks = [char for char in points if unicodedata.category(char)[0] == "M"]
    marks += [char for char in points if unicodedata.combining(char)]
    rng = random.Random(seed)
    texts += ["a" + "".join(rng.choices(marks, k=rng.randint(2, 4))) for _ in range(200_000)]
    return texts


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("tokenizer_json", type=Path, help="the model's Hugging Face tokenizer.json")
    parser.add_argument("--vocab", type=Path, default=VOCAB)
    parser.add_argument("--article", type=Path, default=ARTICLE)
    parser.add_argument("--squad", type=Path, default=SQUAD)
    parser.add_argument("--stress", type=int, default=5000, help="random Unicode strings")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--all-code-points", action="store_true", help="slow: ~1.3M more texts")
    args = parser.parse_args()
    if importlib.util.find_spec("tokenizers") is None:
        print("skipped: the `tokenizers` package is not installed")
        return 2
    if not args.tokenizer_json.is_file():
        print(f"skipped: no tokenizer.json at {args.tokenizer_json}")
        return 2
    from tokenizers import Tokenizer

    reference = Tokenizer.from_file(str(args.tokenizer_json))
    reference.no_padding()
    reference.enable_truncation(MAX_TOKENS)
    ours = WordPieceTokenizer.from_file(args.vocab)

    squad, sentences = squad_texts(args.squad)
    fresh = WordPieceTokenizer.from_file(args.vocab)
    for label in ("cold cache", "warm cache"):
        start = time.perf_counter()
        for sentence in sentences:
            fresh.encode(sentence)
        seconds = time.perf_counter() - start
        print(f"speed ({label}): {len(sentences)} SQuAD context sentences in {seconds:.3f} s "
              f"= {len(sentences) / seconds:,.0f} sentences/s")
    groups = {
        "article": article_texts(args.article),
        "squad": squad + sentences,
        "stress": stress_texts(args.stress, args.seed),
    }
    if args.all_code_points:
        groups["code points"] = code_point_texts(args.seed)
    total = mismatches = 0
    for name, texts in groups.items():
        expected = [encoding.ids for encoding in reference.encode_batch(texts)]
        bad = [text for text, ids in zip(texts, expected, strict=True) if ours.encode(text) != ids]
        for text in bad[:5]:
            print(f"  mismatch ({name}): {text[:80]!r}")
        print(f"{name}: {len(texts)} texts, {len(bad)} mismatches")
        total += len(texts)
        mismatches += len(bad)
    print(f"total: {total} texts compared, {mismatches} mismatches")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
