"""Typed, frozen REST request bodies (pydantic). Unknown fields are refused, not ignored."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Body(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class CreateEndUser(_Body):
    company_name: str = Field(min_length=1, max_length=200)
    source_id: str | None = Field(default=None, max_length=200)


class EnqueueJob(_Body):
    qbxml: str = Field(min_length=1)
    deadline_seconds: int | None = Field(default=None, ge=10, le=7 * 86400)
    fail_if_offline: bool = False


class IngressMessage(_Body):
    """A job sent through the SQS ingress queue."""

    end_user_id: str = Field(min_length=1, max_length=100)
    qbxml: str = Field(min_length=1)
    deadline_seconds: int | None = Field(default=None, ge=10, le=7 * 86400)
    idempotency_key: str | None = Field(default=None, min_length=1, max_length=200)
    fail_if_offline: bool = False
