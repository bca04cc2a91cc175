"""Deterministic language identification with ``langdetect``.

``langdetect`` samples n-grams at random, so the same text can be labelled differently
from one call to the next. IFEval's reference checkers call it unseeded; EvalAtlas
keeps its own detector factory with a fixed seed, so a response is always labelled the
same way and the process-wide ``langdetect.DetectorFactory`` is left untouched.

Text in which ``langdetect`` finds no letters to judge (empty, digits, emoji) has no
language: ``detect_language`` returns ``None`` and the checkers count the instruction
as followed, as the reference checkers do when detection raises.
"""

from __future__ import annotations

from functools import cache

from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

DETECTION_SEED = 0


@cache
def _factory() -> DetectorFactory:
    # Loading the 55 profiles takes about a second; do it once per process.
    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.set_seed(DETECTION_SEED)
    return factory


def supported_languages() -> frozenset[str]:
    """The ISO 639-1 codes ``langdetect`` can return (``zh-cn`` and ``zh-tw`` for Chinese)."""
    return frozenset(str(code) for code in _factory().get_lang_list())


def detect_language(text: str) -> str | None:
    """The most likely language code of ``text``, or ``None`` when it has no features."""
    detector = _factory().create()
    detector.append(text)
    try:
        return str(detector.detect())
    except LangDetectException:
        return None
