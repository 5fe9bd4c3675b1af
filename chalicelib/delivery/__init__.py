"""Delivery: result messages to the SaaS over SQS (FIFO, grouped per end-user, deduplicated per job)."""
