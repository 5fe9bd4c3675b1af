"""Jobs: the domain of the gateway — end-users, jobs, the per-company-file queue (no boto3)."""
