"""The actors of a Ray run: how many, what each reserves, started and checked.

On GPUs one actor per GPU; on CPUs one per ``cpus`` CPUs of the cluster (1 unless given),
spread over the nodes. Each loads the model once from its reference; before any batch is
sent, every actor's model identity must equal the planning model's, so an answer is never
cached under another model's key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

from evalatlas.errors import AtlasError, ConfigError, ModelError
from evalatlas.runner.executors.spec import ExecutorSpec
from evalatlas.runner.executors.worker import ModelWorker

# Named actors in their own namespace: an operator (or a test) can find them.
NAMESPACE = "evalatlas"
# Ray colours the actor name in its messages; a one-line error carries no escape codes.
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class ActorShape:
    count: int
    cpus: float
    gpus: float


def actor_shape(spec: ExecutorSpec, cluster: Mapping[str, float]) -> ActorShape:
    """How many actors ``spec`` asks of a cluster with these total resources, and what
    each reserves; a ConfigError when the cluster cannot hold them all at once."""
    total_cpus, total_gpus = float(cluster.get("CPU", 0.0)), float(cluster.get("GPU", 0.0))
    gpus = spec.gpus if spec.gpus is not None else (1.0 if total_gpus >= 1 else 0.0)
    cpus = spec.cpus if spec.cpus is not None else 1.0
    if spec.actors is not None:
        count = spec.actors
    else:
        count = int(total_gpus // gpus) if gpus > 0 else int(total_cpus // cpus)
    if count < 1 or count * cpus > total_cpus or count * gpus > total_gpus:
        raise ConfigError(
            f"--executor {spec.raw}: {max(count, 1)} actor(s) of {cpus:g} CPU and {gpus:g} GPU "
            f"do not fit the Ray cluster ({total_cpus:g} CPUs, {total_gpus:g} GPUs); "
            "lower actors=, cpus= or gpus="
        )
    return ActorShape(count, cpus, gpus)


def start_actors(
    ray: Any, spec: ExecutorSpec, model_ref: tuple[str, int | None], identity: str
) -> list[Any]:
    """Actors that each loaded the model ``(reference, batch size)`` and checked that it is
    the model whose ``model_identity`` is ``identity``."""
    shape = actor_shape(spec, ray.cluster_resources())
    remote_class = ray.remote(ModelWorker)
    run_id = uuid4().hex[:8]
    actors = [
        remote_class.options(
            name=f"evalatlas-{run_id}-{index}",
            namespace=NAMESPACE,
            num_cpus=shape.cpus,
            num_gpus=shape.gpus,
            scheduling_strategy="SPREAD",
            max_concurrency=1,
        ).remote(*model_ref)
        for index in range(shape.count)
    ]
    try:
        identities = ray.get([actor.identity.remote() for actor in actors])
    except ray.exceptions.RayError as error:
        stop_actors(ray, actors)
        raise ModelError(
            f"a Ray actor could not load {model_ref[0]!r}: {short_reason(error)}"
        ) from None
    if any(found != identity for found in identities):
        stop_actors(ray, actors)
        raise ModelError(
            f"a Ray actor loaded {model_ref[0]!r} as a different model (other weights, "
            "settings or package versions on its node); install the same files on every node"
        )
    return actors


def stop_actors(ray: Any, actors: list[Any]) -> None:
    for actor in actors:
        ray.kill(actor)


def short_reason(error: BaseException) -> str:
    """One line for a Ray error: the failure inside the actor (an ``AtlasError``'s message as
    the user would have seen it locally; another exception as ``Type: message``), else the
    last line of Ray's explanation (e.g. "...killed by `ray.kill`.")."""
    cause = getattr(error, "cause", None)
    if isinstance(cause, AtlasError):
        return str(cause)
    text = _ANSI.sub("", str(error))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return type(error).__name__
    name, sep, message = lines[-1].partition(": ")
    return message if sep and name.startswith(f"{AtlasError.__module__}.") else lines[-1]
