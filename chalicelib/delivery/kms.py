"""The KMS adapter of :class:`chalicelib.jobs.ports.SecretBox`: secrets sealed with the stack's key.

An auth link shows the Web Connector password it created on its page until it expires; the password
is stored only sealed. ``Encrypt`` under the stack's KMS key (``SecretsKey`` in
``infra/template.json``; the local stack creates one on its emulator), with an encryption context
that names the secret's purpose and owner, so a sealed text copied onto another item does not open.
The key never leaves KMS; the functions may only ``Encrypt`` and ``Decrypt`` with it.

The client is made on first use: only the auth-flow routes seal or open, and a client costs ~0.1 s of
a cold start.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import ClientError


class KmsSecretBox:
    def __init__(self, client: Callable[[], Any], key_id: str) -> None:
        self._client_factory = client
        self._client: Any = None
        self.key_id = key_id

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    def seal(self, secret: str, context: Mapping[str, str]) -> str:
        out = self.client.encrypt(KeyId=self.key_id, Plaintext=secret.encode("utf-8"),
                                  EncryptionContext=dict(context))
        return base64.b64encode(out["CiphertextBlob"]).decode("ascii")

    def open(self, sealed: str, context: Mapping[str, str]) -> str:
        try:
            blob = base64.b64decode(sealed.encode("ascii"), validate=True)
            out = self.client.decrypt(CiphertextBlob=blob, EncryptionContext=dict(context), KeyId=self.key_id)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("not a sealed secret") from exc
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("InvalidCiphertextException", "IncorrectKeyException"):
                raise ValueError("the sealed secret does not open with this context") from exc
            raise
        return bytes(out["Plaintext"]).decode("utf-8")
