"""From the XSD's nested particles to the flat classes the generator writes (``tools/gen_qbxml_models.py``).

Every aggregate becomes one class whose fields are its elements **in schema order**, groups and choices
flattened into the sequence — an ``xsd:group`` or an ``xsd:choice`` occupies one run of consecutive
positions of its parent's sequence, so emitting the set fields in field order is emitting schema order.
What flattening loses is kept beside the fields as *choices* (:class:`ChoiceLayout`): the branches of
every ``xsd:choice``, which fields each branch holds and which of them the branch requires. The runtime
(``chalicelib/qbxml/models/_base.py``) checks them: at most one branch set (exactly one for a required
choice, unless a branch may be empty), and the chosen branch complete.

Two shapes are not flattened:

* a *repeated* choice (``<xsd:choice maxOccurs="unbounded">`` of elements, e.g. ``InvoiceLineAdd |
  InvoiceLineGroupAdd``) becomes ONE field holding a tuple of either class, because its items may
  interleave; the field's name follows :func:`union_field_name` (``lines``, ``rets``, ``rows``);
* an ID with a ``useMacro`` attribute becomes the hand-written ``IdWithMacro``.

Names are snake_case (:func:`python_name`), with the few special cases of :data:`SPECIAL_NAMES`.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field

from tools.qbxml_xsd import Aggregate, Choice, Element, IdWithMacro, Particle, Sequence, Simple

# qbXML names whose Python name is not the plain snake_case of the qbXML name, and why.
SPECIAL_NAMES: dict[str, tuple[str, str]] = {
    "EditSequence": ("revision_number", "what it is: QuickBooks' optimistic-locking revision, not a sequence"),
}
# Python names a field may not take (BaseModel's own attributes, keywords); such a field gets a trailing "_".
RESERVED = frozenset(
    {"copy", "dict", "json", "schema", "construct", "validate", "fields", "id", "model_config", "model_fields"}
    | set(keyword.kwlist)
)


def snake_case(name: str) -> str:
    """``ListID`` → ``list_id``, ``QBCommandExec`` → ``qb_command_exec``, ``Addr1`` → ``addr1``, ``For1099`` →
    ``for_1099``."""
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    text = re.sub(r"([a-z\d])([A-Z])", r"\1_\2", text)
    text = re.sub(r"([a-z])(\d{3,})", r"\1_\2", text)  # IsVendorEligibleFor1099 → ..._for_1099
    return text.lower()


def python_name(xml_name: str) -> str:
    """The Python (and JSON) name of a qbXML element or attribute."""
    if xml_name in SPECIAL_NAMES:
        return SPECIAL_NAMES[xml_name][0]
    name = snake_case(xml_name)
    if name in RESERVED or name.startswith("model_"):
        name += "_"
    return name


def union_field_name(element_names: list[str]) -> str:
    """The field of a repeated choice: ``lines`` (…Line…), ``rets`` (…Ret), ``rows`` (…Row), else A_or_B."""
    if all("Line" in name for name in element_names):
        return "lines"
    if all(name.endswith("Ret") for name in element_names):
        return "rets"
    if all(name.endswith("Row") for name in element_names):
        return "rows"
    return "_or_".join(python_name(name) for name in element_names)


@dataclass
class FieldLayout:
    """One field: ``kind`` is ``attr``, ``elem`` or ``union``; ``type`` a Simple, an aggregate name,
    IdWithMacro, or (union) the aggregates' names."""

    name: str
    xml_name: str
    kind: str
    type: Simple | str | IdWithMacro | tuple[str, ...]
    required: bool = False  # required by pydantic (outside any choice, minOccurs >= 1)
    repeated: bool = False
    min_items: int = 0
    max_items: int | None = None


@dataclass
class BranchLayout:
    fields: list[str] = field(default_factory=list)  # every field of the branch, nested choices included
    required: list[str] = field(default_factory=list)  # the fields that must be set when this branch is
    choices: list[ChoiceLayout] = field(default_factory=list)

    @property
    def emptiable(self) -> bool:
        """True when the branch may be chosen with nothing in it (all optional)."""
        return not self.required and all(c.optional or c.emptiable for c in self.choices)


