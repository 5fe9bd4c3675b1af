"""Summaries of timing samples: count, mean, p50, p95, p99, min and max, in seconds or milliseconds.

Percentiles interpolate linearly between the two nearest ranks (numpy's default), so a p95 of five
samples lies between the fourth and the fifth. With so few samples the p95 is close to the max; the
report always shows the count beside it.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The ``fraction`` (0..1) percentile of ``samples`` by linear interpolation."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    position = (len(ordered) - 1) * min(max(fraction, 0.0), 1.0)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Summary:
    """Timing samples summarised; every value in seconds."""

    n: int
    mean: float
    p50: float
    p95: float
    p99: float
    min: float
    max: float

    @classmethod
    def of(cls, samples: Sequence[float]) -> Summary:
        if not samples:
            return cls(0, math.nan, math.nan, math.nan, math.nan, math.nan, math.nan)
        return cls(
            n=len(samples),
            mean=statistics.fmean(samples),
            p50=percentile(samples, 0.50),
            p95=percentile(samples, 0.95),
            p99=percentile(samples, 0.99),
            min=min(samples),
            max=max(samples),
        )

    def ms(self) -> dict[str, float | int]:
        """The summary in milliseconds (rounded to 0.1 ms) for the JSON report."""
        def r(value: float) -> float:
            return round(value * 1000, 1)

        return {"n": self.n, "mean_ms": r(self.mean), "p50_ms": r(self.p50), "p95_ms": r(self.p95),
                "p99_ms": r(self.p99), "min_ms": r(self.min), "max_ms": r(self.max)}

    def seconds(self) -> dict[str, float | int]:
        """The summary in seconds (rounded to 1 ms) for the JSON report."""
        def r(value: float) -> float:
            return round(value, 3)

        return {"n": self.n, "mean_s": r(self.mean), "p50_s": r(self.p50), "p95_s": r(self.p95), "p99_s": r(self.p99),
                "min_s": r(self.min), "max_s": r(self.max)}
