"""`codegrant-kit serve`, with EXPERIMENTAL fixes from fixes.py applied first.

    .venv/bin/python benchmarks/kit_server.py --try-fix inline-fast-hash -- serve --port 0 ...

Used only when a benchmark is given `--try-fix`; otherwise the benchmarks run
the real `codegrant-kit serve`.
"""

from __future__ import annotations

import argparse
import sys

import fixes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--try-fix", action="append", default=[], choices=sorted(fixes.FIXES))
    parser.add_argument("cli", nargs=argparse.REMAINDER, help="-- serve ... (the CLI's arguments)")
    args = parser.parse_args()
    fixes.apply(args.try_fix)
    from codegrant_kit.cli import main as cli_main

    cli = args.cli[1:] if args.cli[:1] == ["--"] else args.cli
    print(f"EXPERIMENT: fixes {', '.join(args.try_fix) or 'none'} applied", file=sys.stderr)
    return cli_main(cli)


if __name__ == "__main__":
    sys.exit(main())
