"""Helpers for the tests that run without Odoo."""

import ast
import importlib.util
from pathlib import Path

import pytest

ADDON = Path(__file__).resolve().parents[2] / "customer_lifecycle"


def load_addon_module(relative_path):
    """Import one plain-Python file of the addon by path, without importing the addon package
    (whose __init__ imports Odoo)."""
    path = ADDON / relative_path
    spec = importlib.util.spec_from_file_location(f"clc_plain_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def rules():
    return load_addon_module("tools/lifecycle_rules.py")


@pytest.fixture(scope="session")
def referral_code():
    return load_addon_module("tools/referral_code.py")


@pytest.fixture(scope="session")
def manifest():
    return ast.literal_eval((ADDON / "__manifest__.py").read_text(encoding="utf-8"))
