"""The SaaS-facing edges: REST routes, API-key auth, the SQS ingress handler, the support page."""
