"""The named errors and warnings of `viz`; each message says what to do next."""
from __future__ import annotations

import graphviz

INSTALL_GRAPHVIZ = (
    "Install Graphviz, which provides the `dot` program, and make sure `dot` is on PATH:\n"
    "  Debian/Ubuntu: sudo apt-get install graphviz\n"
    "  macOS:         brew install graphviz\n"
    "  Windows:       winget install graphviz  (then add its bin folder, e.g. "
    "C:\\Program Files\\Graphviz\\bin, to PATH)"
)


class GraphvizNotFoundError(graphviz.ExecutableNotFound):
    """Graphviz's `dot` program is not installed, so no SVG, PNG or PDF can be made.

    A subclass of `graphviz.ExecutableNotFound`, so code that already catches that
    keeps working. `dot_source_path` is where the DOT source was written instead
    (None when a picture was to be shown in Jupyter, not written to a file).
    """

    def __init__(self, image_path=None, dot_source_path=None):
        self.image_path = image_path
        self.dot_source_path = dot_source_path
        if image_path is None:
            message = (f"cannot show the picture: Graphviz's `dot` program was not found on PATH.\n{INSTALL_GRAPHVIZ}\n"
                       "The picture's DOT source needs nothing: it is `graph.source`, and "
                       "viz.render(root, 'graph.gv') writes it to a file.")
        else:
            message = (f"cannot make {image_path}: Graphviz's `dot` program was not found on PATH.\n"
                       f"{INSTALL_GRAPHVIZ}\n"
                       f"The DOT source was written to {dot_source_path}; once Graphviz is installed, "
                       f"`dot -T{str(image_path).rsplit('.', 1)[-1]} {dot_source_path} -o {image_path}` makes the "
                       "picture.")
        # Skip ExecutableNotFound.__init__: it formats a fixed one-line message from a command list.
        RuntimeError.__init__(self, message)


class MissingExtraError(ImportError):
    """An optional dependency (matplotlib for plots) is not installed."""


class GraphTooLargeWarning(UserWarning):
    """`draw_graph` left out the nodes farthest from the root to keep the picture readable."""
