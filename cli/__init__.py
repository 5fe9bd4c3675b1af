"""``qbdgw``: one command for qbd-gateway's operators and developers.

REST-side commands (end-users, auth-sessions, jobs) call the gateway with ``--url``/``QBDGW_URL`` and
``--api-key``/``QBDGW_API_KEY``. Operator commands (``api-keys``, ``end-users list``) talk to the
stage's DynamoDB table with the operator's AWS credentials (``QBDGW_TABLE``, ``AWS_REGION``,
``QBDGW_AWS_ENDPOINT_URL`` for the local stack); ``results tail`` reads the results SQS queue
(``QBDGW_RESULTS_QUEUE_URL``); ``jobs show --response`` reads an answer the gateway offloaded to its S3
payload bucket with those credentials (``AWS_REGION``, ``QBDGW_AWS_ENDPOINT_URL``). Every command
prints a readable table, or JSON with ``--json``.
"""
