"""Typed, frozen models of the twelve SOAP calls the Web Connector makes.

The Web Connector (QBWC) speaks document/literal SOAP 1.1: every request Body holds one element named
after the operation (``authenticate``, ``sendRequestXML``, …) whose children are the parameters. This
module turns that vocabulary into Python: one frozen dataclass per operation, with snake_case fields
and the exact SOAP element names kept beside them in :attr:`PARAMS`.

Each class carries three class-level facts, which the codec (``codec.py``) and the WSDL
(``wsdl.py``) both read, so the names live in one place only:

* ``METHOD`` — the SOAP operation name, exactly as QBWC writes it;
* ``PARAMS`` — the request parameters in WSDL order, each a :class:`Param` (element name, field
  name, XML Schema type);
* ``RESULT`` — the type of ``<METHOD>Result`` in the response: ``"string"``, ``"int"`` or
  ``"ArrayOfString"``.

A parameter missing from the request is ``""`` (strings) or ``None`` (ints): Intuit's WSDL makes every
string ``minOccurs="0"``, and QBWC writes empty strings as ``<hresult />``. Secrets stay out of logs:
the ``repr`` of :class:`Authenticate` never shows the password.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Literal, TypeAlias

ResultType = Literal["string", "int", "ArrayOfString"]


@dataclass(frozen=True)
class Param:
    """One request parameter: its SOAP element name, our field name and its XML Schema type."""

    element: str
    attr: str
    xsd_type: Literal["string", "int"] = "string"


_TICKET = Param("ticket", "ticket")
_WC_TICKET = Param("wcTicket", "ticket")


@dataclass(frozen=True)
class ServerVersion:
    """``serverVersion()`` — QBWC asks for our version text (no parameters)."""

    METHOD: ClassVar[str] = "serverVersion"
    PARAMS: ClassVar[tuple[Param, ...]] = ()
    RESULT: ClassVar[ResultType] = "string"


@dataclass(frozen=True)
class GetServerVersion:
    """``getServerVersion(ticket)`` — version text for QBWC's "More Information" dialog."""

    ticket: str = ""

    METHOD: ClassVar[str] = "getServerVersion"
    PARAMS: ClassVar[tuple[Param, ...]] = (_TICKET,)
    RESULT: ClassVar[ResultType] = "string"


@dataclass(frozen=True)
class ClientVersion:
    """``clientVersion(strVersion)`` — QBWC's own version, e.g. ``2.3.0.215``."""

    str_version: str = ""

    METHOD: ClassVar[str] = "clientVersion"
    PARAMS: ClassVar[tuple[Param, ...]] = (Param("strVersion", "str_version"),)
    RESULT: ClassVar[ResultType] = "string"


@dataclass(frozen=True)
class Authenticate:
    """``authenticate(strUserName, strPassword)`` — the password is never part of ``repr``."""

    user_name: str = ""
    password: str = field(default="", repr=False)

    METHOD: ClassVar[str] = "authenticate"
    PARAMS: ClassVar[tuple[Param, ...]] = (
        Param("strUserName", "user_name"),
        Param("strPassword", "password"),
    )
    RESULT: ClassVar[ResultType] = "ArrayOfString"


@dataclass(frozen=True)
class SendRequestXML:
    """``sendRequestXML(...)`` — QBWC asks for the next qbXML request.

    ``hcp_response`` (Host, Company and Preferences queries) is filled in the first call of a session
    only. The qbXML version numbers are ``s:int`` in the WSDL; ``None`` when absent.
    """

    ticket: str = ""
    hcp_response: str = ""
    company_file_name: str = ""
    qbxml_country: str = ""
    qbxml_major_vers: int | None = None
    qbxml_minor_vers: int | None = None

    METHOD: ClassVar[str] = "sendRequestXML"
    PARAMS: ClassVar[tuple[Param, ...]] = (
        _TICKET,
        Param("strHCPResponse", "hcp_response"),
        Param("strCompanyFileName", "company_file_name"),
        Param("qbXMLCountry", "qbxml_country"),
        Param("qbXMLMajorVers", "qbxml_major_vers", "int"),
        Param("qbXMLMinorVers", "qbxml_minor_vers", "int"),
    )
    RESULT: ClassVar[ResultType] = "string"


