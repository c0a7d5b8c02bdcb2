"""Where the examples find the book's data: `--data FOLDER`, else the places `nn.data.find_data` looks."""
import argparse
from pathlib import Path


def add_data_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, default=None,
                        help="a folder holding mnist/ (the IDX .gz files) and the book's weights files "
                             "(default: $SCRATCHGRAD_DATA, then the copy shipped in nn/datasets, then "
                             "~/.cache/scratchgrad, where `make data` puts the MNIST training set)")
