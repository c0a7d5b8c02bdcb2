"""Data: logic-gate tables, generated 2-D data sets, a mini-batch `DataLoader`, MNIST, and where data lives.

`find_data(name)` finds a data file (`"mnist/t10k-images-idx3-ubyte.gz"`,
`"book_weights/simple_convnet.npz"`, ...) in one order: a folder you pass, else
$SCRATCHGRAD_DATA, the copy shipped inside this package (`nn/datasets`: the MNIST test
set and the book's trained weights), the user cache (`~/.cache/scratchgrad`).

`load_mnist` has the book's shape: `(x_train, t_train), (x_test, t_test) =
load_mnist(normalize=True, flatten=True, one_hot_label=False)`. The test split ships with
scratchgrad, so `load_mnist(split="test")` works offline; the training split comes on demand
(`make data`, or `download=True`: from public mirrors, each file's SHA-256 checked before it
takes its place in the cache). `to="cuda"` (or any array library) gives the arrays in that
library instead of NumPy.

`DataLoader` hands out mini-batches in the library its arrays are in (NumPy, CuPy, Dask, ...).
"""
from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path, PurePosixPath

import numpy as np

from autograd import numbers_of
from autograd.backend import device_of, move, namespace_of, numpy_namespace

from . import init as initialisers
from .progress import download_bar
from .settings import whole_number

# ---- small tables and generated sets -------------------------------------------
GATE_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
GATE_OUTPUTS = {"AND": [0, 0, 0, 1], "NAND": [1, 1, 1, 0], "OR": [0, 1, 1, 1], "XOR": [0, 1, 1, 0]}


def logic_gate(name: str):
    """(X, t) for a two-input gate: X rows 00, 01, 10, 11 (shape (4, 2)), t of shape (4, 1)."""
    key = name.upper()
    if key not in GATE_OUTPUTS:
        raise ValueError(f"unknown gate {name!r}; use one of {sorted(GATE_OUTPUTS)}")
    return GATE_INPUTS.copy(), np.array(GATE_OUTPUTS[key], dtype=np.float64).reshape(4, 1)


def xor():
    """The XOR table, as the book's hands-on code writes it: X (4, 2), t (4, 1)."""
    return logic_gate("XOR")


def moons(n_samples: int = 100, noise: float = 0.1, seed=None):
    """Two interleaving half circles (as micrograd's demo uses): X (n, 2), labels t (n,) in {0, 1}, shuffled."""
    rng = initialisers.generator(seed)
    n_outer = n_samples // 2
    n_inner = n_samples - n_outer
    outer_angle = np.linspace(0.0, np.pi, n_outer)
    inner_angle = np.linspace(0.0, np.pi, n_inner)
    outer = np.stack([np.cos(outer_angle), np.sin(outer_angle)], axis=1)
    inner = np.stack([1.0 - np.cos(inner_angle), 0.5 - np.sin(inner_angle)], axis=1)
    x = np.concatenate([outer, inner]) + noise * rng.standard_normal((n_samples, 2))
    t = np.concatenate([np.zeros(n_outer, dtype=np.intp), np.ones(n_inner, dtype=np.intp)])
    order = rng.permutation(n_samples)
    return x[order], t[order]


def spiral(n_per_class: int = 100, classes: int = 3, noise: float = 0.2, seed=None):
    """`classes` interleaved spiral arms in 2-D: X (n_per_class * classes, 2), labels t."""
    rng = initialisers.generator(seed)
    radius = np.linspace(0.0, 1.0, n_per_class)
    xs, ts = [], []
    for arm in range(classes):
        angle = np.linspace(arm * 4.0, (arm + 1) * 4.0, n_per_class) + noise * rng.standard_normal(n_per_class)
        xs.append(np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1))
        ts.append(np.full(n_per_class, arm, dtype=np.intp))
    return np.concatenate(xs), np.concatenate(ts)


