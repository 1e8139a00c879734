"""The lab's switches and attacks, as the README lists them.

python -m codegrant_kit.lab            # print the list, as Markdown
python -m codegrant_kit.lab README.md  # rewrite it between the README's markers
"""

from __future__ import annotations

import sys
from pathlib import Path

from .attacks import readme_section, rewrite_readme


def main(argv: list[str]) -> None:
    if argv:
        rewrite_readme(Path(argv[0]))
    else:
        print(readme_section())


if __name__ == "__main__":
    main(sys.argv[1:])
