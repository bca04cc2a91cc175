"""Grade one response against its instructions, strictly and loosely, and aggregate.

Strict: the response as given follows the instruction. Loose (Zhou et al. 2023, §3):
any of eight variants of it does — the response itself, without its first line,
without its last line, without both, and each of those four with every ``*`` removed —
which forgives a chatty "Sure, here it is:" opener, a closing remark, or markdown
emphasis around a keyword. A blank response (or a variant that is blank once
stripped) follows nothing.

Four metrics come out of the verdicts:

* prompt-level strict/loose accuracy: the share of prompts whose instructions are all
  followed, a mean over prompts (``IFEvalVerdict.prompt_strict`` / ``prompt_loose``);
* instruction-level strict/loose accuracy: the share of instructions followed, pooled
  over all prompts, so a prompt with three instructions weighs three times one with one.
  ``instruction_counts`` gives each prompt's (followed, total) pair, from which a
  ratio estimator with a confidence interval clustered by prompt can be built.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from evalatlas.errors import ConfigError
from evalatlas.scoring.ifeval.registry import Checker, build_checker


@dataclass(frozen=True)
class InstructionVerdict:
    """Whether the response follows one instruction, strictly and loosely."""

    instruction_id: str
    strict: bool
    loose: bool


@dataclass(frozen=True)
class IFEvalVerdict:
    """The per-instruction verdicts for one prompt, in the prompt's instruction order."""

    instructions: tuple[InstructionVerdict, ...]

    @property
    def prompt_strict(self) -> bool:
        return all(verdict.strict for verdict in self.instructions)

    @property
    def prompt_loose(self) -> bool:
        return all(verdict.loose for verdict in self.instructions)

    @property
    def instruction_count(self) -> int:
        return len(self.instructions)

    def followed_count(self, *, loose: bool = False) -> int:
        """How many instructions were followed (strictly, or loosely with ``loose``)."""
        return sum(verdict.loose if loose else verdict.strict for verdict in self.instructions)


def loose_variants(response: str) -> tuple[str, ...]:
    """The eight responses the loose criterion tries, the original first."""
    lines = response.split("\n")
    trimmed = (
        response,
        "\n".join(lines[1:]).strip(),
        "\n".join(lines[:-1]).strip(),
        "\n".join(lines[1:-1]).strip(),
    )
    return trimmed + tuple(variant.replace("*", "") for variant in trimmed)


def follow_instructions(
    response: str,
    prompt: str,
    instruction_ids: Sequence[str],
    kwargs_list: Sequence[Mapping[str, object] | None],
) -> IFEvalVerdict:
    """Grade ``response`` against each instruction of its prompt.

    ``prompt`` only identifies the sample in error messages: the text to repeat for
    ``combination:repeat_prompt`` comes from its ``prompt_to_repeat`` kwarg, which leaves
    out the instruction to repeat. Raises ``ConfigError`` for an unknown instruction id,
    missing or malformed kwargs, or lists of different lengths.
    """
    checkers = build_checkers(prompt, instruction_ids, kwargs_list)
    variants = loose_variants(response)
    return IFEvalVerdict(
        tuple(
            InstructionVerdict(
                instruction_id,
                strict=_follows(checker, response),
                loose=any(_follows(checker, variant) for variant in variants),
            )
            for instruction_id, checker in zip(instruction_ids, checkers, strict=True)
        )
    )


def build_checkers(
    prompt: str,
    instruction_ids: Sequence[str],
    kwargs_list: Sequence[Mapping[str, object] | None],
) -> list[Checker]:
    """One checker per instruction, validated; errors name the prompt they come from."""
    where = f"IFEval prompt {_abbreviate(prompt)!r}"
    if isinstance(instruction_ids, str) or not instruction_ids:
        raise ConfigError(f"{where} has no instruction ids; give instruction_id_list")
    if len(instruction_ids) != len(kwargs_list):
        raise ConfigError(
            f"{where} has {len(instruction_ids)} instruction ids but {len(kwargs_list)} "
            "kwargs entries; give one kwargs mapping per instruction"
        )
    try:
        return [
            build_checker(instruction_id, kwargs)
            for instruction_id, kwargs in zip(instruction_ids, kwargs_list, strict=True)
        ]
    except ConfigError as error:
        raise ConfigError(f"{where}: {error}") from error


def instruction_counts(verdict: IFEvalVerdict, *, loose: bool = False) -> tuple[int, int]:
    """One prompt's (instructions followed, instructions given)."""
    return verdict.followed_count(loose=loose), verdict.instruction_count


def prompt_level_accuracy(verdicts: Iterable[IFEvalVerdict], *, loose: bool = False) -> float:
    """The share of prompts that follow all their instructions."""
    followed = [verdict.prompt_loose if loose else verdict.prompt_strict for verdict in verdicts]
    if not followed:
        raise ValueError("prompt-level accuracy needs at least one verdict")
    return sum(followed) / len(followed)


def instruction_level_accuracy(verdicts: Iterable[IFEvalVerdict], *, loose: bool = False) -> float:
    """The share of all instructions followed, pooled over prompts (not a mean of
    per-prompt shares)."""
    counts = [instruction_counts(verdict, loose=loose) for verdict in verdicts]
    total = sum(given for _, given in counts)
    if total == 0:
        raise ValueError("instruction-level accuracy needs at least one instruction")
    return sum(followed for followed, _ in counts) / total


def _follows(checker: Checker, response: str) -> bool:
    return bool(response.strip()) and checker(response)


def _abbreviate(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."
