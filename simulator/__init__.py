"""The customer's side of qbd-gateway, simulated: a QuickBooks company file and a Web Connector."""
