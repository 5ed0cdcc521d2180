"""Chinese words for the suggester: rjieba (jieba's dictionary and algorithm, in Rust), with the category
names added to its dictionary so 雨水箅子 or 占道经营 stay one word."""

import re

import rjieba

_NOISE = re.compile(r"^[\s\W_]+$")  # punctuation and spaces carry nothing


class Segmenter:
    """Text → words. Picklable with the model: its extra words travel, the Rust dictionary is rebuilt."""

    def __init__(self, extra_words=()):
        self.extra_words = tuple(sorted({w for w in extra_words if w}))
        self._jieba = None

    def __getstate__(self):
        return {"extra_words": self.extra_words}

    def __setstate__(self, state):
        self.extra_words = state["extra_words"]
        self._jieba = None

    def __call__(self, text: str) -> list[str]:
        if self._jieba is None:
            jieba = rjieba.Jieba()
            for word in self.extra_words:
                jieba.add_word(word, None, None)
            self._jieba = jieba  # built twice by two threads at once at worst: harmless
        return [w for w in self._jieba.cut(text, True) if not _NOISE.match(w)]


def category_words(names) -> list[str]:
    """Dictionary words from category names: 变压器（箱） gives 变压器 and 变压器箱."""
    words = set()
    for name in names:
        plain = name.replace("（", "(").replace("）", ")")
        words.add(re.sub(r"[()]", "", plain))
        words.add(re.sub(r"\(.*?\)", "", plain))
        words.add(plain.removesuffix("异常"))
    return sorted(w for w in words if len(w) >= 2)
