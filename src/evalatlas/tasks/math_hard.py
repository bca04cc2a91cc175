r"""MATH level 5 ("MATH-Hard") as the Open LLM Leaderboard v2 ran it (``leaderboard_math_hard``).

Seven tasks, one per MATH subject (group ``math_hard``), each the subject's Level 5 test
problems: 1,324 in all. The prompt is Minerva's (Lewkowycz et al. 2022): four fixed worked
examples, each ``Problem:\n<problem>\n\nSolution: <solution>`` ending "Final Answer: The
final answer is $X$. I hope it is correct.", then the problem and ``Solution:``. The model
generates greedily, up to 1024 tokens, until it starts another ``Problem:``.

Grading (``evalatlas.scoring.math_answers``): the answer is read from the generation's
"The final answer is ..." sentence, else its last ``\boxed{}``, and compared with the last
``\boxed{}`` of the problem's solution, as equal normalised strings or as equal values
(sympy, in a child process with a time limit). ``exact_match`` is 1 for an equivalent
answer and 0 otherwise, also when no answer is found; each sample's outcome records the
answer read and how it matched.

Rows come from ``lighteval/MATH-Hard`` (one config per subject, split ``test``, Level 5
only), or, with a data directory, from ``math/math_test_5000.jsonl`` (the whole MATH test
set: fields ``problem``, ``level``, ``type``, ``solution``, ``idx``), of which the task
keeps the rows of its subject at Level 5. A sample's id is the row's ``idx`` where the
row has one, else its position among the subject's rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from evalatlas.tasks.row_rules import LocalRows, RowIds, RowRules
from evalatlas.tasks.scorers.generation import GenerationSettings
from evalatlas.tasks.scorers.math_answers import METRIC, WRITTEN_EXAMPLE, MathAnswerScorer
from evalatlas.tasks.yaml_task import YamlTask

GROUP = "math_hard"
DATASET_PATH = "lighteval/MATH-Hard"
LOCAL_FILE = "math/math_test_5000.jsonl"
LEVEL = "Level 5"
# Marks the written examples, whose target is their whole worked solution; an evaluated
# problem's target is its gold answer alone (``MathAnswerScorer.ready``).
FEWSHOT_MARK = WRITTEN_EXAMPLE


@dataclass(frozen=True)
class MathSubject:
    """One MATH subject: the task name's suffix (as in lm-evaluation-harness's
    ``leaderboard_math_<suffix>_hard``), the hub config and the rows' ``type``."""

    suffix: str
    config: str
    type: str

    @property
    def task_name(self) -> str:
        return f"{GROUP}_{self.suffix}"


MATH_SUBJECTS: tuple[MathSubject, ...] = (
    MathSubject("algebra", "algebra", "Algebra"),
    MathSubject("counting_and_prob", "counting_and_probability", "Counting & Probability"),
    MathSubject("geometry", "geometry", "Geometry"),
    MathSubject("intermediate_algebra", "intermediate_algebra", "Intermediate Algebra"),
    MathSubject("num_theory", "number_theory", "Number Theory"),
    MathSubject("prealgebra", "prealgebra", "Prealgebra"),
    MathSubject("precalculus", "precalculus", "Precalculus"),
)


@dataclass(frozen=True)
class WorkedExample:
    problem: str
    working: str
    answer: str

    def row(self) -> dict[str, str]:
        """The example as a row, its solution closing with Minerva's final-answer line."""
        final = f"Final Answer: The final answer is ${self.answer}$. I hope it is correct."
        return {"problem": self.problem, "solution": f"{self.working}\n{final}", FEWSHOT_MARK: "1"}


