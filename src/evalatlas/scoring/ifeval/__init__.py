"""IFEval's verifiable instructions (Zhou et al. 2023), checked without a model.

``follow_instructions(response, prompt, instruction_ids, kwargs_list)`` grades one
response against its prompt's instructions, strictly and loosely; the metric helpers in
``evaluate`` aggregate the verdicts at prompt and instruction level. ``build_checker``
and ``INSTRUCTION_IDS`` expose the 25 instruction checkers one by one.
"""

from evalatlas.scoring.ifeval.evaluate import (
    IFEvalVerdict,
    InstructionVerdict,
    build_checkers,
    follow_instructions,
    instruction_counts,
    instruction_level_accuracy,
    loose_variants,
    prompt_level_accuracy,
)
from evalatlas.scoring.ifeval.registry import INSTRUCTION_IDS, Checker, build_checker
from evalatlas.scoring.ifeval.sentences import count_sentences, split_sentences
from evalatlas.scoring.ifeval.words import count_words, word_tokens

__all__ = [
    "INSTRUCTION_IDS",
    "Checker",
    "IFEvalVerdict",
    "InstructionVerdict",
    "build_checker",
    "build_checkers",
    "count_sentences",
    "count_words",
    "follow_instructions",
    "instruction_counts",
    "instruction_level_accuracy",
    "loose_variants",
    "prompt_level_accuracy",
    "split_sentences",
    "word_tokens",
]
