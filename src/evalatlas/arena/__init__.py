"""The arena: anonymous side-by-side battles, votes with hygiene, and ratings over them.

    from evalatlas.arena import Arena, ArenaConfig, RatingOptions

    arena = Arena(store, ArenaConfig(contestants=("m1", "m2")), answerer)
    battle = arena.start_battle("Why is the sky blue?", voter="v1")
    arena.vote(battle.id, "A", voter="v1")
    standings = arena.standings(RatingOptions(n_rounds=200))

Answers come from a callable handed in (``evalatlas.arena.answers.model_answerer`` builds
one over the model layer); nothing here imports that layer, so the web app can hold an
``Arena`` without loading models.
"""

from evalatlas.arena.guards import BattleGuard, BattleLimits, WindowLimiter
from evalatlas.arena.identity import battle_identity_leak, revealed_identity
from evalatlas.arena.importer import ImportedBattles, read_battle_log
from evalatlas.arena.pairing import PairingMode, choose_pair, pair_weights
from evalatlas.arena.service import (
    Answerer,
    Arena,
    ArenaConfig,
    PromptItem,
    vote_or_raise,
)
from evalatlas.arena.standings import RatingOptions, Standings, arena_standings, battle_table
from evalatlas.arena.style import STYLE_FEATURES, answer_style
from evalatlas.arena.voter_keys import VoterKeys, workspace_secret
from evalatlas.arena.voters import VoterReport, voter_reports
from evalatlas.arena.writer import VoteWriter

__all__ = [
    "STYLE_FEATURES",
    "Answerer",
    "Arena",
    "ArenaConfig",
    "BattleGuard",
    "BattleLimits",
    "ImportedBattles",
    "PairingMode",
    "PromptItem",
    "RatingOptions",
    "Standings",
    "VoteWriter",
    "VoterKeys",
    "VoterReport",
    "WindowLimiter",
    "answer_style",
    "arena_standings",
    "battle_identity_leak",
    "battle_table",
    "choose_pair",
    "pair_weights",
    "read_battle_log",
    "revealed_identity",
    "vote_or_raise",
    "voter_reports",
    "workspace_secret",
]