@dataclass
class ChoiceLayout:
    optional: bool
    branches: list[BranchLayout] = field(default_factory=list)

    @property
    def emptiable(self) -> bool:
        return any(branch.emptiable for branch in self.branches)


@dataclass
class ClassLayout:
    name: str
    fields: list[FieldLayout] = field(default_factory=list)
    choices: list[ChoiceLayout] = field(default_factory=list)

    @property
    def dependencies(self) -> list[str]:
        found: list[str] = []
        for item in self.fields:
            names = item.type if isinstance(item.type, tuple) else (item.type,)
            found.extend(name for name in names if isinstance(name, str) and name not in found)
        return found


class LayoutError(ValueError):
    """Flattening would be ambiguous (an element twice in one class, a repeated sequence…)."""


class _Flattener:
    def __init__(self, layout: ClassLayout) -> None:
        self.layout = layout

    def add(self, particle: Particle, required: bool, branch: BranchLayout | None) -> None:
        """Add ``particle``'s fields; ``required``: its context is required; ``branch``: the innermost branch."""
        if particle.max == 0:
            return
        if isinstance(particle, Element):
            self.element(particle, required, branch)
        elif isinstance(particle, Sequence):
            if particle.max is None or particle.max > 1:
                raise LayoutError(f"{self.layout.name}: a repeated sequence cannot be flattened")
            for item in particle.items:
                self.add(item, required and particle.min >= 1, branch)
        elif particle.max is None or particle.max > 1:
            self.union(particle, required, branch)
        else:
            self.choice(particle, required, branch)

    def _field(self, item: FieldLayout, branch: BranchLayout | None, required_here: bool) -> None:
        if any(f.xml_name == item.xml_name or f.name == item.name for f in self.layout.fields):
            raise LayoutError(f"{self.layout.name}: {item.xml_name} would be two fields")
        self.layout.fields.append(item)
        if branch is not None:
            branch.fields.append(item.name)
            if required_here:
                branch.required.append(item.name)

    def element(self, element: Element, required: bool, branch: BranchLayout | None) -> None:
        needed = element.min >= 1 and required
        item = FieldLayout(
            name=python_name(element.name),
            xml_name=element.name,
            kind="elem",
            type=element.type,
            required=needed and branch is None,
            repeated=element.repeated,
            min_items=element.min if element.repeated and needed and branch is None else 0,
            max_items=element.max if element.repeated else None,
        )
        self._field(item, branch, needed)

    def union(self, choice: Choice, required: bool, branch: BranchLayout | None) -> None:
        names: list[str] = []
        for option in choice.branches:
            if not isinstance(option, Element) or not isinstance(option.type, str) or option.repeated:
                raise LayoutError(f"{self.layout.name}: a repeated choice must be of single aggregates")
            names.append(option.type)
        needed = choice.min >= 1 and required
        item = FieldLayout(
            name=union_field_name(names),
            xml_name="|".join(names),
            kind="union",
            type=tuple(names),
            required=needed and branch is None,
            repeated=True,
            min_items=choice.min if needed and branch is None else 0,
            max_items=choice.max,
        )
        self._field(item, branch, needed)

    def choice(self, choice: Choice, required: bool, branch: BranchLayout | None) -> None:
        layout = ChoiceLayout(optional=not (required and choice.min >= 1))
        for option in choice.branches:
            inner = BranchLayout()
            layout.branches.append(inner)
            self.add(option, True, inner)
        if branch is None:
            self.layout.choices.append(layout)
        else:
            branch.choices.append(layout)
            for inner in layout.branches:
                branch.fields.extend(inner.fields)


def class_layout(aggregate: Aggregate) -> ClassLayout:
    """The flat class of one aggregate: attributes first, then elements in schema order."""
    layout = ClassLayout(aggregate.name)
    for attribute in aggregate.attributes:
        layout.fields.append(
            FieldLayout(python_name(attribute.name), attribute.name, "attr", attribute.type, attribute.required)
        )
    _Flattener(layout).add(aggregate.content, True, None)
    return layout