# Minerva's four MATH prompt examples, character for character as the leaderboard shows
# them: the first problem's stray closing brace and the single backslashes ending the
# align rows are theirs, kept so that prompts (and scores) match.
MINERVA_EXAMPLES: tuple[WorkedExample, ...] = (
    WorkedExample(
        r"Find the domain of the expression  $\frac{\sqrt{x-2}}{\sqrt{5-x}}$.}",
        r"The expressions inside each square root must be non-negative. Therefore,"
        r" $x-2 \ge 0$, so $x\ge2$, and $5 - x \ge 0$, so $x \le 5$. Also, the denominator"
        r" cannot be equal to zero, so $5-x>0$, which gives $x<5$. Therefore, the domain of"
        r" the expression is $\boxed{[2,5)}$.",
        "[2,5)",
    ),
    WorkedExample(
        r"If $\det \mathbf{A} = 2$ and $\det \mathbf{B} = 12,$ then find"
        r" $\det (\mathbf{A} \mathbf{B}).$",
        r"We have that $\det (\mathbf{A} \mathbf{B}) = (\det \mathbf{A})(\det \mathbf{B})"
        r" = (2)(12) = \boxed{24}.$",
        "24",
    ),
    WorkedExample(
        "Terrell usually lifts two 20-pound weights 12 times. If he uses two 15-pound weights"
        " instead, how many times must Terrell lift them in order to lift the same total"
        " weight?",
        r"If Terrell lifts two 20-pound weights 12 times, he lifts a total of"
        r" $2\cdot 12\cdot20=480$ pounds of weight.  If he lifts two 15-pound weights instead"
        r" for $n$ times, he will lift a total of $2\cdot15\cdot n=30n$ pounds of weight. "
        r" Equating this to 480 pounds, we can solve for $n$:"
        "\n\\begin{align*}\n30n&=480\\\n\\Rightarrow\\qquad n&=480/30=\\boxed{16}\n"
        "\\end{align*}",
        "16",
    ),
    WorkedExample(
        "If the system of equations\n\n\\begin{align*}\n6x-4y&=a,\\\n6y-9x &=b.\n"
        "\\end{align*}has a solution $(x, y)$ where $x$ and $y$ are both nonzero,\n"
        "find $\\frac{a}{b},$ assuming $b$ is nonzero.",
        "If we multiply the first equation by $-\\frac{3}{2}$, we obtain\n\n"
        "$$6y-9x=-\\frac{3}{2}a.$$Since we also know that $6y-9x=b$, we have\n\n"
        "$$-\\frac{3}{2}a=b\\Rightarrow\\frac{a}{b}=\\boxed{-\\frac{2}{3}}.$$",
        "-\\frac{2}{3}",
    ),
)


def math_hard_definition(subject: MathSubject) -> dict[str, Any]:
    """The task definition of one subject, as lm-evaluation-harness's leaderboard file."""
    return {
        "task": subject.task_name,
        "group": GROUP,
        "dataset_path": DATASET_PATH,
        "dataset_name": subject.config,
        "output_type": "generate_until",
        "test_split": "test",
        "doc_to_text": "Problem:\n{{ problem }}\n\nSolution:",
        # An example shows its worked solution; ``make_sample`` sets an evaluated
        # problem's target to its gold answer.
        "doc_to_target": "solution",
        "num_fewshot": 4,
        "fewshot_config": {
            "sampler": "first_n",
            "samples": [example.row() for example in MINERVA_EXAMPLES],
        },
        "generation_kwargs": {
            "until": ["Problem:"],
            "do_sample": False,
            "temperature": 0.0,
            "max_gen_toks": 1024,
        },
        "metric_list": [{"metric": METRIC, "aggregation": "mean", "higher_is_better": True}],
        "local_data": {"test": LOCAL_FILE, "format": "jsonl"},
        "metadata": {
            "version": 1.0,
            "description": f"MATH level 5, {subject.type}: 4-shot Minerva prompt, generated"
            " answer checked for equivalence with the solution's boxed answer (exact_match)",
        },
    }


def math_hard_task(subject: MathSubject) -> YamlTask:
    """One subject of ``math_hard``: its definition graded by ``MathAnswerScorer``, samples
    keyed by ``idx``, the subject's Level 5 rows of the whole MATH test file when read
    from a local copy (a hub config holds only them)."""
    rows = RowRules(
        ids=RowIds("idx", "a problem number", "problem", required=False),
        local=LocalRows(
            (("level", LEVEL), ("type", subject.type)), f"{LEVEL}, type {subject.type}"
        ),
    )
    return YamlTask.builtin(
        math_hard_definition(subject),
        lambda config: MathAnswerScorer(GenerationSettings.from_config(config)),
        rows,
    )


def _factory(subject: MathSubject) -> Callable[[], YamlTask]:
    return lambda: math_hard_task(subject)


def math_hard_factories() -> dict[str, Callable[[], YamlTask]]:
    """Task name -> factory for the seven subjects, in the group's order."""
    return {subject.task_name: _factory(subject) for subject in MATH_SUBJECTS}
