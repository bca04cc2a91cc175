"""What of a submission's failure and log the public queue may show.

The queue page is public, and a failure can carry what it should not: an endpoint's reply
(an HTTP error body, a model listing), a server path in a loader's message or a
traceback. The stored error and log are therefore the public versions: paths of the
server are cut to their last part, an endpoint's own words are replaced by what went
wrong in general, and a traceback goes to the operator's console only.
"""

from __future__ import annotations

import errno
import re

from evalatlas.errors import AtlasError, SubmissionRefused

OPERATOR_HINT = "the worker's console has the details"
STOPPED = "the worker was stopped (interrupt or SIGTERM) while running this submission"
# An absolute path (or ~/path) that starts a word: not the path part of a URL or of a
# reference such as llamacpp:/x (those are what the submitter typed).
_PATH = re.compile(r"(?<![\w.~:/-])~?/(?:[^\s/'\"()\[\]]+/)+([^\s/'\"()\[\]]*)")


def redact_paths(text: str) -> str:
    """``text`` with every absolute path of the server cut to ``…/its-last-part``."""
    return _PATH.sub(lambda match: f"…/{match.group(1)}", text)


def one_line(text: str) -> str:
    return " ".join(text.strip().splitlines()[:1]).strip()


def public_reason(error: BaseException, scheme: str, stage: str) -> str:
    """The one line the queue shows for ``error``, raised while ``stage`` (e.g. "loading
    the model") of a submission whose reference has ``scheme``."""
    if isinstance(error, KeyboardInterrupt):
        return STOPPED
    if _out_of_memory(error):
        return f"the evaluation ran out of memory while {stage} (the worker's --memory-limit)"
    if isinstance(error, SubmissionRefused):
        return redact_paths(one_line(str(error)))
    if not isinstance(error, AtlasError):
        return (
            f"the evaluation stopped on an unexpected {type(error).__name__} while {stage}; "
            f"{OPERATOR_HINT}"
        )
    if scheme == "openai":
        # The endpoint's own words (error bodies, served model lists, echoed tokens) are
        # never published: they are a way to read a server's replies through this page.
        return (
            f"the endpoint failed while {stage} ({error.code}); its reply is not shown here, "
            f"{OPERATOR_HINT}"
        )
    return redact_paths(one_line(str(error))) or error.code


def _out_of_memory(error: BaseException) -> bool:
    """Python's MemoryError, or a refused allocation or mapping (ENOMEM) under the cap."""
    return isinstance(error, MemoryError) or (
        isinstance(error, OSError) and error.errno == errno.ENOMEM
    )
