"""codegrant_kit.panels exports every panel and every model, in a sorted __all__."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import codegrant_kit.panels as panels
from codegrant_kit.panels._base import PanelView


def public_modules() -> list[str]:
    return [
        f"{panels.__name__}.{info.name}"
        for info in pkgutil.iter_modules(panels.__path__)
        if not info.name.startswith("_")
    ]


def test_all_is_sorted_unique_and_there() -> None:
    assert panels.__all__ == sorted(panels.__all__)
    assert len(set(panels.__all__)) == len(panels.__all__)
    for name in panels.__all__:
        assert hasattr(panels, name), name


def test_every_panel_and_its_model_is_exported() -> None:
    defined = set()
    for name in public_modules():
        module = importlib.import_module(name)
        for cls_name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__ or cls_name.startswith("_"):
                continue
            if issubclass(cls, PanelView) or cls_name.endswith("Model"):
                defined.add(cls_name)
    assert {"ChecklistPanel", "ChecklistModel", "Wizard", "WizardModel"} <= defined
    assert defined - set(panels.__all__) == set()
