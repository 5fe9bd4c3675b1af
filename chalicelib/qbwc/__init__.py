"""QuickBooks Web Connector: SOAP codec, WSDL, .qwc builder and the session service (no boto3)."""
