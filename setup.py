"""Wheels `odoo-addon-<addon>`: install an addon of this repository as `odoo.addons.<addon>`.

`pip wheel .` builds the main addon, customer_lifecycle; `CLC_ADDON=customer_lifecycle_pos pip
wheel --no-build-isolation .` a bridge (`make wheel` builds them all). `odoo` and `odoo.addons`
are namespace packages, so nothing is shipped for them; Odoo finds the addon in site-packages with
no addons_path change. A dependency on another addon of the repository is a requirement on its
wheel.
"""

import ast
import os
from pathlib import Path

from setuptools import setup

HERE = Path(__file__).parent
ADDON = os.environ.get("CLC_ADDON", "customer_lifecycle")
MANIFEST = ast.literal_eval((HERE / ADDON / "__manifest__.py").read_text())


def _packages():
    """Every Python package of the addon, named under odoo.addons."""
    return [
        "odoo.addons." + ".".join(init.parent.relative_to(HERE).parts)
        for init in sorted((HERE / ADDON).rglob("__init__.py"))
    ]


def _data_files():
    """Every file of the addon outside its Python packages (views, data, security, i18n, static,
    readme, and the migration scripts Odoo runs by path), relative to it."""
    return sorted(
        str(path.relative_to(HERE / ADDON))
        for path in (HERE / ADDON).rglob("*")
        if path.is_file()
        and "__pycache__" not in path.parts
        and path.suffix != ".pyc"
        and (path.suffix != ".py" or not (path.parent / "__init__.py").exists())
    )


def _addon_requirements():
    """The wheels of the repository's addons this one depends on, at this version or later."""
    return [
        f"odoo-addon-{name}>={MANIFEST['version']}"
        for name in MANIFEST["depends"]
        if (HERE / name / "__manifest__.py").is_file()
    ]


setup(
    name=f"odoo-addon-{ADDON}",
    version=MANIFEST["version"],
    description=MANIFEST["summary"],
    long_description=(HERE / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    author=MANIFEST["author"],
    license="LGPL-3.0-only",
    python_requires=">=3.10",
    packages=_packages(),
    package_dir={f"odoo.addons.{ADDON}": ADDON},
    package_data={f"odoo.addons.{ADDON}": _data_files()},
    include_package_data=True,
    install_requires=[
        "odoo>=19.0a,<19.1dev",
        *_addon_requirements(),
        *MANIFEST.get("external_dependencies", {}).get("python", []),
    ],
    classifiers=[
        "Framework :: Odoo",
        "Framework :: Odoo :: 19.0",
        "Programming Language :: Python :: 3",
    ],
    zip_safe=False,
    # each addon builds apart: a shared build/lib would slip one addon's files into another's wheel
    options={"build": {"build_base": f"build/{ADDON}"}},
)
