"""The test-page generator and the character error rate used by the tests and benchmarks."""

from __future__ import annotations

import random

from PIL import ImageStat

from digitaldesk.ocr.samples import cer, levenshtein, render_page, sample_pages


def _table(a: str, b: str) -> int:
    """The plain dynamic-programming edit distance, the reference."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, y in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y))
        previous = current
    return previous[-1]


def test_bit_vector_edit_distance_agrees_with_the_table():
    rng = random.Random(5)
    for _ in range(2000):
        a = "".join(rng.choice("aăâđ ơư.") for _ in range(rng.randint(0, 40)))
        b = "".join(rng.choice("aăâđ ơư.") for _ in range(rng.randint(0, 40)))
        assert levenshtein(a, b) == _table(a, b), (a, b)
    long = "".join(rng.choice("abcdeghiklmnopqrstuvxyđươạ ") for _ in range(700))
    noisy = "".join(c if rng.random() > 0.03 else rng.choice("xyz") for c in long)
    assert levenshtein(long, noisy) == _table(long, noisy)
    assert cer("Điều 1.  Phạm vi", "Điều 1. Phạm  vi") == 0.0  # runs of spaces are one space


def test_drawn_word_boxes_lie_on_the_ink_of_a_skewed_page():
    sheet = next(sample_pages(1, seed=3, skew_degrees=-6.0))
    grey = sheet.image
    paper = ImageStat.Stat(grey).median[0]
    assert len(sheet.words) > 300
    assert " ".join(w[0] for w in sheet.words) == " ".join(sheet.text.split())
    for text, x0, y0, x1, y1 in sheet.words[::7]:
        box = (
            round(x0 * grey.width),
            round(y0 * grey.height),
            round(x1 * grey.width),
            round(y1 * grey.height),
        )
        assert ImageStat.Stat(grey.crop(box)).mean[0] < paper - 20, text
    upright = render_page("Điều 1. Phạm vi điều chỉnh", seed=1, skew_degrees=0.0)
    (_, x0, y0, x1, y1) = upright.words[0]
    assert x0 < x1 < 0.2 and y0 < y1 < 0.1
