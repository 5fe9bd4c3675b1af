"""Delivery: result messages to the SaaS over SQS (FIFO, grouped per end-user, deduplicated per job), and
large answers to S3 (the message then carries a pointer)."""
