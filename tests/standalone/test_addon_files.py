"""The addon's files are consistent with each other, checked without Odoo."""

import ast
import csv
import re
import xml.etree.ElementTree as ET

import pytest

from .conftest import ADDON

XML_FILES = sorted(ADDON.rglob("*.xml"))
# DESIGN.md's list, contacts (the funnel is also a menu of the Contacts app, issue 4) and
# privacy_lookup (its lookup finds the addon's personal data, issue 5; auto-installed with mail).
DESIGN_DEPENDS = {
    "sale_management", "sale_margin", "account", "mail", "phone_validation", "utm", "contacts",
    "privacy_lookup",
}  # fmt: skip


def addon_models():
    """Models with access rights the addon defines (`_name` on a models.Model or a
    TransientModel), read from its sources."""
    names = set()
    for path in ADDON.rglob("*.py"):
        for cls in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(cls, ast.ClassDef):
                continue
            if not any(
                isinstance(b, ast.Attribute) and b.attr in ("Model", "TransientModel")
                for b in cls.bases
            ):
                continue
            attrs = {
                t.id: ast.literal_eval(node.value)
                for node in cls.body
                if isinstance(node, ast.Assign)
                for t in node.targets
                if isinstance(t, ast.Name) and t.id in ("_name", "_inherit")
            }
            inherited = attrs.get("_inherit", [])
            inherited = [inherited] if isinstance(inherited, str) else inherited
            if "_name" in attrs and attrs["_name"] not in inherited:  # not an extension
                names.add(attrs["_name"])
    return names


def xml_ids_defined():
    ids = set()
    for path in XML_FILES:
        for element in ET.parse(path).iter():
            if element.tag in ("record", "menuitem", "template") and element.get("id"):
                ids.add(element.get("id"))
    return ids


@pytest.mark.parametrize("path", XML_FILES, ids=lambda p: str(p.relative_to(ADDON)))
def test_xml_file_is_well_formed(path):
    root = ET.parse(path).getroot()
    # Data files for Odoo's loader; the web client's templates under static/.
    assert root.tag == ("templates" if "static" in path.relative_to(ADDON).parts else "odoo")


def test_manifest_names_a_valid_version_licence_and_the_design_dependencies(manifest):
    assert re.fullmatch(r"19\.0\.\d+\.\d+\.\d+", manifest["version"])
    assert manifest["license"] in {"LGPL-3", "AGPL-3"}
    assert set(manifest["depends"]) == DESIGN_DEPENDS
    assert manifest.get("installable", True) is True


def test_every_manifest_file_exists_and_every_data_file_is_listed(manifest):
    listed = manifest["data"] + manifest.get("demo", [])
    missing = [name for name in listed if not (ADDON / name).is_file()]
    assert not missing, f"listed in the manifest but missing: {missing}"
    data_files = {
        str(path.relative_to(ADDON))
        for folder in ("data", "demo", "security", "views", "report", "wizard")
        for path in (ADDON / folder).glob("*")
        if path.suffix in (".xml", ".csv")
    }
    unlisted = sorted(data_files - set(listed))
    assert not unlisted, f"data files the manifest does not load: {unlisted}"


def test_access_rules_name_existing_models_and_groups(manifest):
    models = addon_models()
    xml_ids = xml_ids_defined()
    with open(ADDON / "security" / "ir.model.access.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows
    for row in rows:
        model_ref = row["model_id:id"]
        if "." not in model_ref:  # the addon's own model
            assert model_ref.startswith("model_")
            assert model_ref[len("model_") :] in {m.replace(".", "_") for m in models}, row["id"]
        group = row["group_id:id"]
        if group and "." not in group:
            assert group in xml_ids, f"{row['id']}: unknown group {group}"
        elif group:
            assert group.split(".")[0] in {"base", *manifest["depends"], "sales_team"}, row["id"]
        perms = {row[p] for p in ("perm_read", "perm_write", "perm_create", "perm_unlink")}
        assert perms <= {"0", "1"}, row["id"]


def test_every_addon_model_has_access_rules():
    with open(ADDON / "security" / "ir.model.access.csv", newline="", encoding="utf-8") as handle:
        covered = {row["model_id:id"] for row in csv.DictReader(handle)}
    for model in addon_models():
        assert "model_" + model.replace(".", "_") in covered, f"{model} has no access rule"
