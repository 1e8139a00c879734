"""The wheel carries the tutorials: notebooks/ stays their only source.

Everything else about the package is in pyproject.toml. This one step copies
notebooks/*.ipynb and notebooks/sanitize.cfg into codegrant_kit/tutorials/ of the
built package, where `codegrant-kit lab` finds them with importlib.resources.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"


class BuildWithTutorials(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads notebooks/ itself
            return
        target = Path(self.build_lib, "codegrant_kit", "tutorials")
        self.mkpath(str(target))
        for source in [*sorted(NOTEBOOKS.glob("*.ipynb")), NOTEBOOKS / "sanitize.cfg"]:
            self.copy_file(str(source), str(target / source.name))


setup(cmdclass={"build_py": BuildWithTutorials})
