"""qbd-gateway: a serverless QuickBooks Web Connector gateway (Chalice on AWS Lambda)."""
