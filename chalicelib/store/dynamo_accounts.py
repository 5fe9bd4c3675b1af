"""End-users, API keys and auth-flow sessions in the table.

Part of :class:`~chalicelib.store.dynamodb.DynamoStore`.

End-users are listed through a registry partition (``ENDUSERS``) and API keys through theirs
(``APIKEYS``), so neither the operator CLI nor key checks ever Scan the table.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.jobs.models import ApiKey, AuthSession, EndUser
from chalicelib.store.dynamo_base import (
    API_KEYS,
    END_USERS,
    EXISTS,
    IS_NEW,
    PROFILE_KEY,
    DynamoBase,
    failed_condition,
    from_item,
    to_item,
)
from chalicelib.store.items import dump, end_user_pk, load


class AccountItems(DynamoBase):
    # End-users and API keys ----------------------------------------------------------------------
    def put_end_user(self, user: EndUser) -> None:
        self._put({"pk": end_user_pk(user.id), "sk": "PROFILE", "next_seq": 0, "queued_key": PROFILE_KEY,
                   **dump(user)}, IS_NEW)
        self._put({"pk": END_USERS, "sk": f"EU#{user.id}", "end_user_id": user.id})  # listable registry

    def get_end_user(self, end_user_id: str) -> EndUser | None:
        item = self._get(end_user_pk(end_user_id), "PROFILE")
        return load(EndUser, item) if item else None

    def update_end_user(self, end_user_id: str, changes: Mapping[str, Any]) -> None:
        set_, remove = self._split(changes)
        try:
            self._update(end_user_pk(end_user_id), "PROFILE", set_=set_, remove=remove, condition=EXISTS)
        except ClientError as exc:
            if failed_condition(exc):
                raise KeyError(end_user_id) from exc
            raise

    def count_login_failure(self, end_user_id: str, at: datetime) -> int:
        try:
            new = self._update(end_user_pk(end_user_id), "PROFILE", set_={"login_failed_at": at},
                               add={"login_failures": 1}, condition=EXISTS, return_values="UPDATED_NEW")
        except ClientError as exc:
            if failed_condition(exc):
                raise KeyError(end_user_id) from exc
            raise
        return int(new["login_failures"])

    # API keys: the record lives in the ``APIKEYS`` partition (listable); a small pointer item in the
    # key's lookup bucket finds it from a presented key without a Scan.
    def put_api_key(self, key: ApiKey) -> None:
        self._put({"pk": API_KEYS, "sk": f"KEY#{key.key_id}", **dump(key)}, IS_NEW)
        self._put({"pk": f"APIKEY#{key.lookup}", "sk": f"KEY#{key.key_id}", "key_id": key.key_id})

    def find_api_keys(self, lookup: str) -> list[ApiKey]:
        out = self.client.query(
            TableName=self.table, KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=to_item({":pk": f"APIKEY#{lookup}"}), ConsistentRead=True,
        )
        keys = (self.get_api_key(str(from_item(i)["key_id"])) for i in out.get("Items", []))
        return [k for k in keys if k is not None]

    def get_api_key(self, key_id: str) -> ApiKey | None:
        item = self._get(API_KEYS, f"KEY#{key_id}")
        return load(ApiKey, item) if item else None

    def list_api_keys(self) -> list[ApiKey]:
        keys: list[ApiKey] = []
        start = None
        while True:
            kwargs: dict[str, Any] = {"TableName": self.table, "KeyConditionExpression": "pk = :pk",
                                      "ExpressionAttributeValues": to_item({":pk": API_KEYS}),
                                      "ConsistentRead": True}
            if start:
                kwargs["ExclusiveStartKey"] = start
            out = self.client.query(**kwargs)
            keys += [load(ApiKey, from_item(i)) for i in out.get("Items", [])]
            start = out.get("LastEvaluatedKey")
            if not start:
                return keys

    def revoke_api_key(self, key_id: str, at: datetime) -> ApiKey | None:
        key = self.get_api_key(key_id)
        if key is None:
            return None
        if key.revoked_at is not None:
            return key
        new = self._update(API_KEYS, f"KEY#{key_id}", set_={"revoked_at": at}, condition=EXISTS,
                           return_values="ALL_NEW")
        return load(ApiKey, new)

    def rehash_api_key(self, key_id: str, secret_hash: str) -> None:
        self._update(API_KEYS, f"KEY#{key_id}", set_={"secret_hash": secret_hash}, condition=EXISTS)

    # Auth-flow sessions -------------------------------------------------------------------------------
    def put_auth_session(self, session: AuthSession) -> None:
        self._put({"pk": f"AUTH#{session.token_hash}", "sk": "SESSION",
                   "ttl": int(session.expires_at.timestamp()), **dump(session)}, IS_NEW)

    def get_auth_session(self, token_hash: str) -> AuthSession | None:
        item = self._get(f"AUTH#{token_hash}", "SESSION")
        return load(AuthSession, item) if item else None

    def update_auth_session(self, token_hash: str, changes: Mapping[str, Any]) -> None:
        set_, remove = self._split(changes)
        self._update(f"AUTH#{token_hash}", "SESSION", set_=set_, remove=remove, condition=EXISTS)


    # Listing end-users (operator CLI) ---------------------------------------------------------------
    def list_end_users(self, limit: int = 50, start: str | None = None) -> tuple[list[EndUser], str | None]:
        """A page of end-users in id (creation) order after ``start``, and the cursor of the next page.

        Reads the ``ENDUSERS`` registry partition (one pointer item per end-user, written by
        :meth:`put_end_user`), then each profile: never a Scan.
        """
        kwargs: dict[str, Any] = {"TableName": self.table, "KeyConditionExpression": "pk = :pk",
                                  "ExpressionAttributeValues": to_item({":pk": END_USERS}),
                                  "ConsistentRead": True, "Limit": max(1, limit)}
        if start:
            kwargs["ExclusiveStartKey"] = to_item({"pk": END_USERS, "sk": f"EU#{start}"})
        out = self.client.query(**kwargs)
        ids = [str(from_item(i)["end_user_id"]) for i in out.get("Items", [])]
        users = [u for u in (self.get_end_user(i) for i in ids) if u is not None]
        return users, (ids[-1] if out.get("LastEvaluatedKey") and ids else None)

