"""load_mnist and find_data: reading IDX files, the book's options, where data is looked for (a path, then
$SCRATCHGRAD_DATA, the package's copy, the cache), the shipped test set, missing splits, and downloads from a
local HTTP server (mirror fallback, checksum mismatch, broken transfer, offline) with no partial file left."""
import fnmatch
import gzip
import hashlib
import http.server
import os
import re
import threading
from pathlib import Path

import numpy as np
import pytest

import nn
from nn.data import MNIST_FILES, PACKAGE_DATA, DataNotFoundError, DownloadError, IDXFormatError, find_data, read_idx

ROOT = Path(__file__).resolve().parents[1]


def write_idx(path: Path, array: np.ndarray) -> None:
    """An IDX file of unsigned bytes: 0, 0, 8 (ubyte), number of axes, each size as a big-endian int32."""
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    with gzip.open(path, "wb") as file:
        file.write(header + array.astype(np.uint8).tobytes())


def make_split(folder: Path, split: str, count: int = 5, seed: int = 0):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(count, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=count, dtype=np.uint8)
    image_file, label_file = MNIST_FILES[split]
    folder.mkdir(parents=True, exist_ok=True)
    write_idx(folder / image_file, images)
    write_idx(folder / label_file, labels)
    return images, labels


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_read_idx_round_trip_and_damaged_files(tmp_path):
    array = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(tmp_path / "a.gz", array)
    np.testing.assert_array_equal(read_idx(tmp_path / "a.gz"), array)
    with gzip.open(tmp_path / "short.gz", "wb") as file:
        file.write(bytes([0, 0, 8, 1]) + (10).to_bytes(4, "big") + b"\x01\x02")
    with pytest.raises(IDXFormatError, match=r"promises shape \(10,\) \(10 bytes\) but 2 bytes follow"):
        read_idx(tmp_path / "short.gz")
    (tmp_path / "plain.gz").write_bytes(b"not gzip at all")
    with pytest.raises(IDXFormatError, match="not a readable gzip file"):
        read_idx(tmp_path / "plain.gz")
    whole = gzip.compress(bytes([0, 0, 8, 1]) + (4).to_bytes(4, "big") + b"\x01\x02\x03\x04")
    (tmp_path / "cut.gz").write_bytes(whole[:-6])  # a download cut short: the gzip stream ends early
    with pytest.raises(IDXFormatError, match="not a readable gzip file"):
        read_idx(tmp_path / "cut.gz")
    with gzip.open(tmp_path / "float.gz", "wb") as file:
        file.write(bytes([0, 0, 0x0D, 1]) + (1).to_bytes(4, "big") + b"\x00" * 4)
    with pytest.raises(IDXFormatError, match="magic number is 00000d01, expected 0000080N"):
        read_idx(tmp_path / "float.gz")


def test_the_books_options(tmp_path):
    images, labels = make_split(tmp_path, "test")
    x, t = nn.load_mnist(tmp_path, split="test")
    assert x.shape == (5, 784) and x.dtype == np.float32 and t.tolist() == labels.tolist()
    np.testing.assert_allclose(x, images.reshape(5, 784) / 255.0, rtol=1e-6)
    x, t = nn.load_mnist(tmp_path, normalize=False, flatten=False, one_hot_label=True, split="test")
    assert x.shape == (5, 1, 28, 28) and x.dtype == np.uint8 and np.array_equal(x[:, 0], images)
    assert t.shape == (5, 10) and t.argmax(axis=1).tolist() == labels.tolist() and t.sum() == 5


def test_both_splits_in_the_books_shape_and_a_parent_folder_with_mnist_inside(tmp_path):
    make_split(tmp_path / "mnist", "train", count=7)
    make_split(tmp_path / "mnist", "test", count=3)
    (x_train, t_train), (x_test, t_test) = nn.load_mnist(tmp_path)
    assert (len(x_train), len(t_train), len(x_test), len(t_test)) == (7, 7, 3, 3)


