"""Generate ``chalicelib/qbxml/models/``: typed pydantic models of every qbXML 16.0 message, from Intuit's XSD,
and the same models for the SDK in ``sdk/qbd_gateway_sdk/qbxml/``.

    python -m tools.gen_qbxml_models                        # (re)write both trees
    python -m tools.gen_qbxml_models --schema-dir DIR --out DIR --sdk-out DIR
    python -m tools.gen_qbxml_models --no-sdk               # the gateway's tree only

The schema is read from ``--schema-dir`` (default ``$QBDGW_SCHEMA_DIR``, else ``../shared/reference/qbxml``):
``16.0/qbxmlops160.xsd`` and the files it includes; it is never copied into the repository. The steps:

1. :mod:`tools.qbxml_xsd` reads the XSD into elements, sequences, choices and simple types;
2. :mod:`tools.qbxml_layout` flattens each aggregate into one class, fields in schema order, choices kept;
3. this module groups the classes by QuickBooks object and writes them (see :func:`generate`).

**Groups.** Each message goes to the group of its object: ``CustomerAddRq`` → ``Customer`` (the name less
``Rq``/``Rs`` and its verb: Add, Mod, Query, Del, Void, Merge, DeletedQuery), except every ``*ReportQuery``
→ ``Report`` and the terms → ``Terms`` (:data:`MERGED_GROUPS`). An aggregate lives in the group of its
object when it is that object's ``…Ret``/``…Add``/``…Mod`` (``CustomerRet`` in ``customer``, even though
``EntityQueryRs`` uses it too), else in the one group that uses it, else in ``_common`` (references,
addresses, filters, ``DataExtRet``, …) — and whatever ``_common`` uses is in ``_common``. A group imports
only ``_common`` and, for the object-union queries (Entity, Item, PayrollItem) and the special adds
(SpecialAccount, SpecialItem), the groups whose ``…Ret`` they return.

**The SDK's copy** (:func:`generate_sdk`) is the same modules with the import root
``qbd_gateway_sdk.qbxml`` instead of ``chalicelib.qbxml.models`` (rendered with that package, so imports
are wrapped as ruff wants them), plus what they need of the hand-written runtime: ``_base.py`` and
``_scalars.py`` copied with the package renamed and a "generated from chalicelib/qbxml/models: do not edit"
line, and an ``__init__.py`` of its own. Not ``_xml.py``: the SDK speaks JSON only, so it needs neither
lxml nor ``chalicelib``. Loading stays lazy per object group (``model_for``), as in the gateway.

The output is deterministic (schema order), ruff-clean, and ``tests/unit/qbxml/models/test_generated.py``
fails when the committed modules of either tree are not what this tool writes.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from tools.qbxml_emit import (
    COMMON,
    GENERATED,
    LINE,
    PACKAGE,
    SDK_PACKAGE,
    VERSION,
    ModuleWriter,
    enum_aliases,
    enum_values,
    module_name,
    quote,
    str_alias,
    wrap,
)
from tools.qbxml_layout import SPECIAL_NAMES, ClassLayout, class_layout, snake_case
from tools.qbxml_xsd import Schema, Simple, read_schema

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SCHEMA_DIR = Path(os.environ.get("QBDGW_SCHEMA_DIR", REPO.parent / "shared" / "reference" / "qbxml"))
OUT_DIR = REPO / "chalicelib" / "qbxml" / "models"
SDK_OUT_DIR = REPO / "sdk" / "qbd_gateway_sdk" / "qbxml"
SDK_RUNTIME = ("_base.py", "_scalars.py")  # the hand-written runtime the SDK's models need (not _xml.py: lxml)

VERBS = ("DeletedQuery", "Query", "Add", "Mod", "Del", "Void", "Merge")
MERGED_GROUPS = {"StandardTerms": "Terms", "DateDrivenTerms": "Terms"}
OWNED_SUFFIXES = ("Ret", "Add", "Mod")


# -- grouping ------------------------------------------------------------------------------------


def message_group(name: str) -> str:
    """``CustomerAddRq`` → ``Customer``, ``AgingReportQueryRs`` → ``Report``, ``StandardTermsAddRq`` → ``Terms``."""
    stem = name[:-2]
    for verb in VERBS:
        if stem.endswith(verb) and len(stem) > len(verb):
            stem = stem[: -len(verb)]
            break
    if stem.endswith("Report"):
        return "Report"
    return MERGED_GROUPS.get(stem, stem)


def _closure(layouts: dict[str, ClassLayout], roots: Iterable[str]) -> set[str]:
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        name = stack.pop()
        if name not in seen:
            seen.add(name)
            stack.extend(layouts[name].dependencies)
    return seen


def assign_groups(schema: Schema, layouts: dict[str, ClassLayout]) -> dict[str, str]:
    """The group of every class (``COMMON`` for the shared ones); see the module docstring."""
    messages = schema.requests + schema.subscription_requests + schema.responses
    home: dict[str, str] = {name: message_group(name) for name in messages}
    groups = sorted(set(home.values()))
    users: dict[str, set[str]] = defaultdict(set)
    for group in groups:
        for name in _closure(layouts, [m for m in messages if home[m] == group]):
            users[name].add(group)
    for name in layouts:
        if name in home or not users[name]:
            continue
        owner = next(
            (MERGED_GROUPS.get(name[: -len(s)], name[: -len(s)]) for s in OWNED_SUFFIXES if name.endswith(s)), None
        )
        if owner in users[name]:
            home[name] = owner
        else:
            home[name] = next(iter(users[name])) if len(users[name]) == 1 else COMMON
    changed = True
    while changed:  # what _common uses is common; a group imports no group that imports it back
        changed = False
        for name, group in list(home.items()):
            for dependency in layouts[name].dependencies:
                target = home[dependency]
                if target != group and target != COMMON and (group == COMMON or _imports(home, layouts, target, group)):
                    home[dependency] = COMMON
                    changed = True
    return home


def _imports(home: dict[str, str], layouts: dict[str, ClassLayout], source: str, target: str) -> bool:
    """True when group ``source`` imports group ``target`` (directly or through others)."""
    seen: set[str] = set()
    stack = [source]
    while stack:
        group = stack.pop()
        if group in seen:
            continue
        seen.add(group)
        for name, where in home.items():
            if where == group:
                for dependency in layouts[name].dependencies:
                    other = home[dependency]
                    if other == target:
                        return True
                    if other not in (group, COMMON):
                        stack.append(other)
    return False



# -- modules ------------------------------------------------------------------------------------


def _ordered(names: list[str], layouts: dict[str, ClassLayout]) -> list[str]:
    """Dependencies before their users (no forward references), otherwise schema order."""
    wanted = set(names)
    done: list[str] = []
    seen: set[str] = set()

    def visit(name: str) -> None:
        if name in seen:
            return
        seen.add(name)
        for dependency in layouts[name].dependencies:
            if dependency in wanted:
                visit(dependency)
        done.append(name)

    for name in names:
        visit(name)
    return done


def _types_module(layouts: dict[str, ClassLayout]) -> str:
    lengths: set[int] = set()
    enums = enum_values(layouts)
    for layout in layouts.values():
        for field in layout.fields:
            kind = field.type
            if isinstance(kind, Simple) and kind.kind == "str" and kind.max_length is not None and not kind.enum:
                lengths.add(kind.max_length)
    lines = [
        '"""The simple types qbXML restricts: strings by maximum length, and the named enumerations.',
        "",
        "``Str41`` is a string of at most 41 characters; ``ActiveStatus`` is the ``Literal`` of the values of",
        "qbXML's ``ActiveStatus`` element (an enumeration used in several places keeps one name).",
        "",
        GENERATED.format(version=VERSION),
        '"""',
        "",
        "from typing import Annotated, Literal",
        "",
        "from pydantic import Field",
        "",
    ]
    lines.extend(f"{str_alias(n)} = Annotated[str, Field(max_length={n})]" for n in sorted(lengths))
    for name, values in sorted(enums.items()):
        lines.extend(["", *wrap(f"{name} = Literal[", [quote(v) for v in values], "]", "")])
    return "\n".join(lines) + "\n"


