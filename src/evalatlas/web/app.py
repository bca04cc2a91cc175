"""``create_app``: the FastAPI app over one workspace's store.

Pages are rendered on the server by Jinja2 with autoescaping, so stored text (prompts,
model answers, names) is always text, never markup. HTML responses also carry a
Content-Security-Policy that runs scripts only from ``/static``: a stored answer that
slipped through as markup still could not run. Every response says how long the app took
to build it in a ``Server-Timing`` header (``app;dur=`` milliseconds; see ``headers.py``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, StrictUndefined

from evalatlas import __version__
from evalatlas.arena import Answerer, Arena, ArenaConfig
from evalatlas.store import Store
from evalatlas.web.admin import routes as admin_routes
from evalatlas.web.admin.access import AdminAccess
from evalatlas.web.arena import rating_routes as arena_rating_routes
from evalatlas.web.arena import routes as arena_routes
from evalatlas.web.arena.voter import VoterIdentity
from evalatlas.web.capabilities import routes as capability_routes
from evalatlas.web.compare import routes as compare_routes
from evalatlas.web.errors import install_error_handlers
from evalatlas.web.headers import SecurityHeaders
from evalatlas.web.jsonable import AtlasJSONResponse
from evalatlas.web.judges import routes as judge_routes
from evalatlas.web.leaderboard import routes as leaderboard_routes
from evalatlas.web.models import routes as model_routes
from evalatlas.web.models import sample_routes
from evalatlas.web.openapi_doc import document_error_responses
from evalatlas.web.pick import routes as pick_routes
from evalatlas.web.plots import routes as plot_routes
from evalatlas.web.public_paths import public_reference
from evalatlas.web.queue import routes as queue_routes
from evalatlas.web.ranks import routes as rank_routes
from evalatlas.web.state import SubmissionCheck, WebState

STATIC_DIR = Path(__file__).parent / "static"
# The arena's routes first: its vote is the busiest request, and every router tried before
# the one that matches costs each request a little.
ROUTES = (
    arena_routes,
    arena_rating_routes,
    judge_routes,
    leaderboard_routes,
    model_routes,
    sample_routes,
    compare_routes,
    capability_routes,
    plot_routes,
    rank_routes,
    pick_routes,
    queue_routes,
    admin_routes,
)


def create_app(
    store_root: Path,
    *,
    submission_check: SubmissionCheck | None = None,
    arena_config: ArenaConfig | None = None,
    answerer: Answerer | None = None,
) -> FastAPI:
    """The web app over the workspace at ``store_root`` (opened now, closed at shutdown).

    ``submission_check`` checks submissions before they are queued (``evalatlas serve``
    passes ``evalatlas.queue.check_submission``); without it submissions are refused. The
    admin token is read from ``$EVALATLAS_ADMIN_TOKEN`` now; without it admin is off.
    The arena runs with ``arena_config`` (default: no contestants, default voter limits)
    and gets its answers from ``answerer``; without both, its pages show the stored battles
    and ratings but start no new battle."""
    store = Store.open(store_root)
    templates = template_environment()
    arena = Arena(store, arena_config or ArenaConfig(), answerer)
    # Voter identities are signed with the workspace's secret (drawn on first start).
    voters = VoterIdentity.for_workspace(store_root, arena.config.new_voters_per_hour)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        arena.close()  # records the votes still queued before the store closes
        store.close()

    app = FastAPI(
        title="EvalAtlas",
        default_response_class=AtlasJSONResponse,
        version=__version__,
        description="Leaderboard, model pages, per-sample records and arena of one workspace.",
        docs_url=None,  # the interactive docs load their assets from a CDN
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.web = WebState(
        store=store,
        templates=templates,
        arena=arena,
        submission_check=submission_check,
        admin=AdminAccess.from_environment(),
        voters=voters,
    )
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(SecurityHeaders)
    install_error_handlers(app, templates)
    for module in ROUTES:
        app.include_router(module.router)
    document_error_responses(app)
    return app


def template_environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("evalatlas.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # Every page names a local model by its file's name, never the server's folders.
    environment.filters["public_reference"] = public_reference
    return environment
