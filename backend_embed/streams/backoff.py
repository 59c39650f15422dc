"""Retry delays for a recorder: exponential with full jitter and a cap, slower after authentication failures."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class BackoffPolicy:
    """Delays for one kind of failure: attempt n waits uniformly in [floor_s, min(cap_s, base_s * 2**n)].

    Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter") spreads the reconnects of many
    cameras that failed together, e.g. after a switch restarted. The floor keeps a camera that fails at
    once (connection refused) from being retried in a tight loop.
    """

    base_s: float
    cap_s: float
    floor_s: float = 0.0

    def __post_init__(self) -> None:
        if not 0 <= self.floor_s <= self.cap_s or self.base_s <= 0:
            raise ValueError(f"need 0 <= floor_s <= cap_s and base_s > 0: {self}")

    def ceiling(self, attempt: int) -> float:
        """The longest delay before retry number `attempt` (0 = the first retry)."""
        exponent = min(max(attempt, 0), 62)  # 2**62 * base is past any cap; avoids a float overflow
        return max(self.floor_s, min(self.cap_s, self.base_s * 2.0**exponent))

    def delay(self, attempt: int, rand: Callable[[], float] = random.random) -> float:
        """A jittered delay before retry number `attempt`; `rand` returns a float in [0, 1)."""
        return self.floor_s + (self.ceiling(attempt) - self.floor_s) * rand()


#: A camera that went away is retried within 3 s of any moment: recording resumes within about 4.5 s of
#: its return (3 s + about 1 s to connect and start muxing), at the cost of one cheap connection attempt
#: every 0.25-3 s while it is away. See docs/recording.md ("Recorder").
CONNECTION_POLICY: Final = BackoffPolicy(base_s=0.5, cap_s=3.0, floor_s=0.25)
#: A rejected password does not fix itself: retrying often only fills the camera's log and may lock the
#: account. Changing the camera's settings restarts its recorder at once, so a long wait costs nothing.
AUTHENTICATION_POLICY: Final = BackoffPolicy(base_s=30.0, cap_s=300.0, floor_s=15.0)


class Backoff:
    """The retry schedule of one recorder: counts consecutive failures until `reset()`.

    Not thread-safe; one recorder uses it on one loop.
    """

    def __init__(
        self,
        connection: BackoffPolicy = CONNECTION_POLICY,
        slow: BackoffPolicy = AUTHENTICATION_POLICY,
        *,
        rand: Callable[[], float] = random.random,
    ) -> None:
        """Make a schedule.

        Args:
            connection: the policy for failures that end by themselves (camera away, stream ended).
            slow: the policy for failures that need a person (wrong password, wrong path, full disk).
            rand: the jitter source, a float in [0, 1); injectable for tests.
        """
        self.connection = connection
        self.slow = slow
        self._rand = rand
        self._attempts = 0

    @property
    def attempts(self) -> int:
        """Consecutive failures since the last `reset()`."""
        return self._attempts

    def next_delay(self, *, slow: bool = False) -> float:
        """The delay before the next attempt, and count this failure."""
        policy = self.slow if slow else self.connection
        delay = policy.delay(self._attempts, self._rand)
        self._attempts += 1
        return delay

    def reset(self) -> None:
        """Forget the failures: the stream worked again."""
        self._attempts = 0