def _table(name: str, annotation: str, rows: list[tuple[str, str]]) -> list[str]:
    return [f"{name}: {annotation} = {{", *(f"    {quote(k)}: {quote(v)}," for k, v in rows), "}"]


def _names_module(layouts: dict[str, ClassLayout]) -> str:
    names: dict[str, str] = {}
    unions: list[tuple[str, str]] = []
    for layout in layouts.values():
        for field in layout.fields:
            if field.kind == "union":
                unions.append((f"{layout.name}.{field.name}", field.xml_name))
            else:
                names[field.xml_name] = field.name
    special = [(xml, py) for xml, py in sorted(names.items()) if py != snake_case(xml)]
    lines = [
        '"""qbXML names and the Python (and JSON) names of the model fields: the generated mapping.',
        "",
        "The rule is snake_case (``ListID`` → ``list_id``, ``TxnID`` → ``txn_id``, ``FullName`` → ``full_name``,",
        "``IsVendorEligibleFor1099`` → ``is_vendor_eligible_for_1099``); :data:`SPECIAL_CASES` are the names",
        "that do not follow it, and :data:`UNION_FIELDS` the repeated choices that became one field",
        "(``InvoiceAdd.lines`` holds ``InvoiceLineAdd`` and ``InvoiceLineGroupAdd`` items, in document order).",
        "",
        GENERATED.format(version=VERSION),
        '"""',
        "",
        *_table("PYTHON_NAMES", "dict[str, str]", sorted(names.items())),
        "",
        "SPECIAL_CASES: dict[str, str] = {",
        *(f"    {quote(xml)}: {quote(py)},  # {SPECIAL_NAMES[xml][1]}" for xml, py in special),
        "}",
        "",
        "UNION_FIELDS: dict[str, tuple[str, ...]] = {",
        *(
            line
            for key, members in unions
            for line in wrap(f"{quote(key)}: (", [quote(m) for m in members.split("|")], "),", "    ")
        ),
        "}",
    ]
    return "\n".join(lines) + "\n"


