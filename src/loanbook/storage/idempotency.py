"""Idempotent requests: a POST retried with the same ``Idempotency-Key`` happens once.

The first request claims the key (a unique row per user and key) before it does anything;
its response is stored when it ends. A retry with the same body gets that response again; a
retry with another body is refused; a retry while the first is still running is told so. A
request that fails unexpectedly gives its key back, so the client may try again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from loanbook.storage.access_tables import IdempotentRequestRow
from loanbook.storage.store import Store, now


class Claim(StrEnum):
    NEW = "new"  # this request owns the key: do the work, then ``finish``
    REPLAY = "replay"  # done before with the same body: answer with the stored response
    MISMATCH = "mismatch"  # the key was used with another request
    IN_FLIGHT = "in_flight"  # the first request with this key has not finished


@dataclass(frozen=True)
class Claimed:
    claim: Claim
    id: int | None = None
    status: int | None = None
    body: Any = None


def claim(store: Store, user_id: int, key: str, method: str, path: str, digest: str) -> Claimed:
    try:
        with store.write() as conn:
            new_id = conn.execute(
                insert(IdempotentRequestRow)
                .values(
                    user_id=user_id,
                    key=key,
                    method=method,
                    path=path,
                    body_sha256=digest,
                    started_at=now(),
                )
                .returning(IdempotentRequestRow.id)
            ).scalar_one()
        return Claimed(Claim.NEW, new_id)
    except IntegrityError:
        pass
    with store.read() as conn:
        row = conn.execute(
            select(IdempotentRequestRow).where(
                IdempotentRequestRow.user_id == user_id, IdempotentRequestRow.key == key
            )
        ).one()
    if (row.method, row.path, row.body_sha256) != (method, path, digest):
        return Claimed(Claim.MISMATCH, row.id)
    if row.status is None:
        return Claimed(Claim.IN_FLIGHT, row.id)
    return Claimed(Claim.REPLAY, row.id, row.status, json.loads(row.response or "null"))


def finish(store: Store, claim_id: int, status: int, body: Any) -> None:
    with store.write() as conn:
        conn.execute(
            update(IdempotentRequestRow)
            .where(IdempotentRequestRow.id == claim_id)
            .values(status=status, response=json.dumps(body), finished_at=now())
        )


def release(store: Store, claim_id: int) -> None:
    """Give the key back after an unexpected failure (nothing was answered)."""
    with store.write() as conn:
        conn.execute(delete(IdempotentRequestRow).where(IdempotentRequestRow.id == claim_id))
