"""Where the examples put their pictures (out/ at the repository root, or --out DIR), and how."""
import argparse
from pathlib import Path

import viz

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "out"


def out_dir_from_command_line(description: str) -> Path:
    """The folder given by --out, else out/ at the repository root."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"folder for the pictures (default {DEFAULT_OUT})")
    return parser.parse_args().out


def save_graph_pictures(root, out_dir: Path, stem: str, **options) -> list:
    """`root`'s graph as stem.svg and stem.png in out_dir; without Graphviz's `dot`, stem.gv and a hint."""
    written = []
    for suffix in (".svg", ".png"):
        try:
            written.append(viz.render(root, Path(out_dir) / f"{stem}{suffix}", **options))
        except viz.GraphvizNotFoundError as missing_dot:
            print(missing_dot)
            return [missing_dot.dot_source_path]
    return written


def save_backprop_steps(root, out_dir: Path, stem: str) -> None:
    """The step-through page of `root`'s backward sweep in out_dir/stem_steps, or why it could not be drawn."""
    try:
        print(f"steps:    {viz.render_backprop_steps(root, Path(out_dir) / f'{stem}_steps')}")
    except viz.GraphvizNotFoundError as missing_dot:
        print(missing_dot)


def add_out_argument(parser: argparse.ArgumentParser) -> None:
    """--out DIR for an example that also takes other arguments."""
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"folder for the pictures (default {DEFAULT_OUT})")