def _registry_module(schema: Schema, home: dict[str, str], modules: dict[str, list[str]], package: str) -> str:
    requests = schema.requests + schema.subscription_requests
    lines = [
        '"""Where each model lives: the class name (the qbXML element name) → its module, and the messages.',
        "",
        f":func:`{package}.model_for` reads :data:`MODULES` to import one group on demand.",
        "",
        GENERATED.format(version=VERSION),
        '"""',
        "",
        f"QBXML_VERSION = {quote(VERSION)}",
        "",
        *_table("MODULES", "dict[str, str]", [(n, module_name(home[n])) for g in sorted(modules) for n in modules[g]]),
        "",
        "REQUESTS: tuple[str, ...] = (",
        *(f"    {quote(n)}," for n in requests),
        ")",
        "",
        "RESPONSES: tuple[str, ...] = (",
        *(f"    {quote(n)}," for n in schema.responses),
        ")",
    ]
    return "\n".join(lines) + "\n"


@functools.cache
def _model_set(schema_dir: Path) -> tuple[Schema, dict[str, ClassLayout], dict[str, str], dict[str, list[str]]]:
    """The schema read, its classes laid out and grouped (once per process: both trees render from it)."""
    schema = read_schema(schema_dir, VERSION)
    layouts = {name: class_layout(aggregate) for name, aggregate in schema.aggregates.items()}
    home = assign_groups(schema, layouts)
    modules: dict[str, list[str]] = defaultdict(list)
    for name in layouts:
        if name in home:
            modules[home[name]].append(name)
    return schema, layouts, home, dict(modules)


def generate(schema_dir: Path, package: str = PACKAGE) -> dict[str, str]:
    """Every generated module of the package, by file name, from the schema in ``schema_dir``; the modules
    import each other under ``package`` (the gateway's ``chalicelib.qbxml.models`` unless told)."""
    schema, layouts, home, modules = _model_set(schema_dir.resolve())
    files: dict[str, str] = {}
    aliases = enum_aliases(layouts)
    messages = schema.requests + schema.subscription_requests + schema.responses
    for group, names in sorted(modules.items()):
        ordered = _ordered(names, layouts)
        if group == COMMON:
            doc = "The aggregates several object groups share: references, addresses, filters, DataExt, lines…"
        else:
            own = [n for n in messages if home[n] == group and n.endswith("Rq")]
            doc = f"qbXML {group}: " + ", ".join(own) + " and their responses."
            if len(doc) > LINE - 3:
                doc = f"qbXML {group}: {len(own)} requests ({own[0]}, …) and their responses."
        writer = ModuleWriter(module_name(group), home, layouts, schema, aliases, package)
        files[f"{module_name(group)}.py"] = writer.render(ordered, doc)
    files["_types.py"] = _types_module(layouts)
    files["_names.py"] = _names_module(layouts)
    files["_registry.py"] = _registry_module(schema, home, modules, package)
    return files


# -- the SDK's tree ------------------------------------------------------------------------------


def sdk_runtime_copy(name: str, text: str) -> str:
    """A hand-written runtime module of the gateway's package as the SDK's: the package renamed, marked generated."""
    copied = text.replace(PACKAGE, SDK_PACKAGE)
    if "chalicelib" in copied or "lxml" in copied:
        raise ValueError(f"{name} still names chalicelib or lxml: the SDK cannot use it as it is")
    return f"# Generated by tools/gen_qbxml_models.py from chalicelib/qbxml/models/{name}: do not edit.\n{copied}"


