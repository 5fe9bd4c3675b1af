"""Store adapters: DynamoDB (production, moto, dynalite) and an in-memory twin for unit tests."""