@dataclass(frozen=True)
class ReceiveResponseXML:
    """``receiveResponseXML(...)`` — QuickBooks' answer, or an HRESULT when it threw instead."""

    ticket: str = ""
    response: str = ""
    hresult: str = ""
    message: str = ""

    METHOD: ClassVar[str] = "receiveResponseXML"
    PARAMS: ClassVar[tuple[Param, ...]] = (
        _TICKET,
        Param("response", "response"),
        Param("hresult", "hresult"),
        Param("message", "message"),
    )
    RESULT: ClassVar[ResultType] = "int"


@dataclass(frozen=True)
class QbwcConnectionError:
    """``connectionError(ticket, hresult, message)`` — QBWC could not open QuickBooks.

    Named so it does not shadow Python's builtin ``ConnectionError``.
    """

    ticket: str = ""
    hresult: str = ""
    message: str = ""

    METHOD: ClassVar[str] = "connectionError"
    PARAMS: ClassVar[tuple[Param, ...]] = (_TICKET, Param("hresult", "hresult"), Param("message", "message"))
    RESULT: ClassVar[ResultType] = "string"


@dataclass(frozen=True)
class GetLastError:
    """``getLastError(ticket)`` — an error text, ``NoOp`` or ``Interactive mode``."""

    ticket: str = ""

    METHOD: ClassVar[str] = "getLastError"
    PARAMS: ClassVar[tuple[Param, ...]] = (_TICKET,)
    RESULT: ClassVar[ResultType] = "string"


@dataclass(frozen=True)
class CloseConnection:
    """``closeConnection(ticket)`` — the session ends; the answer is shown in QBWC's status column."""

    ticket: str = ""

    METHOD: ClassVar[str] = "closeConnection"
    PARAMS: ClassVar[tuple[Param, ...]] = (_TICKET,)
    RESULT: ClassVar[ResultType] = "string"


@dataclass(frozen=True)
class GetInteractiveURL:
    """``getInteractiveURL(wcTicket, sessionID)`` — interactive mode: the URL to open."""

    ticket: str = ""
    session_id: str = ""

    METHOD: ClassVar[str] = "getInteractiveURL"
    PARAMS: ClassVar[tuple[Param, ...]] = (_WC_TICKET, Param("sessionID", "session_id"))
    RESULT: ClassVar[ResultType] = "string"


@dataclass(frozen=True)
class InteractiveDone:
    """``interactiveDone(wcTicket)`` — QBWC polls until interactive mode is over."""

    ticket: str = ""

    METHOD: ClassVar[str] = "interactiveDone"
    PARAMS: ClassVar[tuple[Param, ...]] = (_WC_TICKET,)
    RESULT: ClassVar[ResultType] = "string"


@dataclass(frozen=True)
class InteractiveRejected:
    """``interactiveRejected(wcTicket, reason)`` — the user declined or timed out."""

    ticket: str = ""
    reason: str = ""

    METHOD: ClassVar[str] = "interactiveRejected"
    PARAMS: ClassVar[tuple[Param, ...]] = (_WC_TICKET, Param("reason", "reason"))
    RESULT: ClassVar[ResultType] = "string"


#: Any one of the twelve calls (a union: ``isinstance(call, SoapCall)`` works).
SoapCall: TypeAlias = (
    ServerVersion
    | GetServerVersion
    | ClientVersion
    | Authenticate
    | SendRequestXML
    | ReceiveResponseXML
    | QbwcConnectionError
    | GetLastError
    | CloseConnection
    | GetInteractiveURL
    | InteractiveDone
    | InteractiveRejected
)

CallType: TypeAlias = (
    type[ServerVersion]
    | type[GetServerVersion]
    | type[ClientVersion]
    | type[Authenticate]
    | type[SendRequestXML]
    | type[ReceiveResponseXML]
    | type[QbwcConnectionError]
    | type[GetLastError]
    | type[CloseConnection]
    | type[GetInteractiveURL]
    | type[InteractiveDone]
    | type[InteractiveRejected]
)

#: Every call class, in the order our WSDL declares the operations (Intuit's eight first).
CALL_TYPES: tuple[CallType, ...] = (
    ServerVersion,
    ClientVersion,
    Authenticate,
    SendRequestXML,
    ReceiveResponseXML,
    QbwcConnectionError,
    GetLastError,
    CloseConnection,
    GetInteractiveURL,
    InteractiveDone,
    InteractiveRejected,
    GetServerVersion,
)

#: SOAP operation name → call class.
CALLS_BY_METHOD: Mapping[str, CallType] = {cls.METHOD: cls for cls in CALL_TYPES}