_SDK_EXPORTS = {
    "_base": ("IdWithMacro", "ListObject", "QbxmlModel", "QbxmlRequest", "QbxmlResponse", "Tagged", "TxnObject",
              "model_for"),
    "_registry": ("QBXML_VERSION", "REQUESTS", "RESPONSES"),
}


def _sdk_init() -> str:
    names = sorted((n for group in _SDK_EXPORTS.values() for n in group), key=lambda n: (not n.isupper(), n))
    lines = [
        f'"""Typed qbXML {VERSION} in the SDK: a frozen pydantic v2 model of every request, response and aggregate.',
        "",
        "The same classes as the gateway's ``chalicelib/qbxml/models`` (one generator writes both), for JSON only:",
        "the gateway's typed API answers records as their model's JSON, and ``CustomerRet.model_validate(data)``",
        "reads it back (amounts as ``Decimal``, ``id`` beside ``list_id``/``txn_id``, ``revision_number``). Writing",
        "and reading qbXML is the gateway's job, so there is no lxml here. Importing this package imports no object",
        "group; :func:`model_for` imports one on demand::",
        "",
        "    from qbd_gateway_sdk.qbxml import model_for",
        "    from qbd_gateway_sdk.qbxml.customer import CustomerRet",
        "",
        "    customer = CustomerRet.model_validate(answer)   # answer: the JSON of GET …/customers/{id}",
        "    customer.id, customer.balance                   # the ListID, a Decimal",
        '    model_for("InvoiceRet")                         # the class, importing only the invoice group',
        "",
        GENERATED.format(version=VERSION),
        '"""',
        "",
    ]
    for module, exported in _SDK_EXPORTS.items():
        ordered = sorted(exported, key=_export_key)
        one = f"from {SDK_PACKAGE}.{module} import {', '.join(ordered)}"
        lines.extend([one] if len(one) <= LINE else [f"from {SDK_PACKAGE}.{module} import (",
                                                      *(f"    {n}," for n in ordered), ")"])
    lines.extend(["", "__all__ = [", *(f"    {quote(n)}," for n in names), "]"])
    return "\n".join(lines) + "\n"


def _export_key(name: str) -> tuple[int, str]:
    """Ruff's isort order within one import: CONSTANTS, Classes, functions."""
    return (0 if name.isupper() else 1 if name[:1].isupper() else 2), name.lower()


def generate_sdk(schema_dir: Path, runtime_dir: Path = OUT_DIR) -> dict[str, str]:
    """Every module of ``qbd_gateway_sdk.qbxml``: the generated ones rendered for that package, the runtime
    (``_base.py``, ``_scalars.py``) copied from ``runtime_dir`` (the gateway's package), and its ``__init__``."""
    files = generate(schema_dir, SDK_PACKAGE)
    for name in SDK_RUNTIME:
        files[name] = sdk_runtime_copy(name, (runtime_dir / name).read_text(encoding="utf-8"))
    files["__init__.py"] = _sdk_init()
    return files


def is_generated(text: str) -> bool:
    return "Generated by tools/gen_qbxml_models.py" in text[:2000]


def write(files: dict[str, str], out: Path) -> list[str]:
    """Write ``files`` into ``out``; remove generated modules that are no longer generated. Returns changes."""
    out.mkdir(parents=True, exist_ok=True)
    changed = []
    for stale in sorted(out.glob("*.py")):
        if stale.name not in files and is_generated(stale.read_text(encoding="utf-8")):
            stale.unlink()
            changed.append(f"removed {stale.name}")
    for name, text in files.items():
        path = out / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(f"wrote {name}")
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--schema-dir", type=Path, default=DEFAULT_SCHEMA_DIR, help="folder holding 16.0/")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="the models package folder")
    parser.add_argument("--sdk", action=argparse.BooleanOptionalAction, default=True,
                        help="also write the SDK's copy (default; --no-sdk writes the gateway's tree only)")
    parser.add_argument("--sdk-out", type=Path, default=SDK_OUT_DIR, help="the SDK's models package folder")
    args = parser.parse_args(argv)
    trees = [(generate(args.schema_dir), args.out)]
    if args.sdk:
        trees.append((generate_sdk(args.schema_dir), args.sdk_out))  # the runtime: the committed one
    for files, out in trees:
        changes = write(files, out)
        lines = sum(text.count("\n") for text in files.values())
        print(f"{len(files)} modules, {lines} lines in {out}: {len(changes) or 'nothing'} changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
