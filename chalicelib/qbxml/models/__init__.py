"""Typed qbXML 16.0: a frozen pydantic v2 model for every request (268 ``*Rq``), response and aggregate.

The models are generated from Intuit's XSD by ``python -m tools.gen_qbxml_models`` (the schema stays
outside the repository; the generated modules are committed and a test regenerates and compares them).
This package is the runtime: it imports no object group — :func:`model_for` imports one on demand::

    from chalicelib.qbxml.models import from_qbxml, model_for, to_qbxml
    from chalicelib.qbxml.models.customer import CustomerAdd, CustomerAddRq

    request = CustomerAddRq(customer_add=CustomerAdd(name="Acme", open_balance="10.50"))
    to_qbxml(request)      # '<CustomerAddRq><CustomerAdd><Name>Acme</Name>…' in schema order: a job's qbXML
    from_qbxml(answer)     # a *Rs / *Ret / *Rq element (text, bytes or lxml) → its model
    request.model_dump(mode="json")  # snake_case names, Decimals as strings

What the models enforce, and how names and values map, is in ``docs/models.md``: maximum lengths,
enumerations (``Literal``), required fields, every ``xsd:choice`` (one branch, complete); amounts are
``Decimal``, dates ``date``, date-times ``datetime`` keeping QuickBooks' offset; ``EditSequence`` is
``revision_number``; a ``*Ret``'s ``ListID``/``TxnID`` is also ``id``. Requests are read strictly;
responses leniently, with what was skipped reported by :func:`skipped_elements`.

Why a generator of our own
--------------------------
Measured on qbXML 16.0 (2 cores, fresh interpreter, median of 5; pydantic 2.14, Python 3.11):

=========================================  ===================  ===================  ==================
                                           ours (generated)     xsdata 26.10 +       pydantic-xml 2.22
                                                                xsdata-pydantic 24.5 (our layouts)
=========================================  ===================  ===================  ==================
keeps schema order when writing            yes                  yes                  yes
keeps interleaved repeated choices         yes (tagged union)   no: one list per     yes (union)
(``InvoiceLineAdd | InvoiceLineGroupAdd``)                      element
enforces maxLength                         yes                  no (metadata only)   yes
enforces enumerations / required fields    yes / yes            yes / yes            yes / yes
enforces ``xsd:choice`` (one branch)       yes                  no                   no
amounts, date-times                        Decimal, datetime    str (pattern not     what we declare
                                                                enforced)
reads elements out of order / unknown      yes / skips, reports yes / error or       no / error or
                                                                silently ignored     silently ignored
runtime dependency                         pydantic, lxml       + xsdata,            + pydantic-xml
                                                                xsdata-pydantic
import: runtime only                       0.10 s               0.17 s               0.19 s
import: one group (Customer)               0.20 s               0.17 s               0.84 s
import: whole set                          1.04 s               1.95 s (1.64 s as    4.74 s
                                                                one module)
generated code                             117 modules, 44,887  2,130 modules,       114 modules,
                                           lines, 1.5 MB        101,629 lines,       13,106 lines,
                                                                2.8 MB               0.9 MB (no choices)
=========================================  ===================  ===================  ==================

xsdata generates every global simple element as a wrapper class (``OpenBalance(value="10.00")``),
leaves maxLength, patterns and choices unchecked, and splits interleaved lines into one list per element
type — which reorders an invoice's lines and groups. pydantic-xml is a runtime, not a generator: fed by
this generator's layouts, it writes in order and checks what pydantic checks, but still needs our choice
validation, refuses elements out of order when reading, and costs 4 to 5 times the import time (it builds its
serializers when each class is defined; ours defer pydantic's schema building to first use). The own
generator is the only one that enforces all of qbXML's rules, and it is also the fastest to import.
"""

from chalicelib.qbxml.models._base import (
    IdWithMacro,
    ListObject,
    QbxmlModel,
    QbxmlRequest,
    QbxmlResponse,
    Tagged,
    TxnObject,
    model_for,
)
from chalicelib.qbxml.models._registry import QBXML_VERSION, REQUESTS, RESPONSES
from chalicelib.qbxml.models._xml import (
    QbxmlParseError,
    from_qbxml,
    messages_from_qbxml,
    skipped_elements,
    to_element,
    to_qbxml,
)

__all__ = [
    "QBXML_VERSION",
    "REQUESTS",
    "RESPONSES",
    "IdWithMacro",
    "ListObject",
    "QbxmlModel",
    "QbxmlParseError",
    "QbxmlRequest",
    "QbxmlResponse",
    "Tagged",
    "TxnObject",
    "from_qbxml",
    "messages_from_qbxml",
    "model_for",
    "skipped_elements",
    "to_element",
    "to_qbxml",
]
