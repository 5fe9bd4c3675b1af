"""The ``qbdgw`` command group (console script ``qbdgw``, or ``python -m cli``)."""

from __future__ import annotations

import click

from cli.apikeys import api_keys
from cli.authsessions import auth_sessions
from cli.endusers import end_users
from cli.feed import feed
from cli.jobs import jobs
from cli.results import results
from cli.webhooks import webhooks


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option("0.1.0", prog_name="qbdgw")
def cli() -> None:
    """qbd-gateway from the command line: end-users, auth sessions, API keys, jobs, results,
    webhooks and change-feed subscriptions.

    \b
    REST commands:     --url / QBDGW_URL, --api-key / QBDGW_API_KEY
    operator commands: AWS credentials, QBDGW_TABLE, AWS_REGION, QBDGW_AWS_ENDPOINT_URL
    results tail:      --queue-url / QBDGW_RESULTS_QUEUE_URL
    Every command takes --json.
    """


for group in (end_users, auth_sessions, api_keys, jobs, results, webhooks, feed):
    cli.add_command(group)


def main() -> None:
    cli(prog_name="qbdgw")
