"""What ``--executor`` accepts, and how many actors a Ray cluster gets (no Ray needed)."""

from __future__ import annotations

import pytest

from evalatlas.errors import ConfigError
from evalatlas.runner.executors import ExecutorSpec, parse_executor
from evalatlas.runner.executors.ray_actors import ActorShape, actor_shape
from evalatlas.runner.executors.spec import ExecutorKind


def test_local_and_ray_forms() -> None:
    assert parse_executor("local").kind is ExecutorKind.LOCAL
    plain = parse_executor("ray")
    assert (plain.kind, plain.address, plain.actors) == (ExecutorKind.RAY, None, None)
    tuned = parse_executor("ray?actors=2&cpus=1.5&gpus=0")
    assert (tuned.actors, tuned.cpus, tuned.gpus) == (2, 1.5, 0.0)
    remote = parse_executor("ray://head-node?actors=4")
    assert remote.address == "ray://head-node" and remote.host_port == ("head-node", 10001)
    assert parse_executor("ray://10.0.0.7:6000").host_port == ("10.0.0.7", 6000)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("rey", "not an executor"),
        ("local?actors=2", "takes no options"),
        ("ray?actor=2", "'actors'"),
        ("ray?actors=two", "must be a number"),
        ("ray?actors=0", "more than 0"),
        ("ray?gpus=-1", "0 or more"),
        ("ray?cpus=nan", "more than 0"),
        ("ray://head:port", "port must be a number"),
        ("ray://head:1/path", "ray://HOST:PORT"),
        ("ray://", "ray://HOST:PORT"),
    ],
)
def test_a_wrong_executor_names_what_to_type(text: str, fragment: str) -> None:
    with pytest.raises(ConfigError, match="--executor") as raised:
        parse_executor(text)
    assert fragment in str(raised.value)


def test_one_actor_per_gpu_else_one_per_cpu() -> None:
    gpus = {"CPU": 32.0, "GPU": 4.0}
    assert actor_shape(parse_executor("ray"), gpus) == ActorShape(4, 1.0, 1.0)
    cpus = {"CPU": 8.0}
    assert actor_shape(parse_executor("ray"), cpus) == ActorShape(8, 1.0, 0.0)
    assert actor_shape(parse_executor("ray?cpus=2"), cpus) == ActorShape(4, 2.0, 0.0)
    assert actor_shape(parse_executor("ray?actors=2&gpus=0"), gpus) == ActorShape(2, 1.0, 0.0)


@pytest.mark.parametrize(
    ("spec", "cluster"),
    [
        (parse_executor("ray?actors=3"), {"CPU": 2.0}),
        (parse_executor("ray?gpus=1"), {"CPU": 2.0}),
        (parse_executor("ray?cpus=4"), {"CPU": 2.0}),
        (ExecutorSpec(ExecutorKind.RAY, actors=2, gpus=1.0, raw="ray?actors=2&gpus=1"), {}),
    ],
)
def test_actors_the_cluster_cannot_hold_are_refused_up_front(
    spec: ExecutorSpec, cluster: dict[str, float]
) -> None:
    with pytest.raises(ConfigError, match="do not fit the Ray cluster"):
        actor_shape(spec, cluster)
