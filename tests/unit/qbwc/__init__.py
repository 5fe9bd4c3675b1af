"""Unit tests of the Web Connector edge: SOAP codec, typed calls, WSDL and .qwc builder."""
