"""What public pages show of a local model's location: a file or folder by its name only.

A model evaluated from ``llamacpp:/srv/models/x.gguf`` is shown as ``llamacpp:x.gguf``
everywhere a page or its JSON twin names it (the board, the model page, the queue): the
server's folders are nobody's business, and the weights' hash already says which file it
is. Matching runs to models still uses the full stored reference.
"""

from __future__ import annotations

import re

from evalatlas.analysis.model_cards import public_reference as public_reference

# An absolute path that starts a word (not the path of a URL): shown by its last part.
_PATH = re.compile(r"(?<![\w.~:/-])~?/(?:[^\s/'\"()\[\]]+/)+([^\s/'\"()\[\]]*)")


def public_text(text: str) -> str:
    """``text`` with every absolute path cut to ``…/its-last-part``."""
    return _PATH.sub(lambda match: f"…/{match.group(1)}", text)


def public_source(source: str | None) -> str | None:
    if source is None or not source.startswith(("/", "~", ".")):
        return source
    return source.rstrip("/").rsplit("/", 1)[-1]
