"""load_mnist: reading IDX files, the book's options, missing splits, and downloads from a local
HTTP server (mirror fallback, checksum mismatch, broken transfer, offline) with no partial file left."""
import gzip
import hashlib
import http.server
import threading
from pathlib import Path

import numpy as np
import pytest
from conftest import require_shared_data

import nn
from nn.data import MNIST_FILES, DownloadError, IDXFormatError, read_idx


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
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte.gz.*train-labels-idx1-ubyte.gz") as info:
        nn.load_mnist(tmp_path)
    assert str(tmp_path) in str(info.value) and "split='test'" in str(info.value)
    with pytest.raises(ValueError, match="split must be"):
        nn.load_mnist(tmp_path, split="validation")


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
def served(tmp_path):
    """Tiny test-split files behind a local server, with their real SHA-256 as the digest table."""
    source = tmp_path / "server"
    images, labels = make_split(source, "test", count=4)
    digests = {name: sha256_of(source / name) for name in MNIST_FILES["test"]}
    with FileServer(source) as server:
        yield server, digests, images, labels


def leftovers(folder: Path):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or p.suffix == ".part")


def test_download_falls_back_to_the_next_mirror_checks_and_caches(tmp_path, served):
    server, digests, images, labels = served
    cache = tmp_path / "cache"
    mirrors = [server.url + "missing/", server.url]  # the first answers 404
    x, t = nn.load_mnist(split="test", cache_dir=cache, mirrors=mirrors, digests=digests, progress=False)
    assert t.tolist() == labels.tolist() and np.array_equal((x * 255).round().astype(np.uint8), images.reshape(4, -1))
    assert sorted(p.name for p in cache.iterdir()) == sorted(MNIST_FILES["test"])
    assert sum(path.startswith("/missing/") for path in server.requests) == 2
    requests_before = len(server.requests)
    nn.load_mnist(split="test", cache_dir=cache, mirrors=mirrors, digests=digests, progress=False)
    assert len(server.requests) == requests_before  # cached: no second download


def test_checksum_mismatch_keeps_nothing(tmp_path, served):
    server, digests, _, _ = served
    cache = tmp_path / "cache"
    wrong = {name: "0" * 64 for name in digests}
    with pytest.raises(DownloadError, match="SHA-256 mismatch: got [0-9a-f]{64}, expected 0{64}"):
        nn.load_mnist(split="test", cache_dir=cache, mirrors=[server.url], digests=wrong, progress=False)
    assert list(cache.iterdir()) == []


def test_a_broken_transfer_leaves_no_partial_file_and_the_next_mirror_serves(tmp_path, served):
    server, digests, _, labels = served
    cache = tmp_path / "cache"
    with pytest.raises(DownloadError, match="could not download t10k-images-idx3-ubyte.gz"):
        nn.load_mnist(split="test", cache_dir=cache, mirrors=[server.url + "broken/"], digests=digests,
                      progress=False)
    assert list(cache.iterdir()) == []
    _, t = nn.load_mnist(split="test", cache_dir=cache, mirrors=[server.url + "broken/", server.url],
                         digests=digests, progress=False)
    assert t.tolist() == labels.tolist() and leftovers(cache) == []


def test_offline_fails_at_once_and_says_where_to_put_the_files(tmp_path):
    cache = tmp_path / "cache"
    unreachable = ["http://127.0.0.1:9/", "http://127.0.0.1:9/other/"]  # the discard port: connection refused
    with pytest.raises(DownloadError) as info:
        nn.load_mnist(split="test", cache_dir=cache, mirrors=unreachable, progress=False)
    message = str(info.value)
    assert "offline" in message and str(cache) in message and "t10k-images-idx3-ubyte.gz" in message
    assert "http://127.0.0.1:9/t10k-images-idx3-ubyte.gz" in message and "path=" in message
    assert list(cache.iterdir()) == []


def test_a_file_without_a_known_digest_is_not_downloaded(tmp_path):
    with pytest.raises(DownloadError, match="no SHA-256 is known for t10k-images-idx3-ubyte.gz"):
        nn.load_mnist(split="test", cache_dir=tmp_path, mirrors=["http://127.0.0.1:9/"], digests={}, progress=False)


def test_the_cache_folder_follows_scratchgrad_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("SCRATCHGRAD_CACHE", str(tmp_path))
    assert nn.data.default_cache_dir() == tmp_path / "mnist"
    monkeypatch.delenv("SCRATCHGRAD_CACHE")
    assert nn.data.default_cache_dir() == Path.home() / ".cache" / "scratchgrad" / "mnist"
    make_split(tmp_path / "mnist", "test", count=2)
    monkeypatch.setenv("SCRATCHGRAD_CACHE", str(tmp_path))
    x, _ = nn.load_mnist(split="test", mirrors=[])  # already cached: no mirror needed
    assert x.shape == (2, 784)


def test_the_digest_table_holds_the_published_sha256_of_all_four_files():
    assert set(nn.data.MNIST_SHA256) == {name for pair in MNIST_FILES.values() for name in pair}
    assert all(len(digest) == 64 and int(digest, 16) >= 0 for digest in nn.data.MNIST_SHA256.values())


def test_the_shared_mnist_test_split():
    data = require_shared_data("mnist/t10k-images-idx3-ubyte.gz", "mnist/t10k-labels-idx1-ubyte.gz")
    x, t = nn.load_mnist(data, split="test")
    assert x.shape == (10000, 784) and 0.0 <= x.min() and x.max() == 1.0
    # MNIST's test labels: the first is a 7, and the published count of each digit
    assert t[0] == 7
    assert np.bincount(t).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte.gz"):
        nn.load_mnist(data, split="train")
