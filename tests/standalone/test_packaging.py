"""Each addon's wheel carries it under odoo.addons, data files included, and Odoo finds it there;
a bridge's wheel requires the main addon's."""

import ast
import importlib.util
import os
import subprocess
import sys
import zipfile

import pytest

from .conftest import ADDON

ROOT = ADDON.parent
# the main addon and its bridges: every directory of the repository holding a manifest
ADDONS = sorted(path.parent.name for path in ROOT.glob("*/__manifest__.py"))


@pytest.fixture(scope="module", params=ADDONS)
def addon(request):
    return request.param


@pytest.fixture(scope="module")
def addon_manifest(addon):
    return ast.literal_eval((ROOT / addon / "__manifest__.py").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory, addon):
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         str(ROOT), "-w", str(out)],
        check=True, env={**os.environ, "CLC_ADDON": addon},
    )  # fmt: skip
    (path,) = out.glob("*.whl")
    return path


def test_the_repository_holds_the_main_addon_and_its_two_bridges():
    assert ADDONS == [
        "customer_lifecycle",
        "customer_lifecycle_mass_mailing",
        "customer_lifecycle_pos",
    ]


def test_wheel_is_named_and_versioned_from_the_manifest(wheel, addon, addon_manifest):
    assert wheel.name == f"odoo_addon_{addon}-{addon_manifest['version']}-py3-none-any.whl"


def test_wheel_holds_every_addon_file_under_odoo_addons_and_nothing_else(wheel, addon):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        f"odoo/addons/{addon}/" + str(path.relative_to(ROOT / addon))
        for path in (ROOT / addon).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert f"odoo/addons/{addon}/__manifest__.py" in names
    assert expected <= names, sorted(expected - names)
    shipped = {n for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert shipped == expected, sorted(shipped - expected)


def test_wheel_declares_the_manifest_python_dependencies(wheel, addon, addon_manifest):
    metadata = next(n for n in zipfile.ZipFile(wheel).namelist() if n.endswith("METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    python = addon_manifest.get("external_dependencies", {}).get("python", [])
    ours = [f"odoo-addon-{dep}>={addon_manifest['version']}"
            for dep in addon_manifest["depends"] if dep in ADDONS]  # fmt: skip
    for requirement in ["odoo<19.1dev,>=19.0a", *ours, *python]:
        assert f"Requires-Dist: {requirement}" in text
    if addon != "customer_lifecycle":
        assert ours, "a bridge requires the main addon's wheel"


@pytest.mark.skipif(
    importlib.util.find_spec("odoo") is None, reason="Odoo 19 is not installed in this venv"
)
def test_odoo_finds_the_addon_installed_from_the_wheel(wheel, addon, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
         str(wheel)],
        check=True,
    )  # fmt: skip
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from odoo.modules.module import Manifest;"
        f"print(Manifest.for_addon({addon!r}).path)"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe, str(target)], check=True, capture_output=True, text=True
    ).stdout.strip()
    assert found == str(target / "odoo" / "addons" / addon)
    assert ast.literal_eval((target / f"odoo/addons/{addon}/__manifest__.py").read_text())