def test_a_missing_split_names_the_files_it_looked_for(tmp_path):
    make_split(tmp_path, "test")
    with pytest.raises(DataNotFoundError, match="train-images-idx3-ubyte.gz.*train-labels-idx1-ubyte.gz") as info:
        nn.load_mnist(tmp_path)
    assert isinstance(info.value, FileNotFoundError)
    assert str(tmp_path / "mnist" / "train-images-idx3-ubyte.gz") in str(info.value)
    assert "split='test'" in str(info.value) and "make data" in str(info.value)
    with pytest.raises(ValueError, match="split must be"):
        nn.load_mnist(tmp_path, split="validation")


@pytest.fixture
def places(tmp_path, monkeypatch):
    """An empty $SCRATCHGRAD_DATA folder and an empty cache, in that order of lookup around the package's copy."""
    chosen, cache = tmp_path / "chosen", tmp_path / "cache"
    monkeypatch.setenv("SCRATCHGRAD_DATA", str(chosen))
    monkeypatch.setenv("SCRATCHGRAD_CACHE", str(cache))
    return chosen, cache


def test_find_data_looks_in_the_environment_folder_then_the_package_then_the_cache(places, tmp_path):
    chosen, cache = places
    assert nn.data.data_places() == [chosen, PACKAGE_DATA, cache]
    assert find_data("mnist_sample_weight.npz") == PACKAGE_DATA / "mnist_sample_weight.npz"
    for folder in (cache, chosen):  # the cache comes after the package, $SCRATCHGRAD_DATA before it
        (folder / "mnist_sample_weight.npz").parent.mkdir(parents=True, exist_ok=True)
        (folder / "mnist_sample_weight.npz").write_bytes(b"")
    assert find_data("mnist_sample_weight.npz") == chosen / "mnist_sample_weight.npz"
    (cache / "extra.npz").write_bytes(b"")
    assert find_data("extra.npz") == cache / "extra.npz"
    mine = tmp_path / "mine"
    with pytest.raises(DataNotFoundError) as info:  # a folder passed is the only place looked
        find_data("mnist_sample_weight.npz", path=mine)
    looked = str(info.value)
    assert str(mine / "mnist_sample_weight.npz") in looked
    assert str(PACKAGE_DATA / "mnist_sample_weight.npz") not in looked


def test_find_data_names_every_place_it_looked_and_how_to_get_the_training_set(places):
    chosen, cache = places
    with pytest.raises(DataNotFoundError) as info:
        find_data("mnist/train-images-idx3-ubyte.gz")
    message = str(info.value)
    for folder in (chosen, PACKAGE_DATA, cache):
        assert str(folder / "mnist" / "train-images-idx3-ubyte.gz") in message
    assert "make data" in message and "download=True" in message and "SCRATCHGRAD_DATA" in message


