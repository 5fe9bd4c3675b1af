"""qbXML status codes: classes and the retryable set."""

from __future__ import annotations

import pytest

from chalicelib.qbxml import RETRYABLE_STATUS_CODES, StatusClass, classify_status


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (0, StatusClass.OK),
        (1, StatusClass.NO_MATCH),
        (2, StatusClass.INFO),
        (499, StatusClass.INFO),
        (500, StatusClass.WARNING),
        (530, StatusClass.WARNING),
        (999, StatusClass.WARNING),
        (1000, StatusClass.ERROR),
        (3140, StatusClass.ERROR),
        (9100, StatusClass.ERROR),
    ],
)
def test_classify_status_boundaries(code: int, expected: StatusClass) -> None:
    # GIVEN a statusCode on each side of every boundary
    # WHEN it is classified
    # THEN 0 ok, 1 no match, <500 info, 500-999 warning, >=1000 error
    assert classify_status(code) is expected


def test_retryable_codes_are_the_transient_lock_and_save_errors() -> None:
    # GIVEN the retryable set  WHEN it is read
    # THEN it holds exactly the lock/save conflicts, each of them an error
    assert frozenset({3170, 3175, 3176, 3180}) == RETRYABLE_STATUS_CODES
    assert all(classify_status(code) is StatusClass.ERROR for code in RETRYABLE_STATUS_CODES)
    assert 3200 not in RETRYABLE_STATUS_CODES  # a stale EditSequence needs a re-read, not a retry
