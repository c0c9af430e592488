"""The wheel carries the addon under odoo.addons, data files included, and Odoo finds it there."""

import ast
import importlib.util
import subprocess
import sys
import zipfile

import pytest

from .conftest import ADDON

ROOT = ADDON.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         str(ROOT), "-w", str(out)],
        check=True,
    )  # fmt: skip
    (path,) = out.glob("*.whl")
    return path


def test_wheel_is_named_and_versioned_from_the_manifest(wheel, manifest):
    assert wheel.name == f"odoo_addon_customer_lifecycle-{manifest['version']}-py3-none-any.whl"


def test_wheel_holds_every_addon_file_under_odoo_addons(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        "odoo/addons/customer_lifecycle/" + str(path.relative_to(ADDON))
        for path in ADDON.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert "odoo/addons/customer_lifecycle/__manifest__.py" in names
    assert "odoo/addons/customer_lifecycle/views/lifecycle_stage_views.xml" in names
    assert expected <= names, sorted(expected - names)
    assert not any(n in names for n in ("odoo/__init__.py", "odoo/addons/__init__.py"))


def test_wheel_declares_the_manifest_python_dependencies(wheel, manifest):
    metadata = next(n for n in zipfile.ZipFile(wheel).namelist() if n.endswith("METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    for requirement in ["odoo<19.1dev,>=19.0a", *manifest["external_dependencies"]["python"]]:
        assert f"Requires-Dist: {requirement}" in text


@pytest.mark.skipif(
    importlib.util.find_spec("odoo") is None, reason="Odoo 19 is not installed in this venv"
)
def test_odoo_finds_the_addon_installed_from_the_wheel(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
         str(wheel)],
        check=True,
    )  # fmt: skip
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from odoo.modules.module import Manifest;"
        "print(Manifest.for_addon('customer_lifecycle').path)"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe, str(target)], check=True, capture_output=True, text=True
    ).stdout.strip()
    assert found == str(target / "odoo" / "addons" / "customer_lifecycle")
    assert ast.literal_eval((target / "odoo/addons/customer_lifecycle/__manifest__.py").read_text())