def test_the_test_set_ships_with_the_package_and_is_mnists(places):
    x, t = nn.load_mnist(split="test")  # no path, no network, nothing in $SCRATCHGRAD_DATA or the cache
    assert x.shape == (10000, 784) and 0.0 <= x.min() and x.max() == 1.0
    # MNIST's test labels: the first is a 7, and the published count of each digit
    assert t[0] == 7
    assert np.bincount(t).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    # the shipped .gz files are re-compressed; what they hold is the published IDX files, byte for byte
    published = {"t10k-images-idx3-ubyte.gz": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
                 "t10k-labels-idx1-ubyte.gz": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"}
    for name, digest in published.items():
        with gzip.open(find_data(f"mnist/{name}"), "rb") as file:
            assert hashlib.sha256(file.read()).hexdigest() == digest, name


def test_the_training_split_is_not_downloaded_unless_asked(places):
    _, cache = places
    for call in (lambda: nn.load_mnist(), lambda: nn.load_mnist(split="train", mirrors=["http://127.0.0.1:9/"])):
        with pytest.raises(DataNotFoundError) as info:
            call()
        message = str(info.value)
        assert "train split is missing" in message and "make data" in message and "download=True" in message
        assert str(cache / "mnist" / "train-images-idx3-ubyte.gz") in message
    assert not cache.exists()


def test_nothing_reads_data_from_beside_the_repository():
    """A user's clone has only what the repository holds: no code, notebook or build file names a folder beside it."""
    folder = "shared"  # spelt apart, so that this test does not find itself
    beside = re.compile(rf"\.\./{folder}/|{folder}/data|\"{folder}\"\s*/\s*\"data\"")
    not_ours = {".venv", ".git", "build", "dist", "_build", "out"}  # made by tools
    copies = ROOT / "docs" / "notebooks"  # make docs copies examples/notebooks there
    files = []
    for folder_path, folders, names in os.walk(ROOT):
        folders[:] = [name for name in folders if name not in not_ours and Path(folder_path, name) != copies]
        files += [Path(folder_path, name) for name in names
                  if Path(name).suffix in {".py", ".ipynb", ".toml", ".cfg", ".sh"} or name == "Makefile"]
    assert len(files) > 50
    assert [str(path.relative_to(ROOT)) for path in files if beside.search(path.read_text(errors="replace"))] == []


def test_every_shipped_data_file_goes_into_the_wheel():
    tomllib = pytest.importorskip("tomllib", reason="reading pyproject.toml needs Python 3.11's tomllib")
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["nn"]
    shipped = [path.relative_to(PACKAGE_DATA.parent).as_posix() for path in PACKAGE_DATA.rglob("*") if path.is_file()]
    assert len(shipped) >= 8
    assert [name for name in shipped if not any(fnmatch.fnmatch(name, pattern) for pattern in patterns)] == []


class FileServer:
    """A local HTTP server for `root`; paths under /broken/ send half a file and hang up."""

    def __init__(self, root: Path):
        self.requests = []
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=str(root), **kwargs)

            def do_GET(self):
                server.requests.append(self.path)
                if self.path.startswith("/broken/"):
                    body = (root / self.path.split("/")[-1]).read_bytes()
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body[: len(body) // 2])
                    self.close_connection = True
                    return
                super().do_GET()

            def log_message(self, *args):
                pass

            timeout = 5  # a connection left hanging is dropped, so the server always stops

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def served(tmp_path, monkeypatch):
    """Tiny training-split files behind a local server, with their real SHA-256 as the digest table, and an
    empty cache for the downloads."""
    source = tmp_path / "server"
    images, labels = make_split(source, "train", count=4)
    digests = {name: sha256_of(source / name) for name in MNIST_FILES["train"]}
    monkeypatch.setenv("SCRATCHGRAD_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("SCRATCHGRAD_DATA", raising=False)
    with FileServer(source) as server:
        yield server, digests, images, labels


def leftovers(folder: Path):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or p.suffix == ".part")


def test_download_falls_back_to_the_next_mirror_checks_and_caches(tmp_path, served):
    server, digests, images, labels = served
    cache = tmp_path / "cache" / "mnist"
    mirrors = [server.url + "missing/", server.url]  # the first answers 404
    x, t = nn.load_mnist(split="train", download=True, mirrors=mirrors, digests=digests, progress=False)
    assert t.tolist() == labels.tolist() and np.array_equal((x * 255).round().astype(np.uint8), images.reshape(4, -1))
    assert sorted(p.name for p in cache.iterdir()) == sorted(MNIST_FILES["train"])
    assert sum(path.startswith("/missing/") for path in server.requests) == 2
    requests_before = len(server.requests)
    (x_train, _), (x_test, _) = nn.load_mnist(download=True, mirrors=mirrors, digests=digests, progress=False)
    assert len(server.requests) == requests_before  # cached, and the test split shipped: no second download
    assert x_train.shape == (4, 784) and x_test.shape == (10000, 784)


def test_download_into_a_folder_passed_as_path(tmp_path, served):
    server, digests, _, labels = served
    _, t = nn.load_mnist(tmp_path / "mine", split="train", download=True, mirrors=[server.url], digests=digests,
                         progress=False)
    assert t.tolist() == labels.tolist()
    assert sorted(p.name for p in (tmp_path / "mine").iterdir()) == sorted(MNIST_FILES["train"])


def test_checksum_mismatch_keeps_nothing(tmp_path, served):
    server, digests, _, _ = served
    cache = tmp_path / "cache" / "mnist"
    wrong = {name: "0" * 64 for name in digests}
    with pytest.raises(DownloadError, match="SHA-256 mismatch: got [0-9a-f]{64}, expected 0{64}"):
        nn.load_mnist(split="train", download=True, mirrors=[server.url], digests=wrong, progress=False)
    assert list(cache.iterdir()) == []


def test_a_broken_transfer_leaves_no_partial_file_and_the_next_mirror_serves(tmp_path, served):
    server, digests, _, labels = served
    cache = tmp_path / "cache" / "mnist"
    with pytest.raises(DownloadError, match="could not download train-images-idx3-ubyte.gz"):
        nn.load_mnist(split="train", download=True, mirrors=[server.url + "broken/"], digests=digests,
                      progress=False)
    assert list(cache.iterdir()) == []
    _, t = nn.load_mnist(split="train", download=True, mirrors=[server.url + "broken/", server.url],
                         digests=digests, progress=False)
    assert t.tolist() == labels.tolist() and leftovers(cache) == []


def test_offline_fails_at_once_and_says_where_to_put_the_files(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("SCRATCHGRAD_CACHE", str(cache))
    unreachable = ["http://127.0.0.1:9/", "http://127.0.0.1:9/other/"]  # the discard port: connection refused
    with pytest.raises(DownloadError) as info:
        nn.load_mnist(split="train", download=True, mirrors=unreachable, progress=False)
    message = str(info.value)
    assert "offline" in message and str(cache / "mnist") in message and "train-images-idx3-ubyte.gz" in message
    assert "http://127.0.0.1:9/train-images-idx3-ubyte.gz" in message and "path=" in message
    assert list((cache / "mnist").iterdir()) == []


def test_a_file_without_a_known_digest_is_not_downloaded(tmp_path, monkeypatch):
    monkeypatch.setenv("SCRATCHGRAD_CACHE", str(tmp_path))
    with pytest.raises(DownloadError, match="no SHA-256 is known for train-images-idx3-ubyte.gz"):
        nn.load_mnist(split="train", download=True, mirrors=["http://127.0.0.1:9/"], digests={}, progress=False)


def test_the_cache_folder_follows_scratchgrad_cache_then_xdg_cache_home(monkeypatch, tmp_path):
    monkeypatch.setenv("SCRATCHGRAD_CACHE", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert nn.data.default_cache_dir() == tmp_path / "mnist"
    monkeypatch.delenv("SCRATCHGRAD_CACHE")
    assert nn.data.default_cache_dir() == tmp_path / "xdg" / "scratchgrad" / "mnist"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert nn.data.default_cache_dir() == Path.home() / ".cache" / "scratchgrad" / "mnist"
    make_split(tmp_path / "mnist", "train", count=2)
    monkeypatch.setenv("SCRATCHGRAD_CACHE", str(tmp_path))
    x, _ = nn.load_mnist(split="train", mirrors=[])  # already cached: no mirror needed
    assert x.shape == (2, 784)


def test_the_digest_table_holds_the_published_sha256_of_all_four_files():
    assert set(nn.data.MNIST_SHA256) == {name for pair in MNIST_FILES.values() for name in pair}
    assert all(len(digest) == 64 and int(digest, 16) >= 0 for digest in nn.data.MNIST_SHA256.values())
