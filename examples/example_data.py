"""Where the examples find the notes' data: `--data PATH`, else `../shared/data` beside the repository."""
from __future__ import annotations

import argparse
from pathlib import Path

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def default_data_dir() -> Path | None:
    """`../shared/data` (next to the repository) when it exists, else None."""
    return SHARED_DATA if SHARED_DATA.is_dir() else None


def add_data_argument(parser: argparse.ArgumentParser) -> None:
    default = default_data_dir()
    parser.add_argument("--data", type=Path, default=default,
                        help=f"folder with mnist/ (the IDX .gz files) and mnist_sample_weight.npz "
                             f"(default: {default or 'none found; pass --data'})")


def require_data_dir(data: Path | None) -> Path:
    """The data folder, or a clear exit when there is none."""
    if data is None:
        raise SystemExit("no data folder: pass --data PATH (a folder holding mnist/ and mnist_sample_weight.npz)")
    return Path(data)