# ---- mini-batches ---------------------------------------------------------------
class DataLoader:
    """Mini-batches of (x, t) arrays: `for x_batch, t_batch in DataLoader(x, t, batch_size=100): ...`.

    With `shuffle=True` each pass draws a new order from a generator made once
    from `seed`, so a seeded run repeats exactly. `drop_last` skips a last batch
    smaller than `batch_size`. Without targets it yields x batches alone.

    The batches are in the arrays' own library (NumPy, CuPy, Dask, ...; lists become NumPy);
    x and t must share one. The order is drawn on the host by NumPy's generator, so a seed
    gives the same batches in every library.
    """

    def __init__(self, x, t=None, batch_size: int = 32, shuffle: bool = False, seed=None,
                 drop_last: bool = False):
        self.x = _array(numbers_of(x))
        self.t = None if t is None else _array(numbers_of(t))
        self._xp = namespace_of(self.x) if self.t is None else namespace_of(self.x, self.t)  # or DeviceError
        self.samples = int(self.x.shape[0]) if self.x.ndim else 0
        if self.t is not None and (self.t.shape[0] if self.t.ndim else 0) != self.samples:
            raise ValueError(f"DataLoader needs as many targets as samples; got {self.samples} samples "
                             f"and {self.t.shape[0] if self.t.ndim else 0} targets")
        batch_size = whole_number(batch_size, "batch_size", owner="DataLoader")
        self.batch_size, self.shuffle, self.drop_last = batch_size, shuffle, drop_last
        self._rng = np.random.default_rng(seed) if seed is not None else initialisers.generator()

    def __len__(self) -> int:
        full, rest = divmod(self.samples, self.batch_size)
        return full if (self.drop_last or rest == 0) else full + 1

    def __iter__(self):
        n, xp = self.samples, self._xp
        order = self._rng.permutation(n) if self.shuffle else None
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            if order is None:
                rows = slice(start, min(start + self.batch_size, n))
                batch = [array[rows, ...] for array in (self.x, self.t) if array is not None]  # the standard's form
            else:  # the positions as an index array of the data's own library and device
                rows = order[start:start + self.batch_size]
                rows = rows if xp is numpy_namespace else xp.asarray(rows, device=device_of(self.x))
                batch = [xp.take(array, rows, axis=0) for array in (self.x, self.t) if array is not None]
            yield batch[0] if self.t is None else tuple(batch)


def _array(data):
    """An array of any library as it is; lists and numbers as a NumPy array."""
    try:
        namespace_of(data)
    except TypeError:  # not an array of any library
        return np.asarray(data)
    return data if hasattr(data, "shape") else np.asarray(data)


# ---- MNIST ----------------------------------------------------------------------
MNIST_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
# SHA-256 of the original gzipped files (9,912,422 / 28,881 / 1,648,877 / 4,542 bytes), as
# published alongside many MNIST loaders; a download must match before it is kept.
MNIST_SHA256 = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}
# Tried in order; yann.lecun.com no longer serves the files reliably, so the mirrors come first.
MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)


class DownloadError(OSError):
    """No mirror delivered a file (offline, refused, or wrong checksum); the message says where to put it."""


class DataNotFoundError(FileNotFoundError):
    """A data file is in none of the places looked; the message lists them and says how to get the file."""


class IDXFormatError(ValueError):
    """An MNIST file is not a whole gzipped IDX file of the expected kind; the message says what was expected."""


# ---- where data lives -----------------------------------------------------------
DATA_ENV = "SCRATCHGRAD_DATA"  # a folder laid out like PACKAGE_DATA, looked in before it
PACKAGE_DATA = Path(__file__).resolve().parent / "datasets"  # shipped in the wheel; its README.md says what and whence


