"""``PeakMemory`` sees memory a block takes and gives back before the block ends."""

from __future__ import annotations

import mmap

from evalatlas.runner.pick_memory import PeakMemory

MIB = 2**20


def test_a_block_that_holds_memory_for_a_moment_shows_in_the_peak() -> None:
    with PeakMemory(interval_s=0.005) as watch:
        # Fresh anonymous pages, written so they are resident: a heap allocation could
        # reuse memory the process already holds from earlier work and add nothing.
        held = mmap.mmap(-1, 64 * MIB)
        held.write(b"\x01" * (64 * MIB))
        watch.sample_now()
        held.close()
    assert watch.added_bytes >= 48 * MIB
    assert watch.peak_bytes >= watch.before_bytes + watch.added_bytes


def test_a_block_that_takes_nothing_adds_little() -> None:
    with PeakMemory() as watch:
        total = sum(range(1000))
    assert total == 499500
    assert watch.added_bytes < 16 * MIB