def cache_root() -> Path:
    """The user cache: $SCRATCHGRAD_CACHE, else $XDG_CACHE_HOME/scratchgrad, else ~/.cache/scratchgrad."""
    if os.environ.get("SCRATCHGRAD_CACHE"):
        return Path(os.environ["SCRATCHGRAD_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "scratchgrad"


def default_cache_dir() -> Path:
    """Where MNIST downloads go: the `mnist` folder of `cache_root()`."""
    return cache_root() / "mnist"


def data_places(path=None) -> list[Path]:
    """The folders `find_data` looks in, in order: `path` alone when given (a folder you name is never
    second-guessed), else $SCRATCHGRAD_DATA when set, the package's copy, the user cache."""
    if path is not None:
        return [Path(path)]
    chosen = [Path(os.environ[DATA_ENV])] if os.environ.get(DATA_ENV) else []
    return chosen + [PACKAGE_DATA, cache_root()]


def _candidates(relative_name: str, path=None) -> list[Path]:
    """Every file `relative_name` may be; a folder passed as `path` may also hold the file itself
    (`load_mnist("mnist")` for a folder of the four .gz files)."""
    files = [folder / relative_name for folder in data_places(path)]
    if path is not None and "/" in relative_name:
        files.append(Path(path) / PurePosixPath(relative_name).name)
    return files


def _located(relative_name: str, path=None) -> Path | None:
    return next((file for file in _candidates(relative_name, path) if file.is_file()), None)


def _not_found_message(relative_names, path, how_to_get: str) -> str:
    looked = [str(file) for name in relative_names for file in _candidates(name, path)]
    return (f"{', '.join(relative_names)} not found; looked for:\n  " + "\n  ".join(looked) + "\n" + how_to_get +
            f"\n(Set ${DATA_ENV} to a folder laid out like {PACKAGE_DATA} to use your own copy.)")


def find_data(relative_name: str, path=None) -> Path:
    """The first existing file `relative_name` (a path with / inside the data folder) in `data_places(path)`.

    Raises DataNotFoundError naming every place looked. Only the MNIST training set is not
    shipped with scratchgrad: `make data` or `load_mnist(split="train", download=True)` gets it.
    """
    found = _located(relative_name, path)
    if found is None:
        raise DataNotFoundError(_not_found_message(
            [relative_name], path, "The MNIST training set comes by `make data` or "
            "nn.load_mnist(split='train', download=True); everything else ships in the package."))
    return found


def read_idx(path) -> np.ndarray:
    """Read one gzipped IDX file of unsigned bytes (MNIST's format) into a uint8 array."""
    path = Path(path)
    try:
        with gzip.open(path, "rb") as file:
            raw = file.read()
    except (OSError, EOFError) as err:
        raise IDXFormatError(f"{path} is not a readable gzip file: {err}") from err
    if len(raw) < 4 or raw[0:2] != b"\x00\x00" or raw[2] != 0x08:
        raise IDXFormatError(f"{path} is not an IDX file of unsigned bytes: its magic number is "
                             f"{raw[:4].hex()}, expected 0000080N (N = number of axes)")
    n_axes = raw[3]
    header = 4 + 4 * n_axes
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(n_axes))
    expected = int(np.prod(shape)) if shape else 0
    if len(raw) - header != expected:
        raise IDXFormatError(f"{path}: the header promises shape {shape} ({expected} bytes) but "
                         f"{len(raw) - header} bytes follow; the file is truncated or damaged")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def download_files(file_names, folder, mirrors=MNIST_MIRRORS, digests=MNIST_SHA256, progress: bool = True,
                   timeout: float = 10.0) -> None:
    """Fetch each named file into `folder` from the first mirror that delivers it with the right SHA-256.

    A file is written to a temporary name in the same folder and renamed only once
    its checksum matches, so an interrupted or bad download never leaves a partial file.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name in file_names:
        if name not in digests:
            raise DownloadError(f"no SHA-256 is known for {name}, so it cannot be checked; "
                                f"put the file into {folder} yourself")
        failures = []
        for mirror in mirrors:
            url = mirror.rstrip("/") + "/" + name
            try:
                _fetch(url, folder / name, digests[name], progress, timeout)
                break
            except (OSError, urllib.error.URLError, http.client.HTTPException, ValueError) as err:
                failures.append(f"  {url}: {err}")
        else:
            raise DownloadError(
                f"could not download {name}:\n" + "\n".join(failures) +
                f"\nIf this machine is offline, copy the MNIST files ({', '.join(file_names)}) into "
                f"{folder}, or pass path= a folder that holds them."
            )


def _fetch(url: str, target: Path, sha256: str, progress: bool, timeout: float) -> None:
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        digest = hashlib.sha256()
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            total = int(response.headers.get("Content-Length") or 0) or None
            with download_bar(total=total, unit="B", unit_scale=True, desc=target.name, disable=not progress,
                              leave=False) as bar:
                while chunk := response.read(1 << 16):
                    out.write(chunk)
                    digest.update(chunk)
                    bar.update(len(chunk))
        if digest.hexdigest() != sha256:
            raise ValueError(f"SHA-256 mismatch: got {digest.hexdigest()}, expected {sha256}")
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def load_mnist(path=None, normalize: bool = True, flatten: bool = True, one_hot_label: bool = False,
               split: str | None = None, *, download: bool = False, mirrors=MNIST_MIRRORS, digests=MNIST_SHA256,
               progress: bool = True, to=None):
    """MNIST as NumPy arrays, in the book's shape (or in another array library with `to`).

    normalize: pixels as float32 in [0, 1] (else uint8 0..255).
    flatten: images as rows of 784 (else (N, 1, 28, 28)).
    one_hot_label: labels as one-hot rows of 10 (else integers 0..9).
    split: None for `((x_train, t_train), (x_test, t_test))`, or "train" / "test" for one `(x, t)` pair.

    The gzipped IDX files are found by `find_data("mnist/...", path)`: in `path` alone when
    given (a folder holding the files, or one with a `mnist` folder inside), else in
    $SCRATCHGRAD_DATA, the package (which ships the test split) and the user cache.
    A split whose files are nowhere raises DataNotFoundError saying where it looked; the
    training split is not shipped, so `load_mnist()` and `split="train"` need it fetched
    first: `make data`, or `download=True`, which downloads what is missing into `path`
    (or the cache, `default_cache_dir()`) from `mirrors`, each file checked against `digests`.

    to: None for NumPy, else where the arrays go, as `Tensor.to` takes it: "cuda", "torch",
    dask.array, "array_api_strict", a module, ... (Dask gets one chunk per array: rechunk it).
    """
    splits = ("train", "test") if split is None else (split,)
    for name in splits:
        if name not in MNIST_FILES:
            raise ValueError(f"split must be 'train', 'test' or None (both); got {split!r}")
    needed = [f"mnist/{file}" for name in splits for file in MNIST_FILES[name]]
    missing = [name for name in needed if _located(name, path) is None]
    if missing and download:
        target = Path(path) if path is not None else default_cache_dir()
        download_files([PurePosixPath(name).name for name in missing], target, mirrors=mirrors, digests=digests,
                       progress=progress)
        missing = [name for name in needed if _located(name, path) is None]
    if missing:
        absent = [name for name in splits if any(f"mnist/{file}" in missing for file in MNIST_FILES[name])]
        raise DataNotFoundError(_not_found_message(
            missing, path, f"MNIST's {' and '.join(absent)} split is missing. The test split ships with scratchgrad "
            "(split='test', no path); the training split comes by `make data` or load_mnist(..., download=True), "
            f"which checks its SHA-256 and keeps it in {default_cache_dir() if path is None else path}."))
    pairs = [_load_split(*(find_data(f"mnist/{file}", path) for file in MNIST_FILES[name]),
                         normalize, flatten, one_hot_label) for name in splits]
    if to is not None:
        pairs = [(move(x, to), move(t, to)) for x, t in pairs]
    return pairs[0] if split is not None else tuple(pairs)


def _load_split(image_file: Path, label_file: Path, normalize: bool, flatten: bool, one_hot_label: bool):
    images, labels = read_idx(image_file), read_idx(label_file)
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise IDXFormatError(f"{image_file} holds images of shape {images.shape} and {label_file} labels of "
                         f"shape {labels.shape}; expected (N, rows, cols) and (N,)")
    x = images.astype(np.float32) / 255.0 if normalize else images.copy()
    x = x.reshape(len(x), -1) if flatten else x.reshape(len(x), 1, *images.shape[1:])
    t = labels.astype(np.intp)
    if one_hot_label:
        one_hot = np.zeros((len(t), 10))
        one_hot[np.arange(len(t)), t] = 1.0
        t = one_hot
    return x, t
