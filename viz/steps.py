"""Backpropagation as a slide show: one picture per step of the engine's backward sweep.

The engine sweeps `reversed(topological_order(root))`; when the sweep reaches a
node, that node's gradient is final and is passed on to its parents. Frame k
shows the gradients of the first k nodes of that sweep and "—" for the rest, so
the red numbers appear right to left exactly in the order the engine finds them.
The gradients come from one ordinary `backward()`; nothing is recomputed here.
"""
from __future__ import annotations

from pathlib import Path

from autograd import Tensor, topological_order

from .graph import DrawOptions, backward_has_run, build_digraph, check_root, write_graph
from .labels import escape, format_number, gradient_text, op_symbol, shape_text

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Backpropagation step by step: {title}</title>
<style>
  body {{ font-family: Helvetica, Arial, sans-serif; margin: 1.5em; color: #222; }}
  figure {{ display: none; margin: 0; }}
  figure.current {{ display: block; }}
  figure img {{ max-width: 100%; }}
  figcaption {{ margin-top: 0.5em; }}
  nav {{ margin: 1em 0; }}
  button {{ font-size: 1em; padding: 0.3em 1em; }}
  .gradient {{ color: red; }}
</style>
</head>
<body>
<h1>Backpropagation step by step: {title}</h1>
<p>Each picture is one step of the backward sweep, in the order the engine computes the gradients.
Black: the value flowing forward. <span class="gradient">Red</span>: the gradient of {title} with
respect to that value; &ldquo;&mdash;&rdquo; means not computed yet.</p>
<nav>
  <button id="previous" type="button">&larr; Previous</button>
  <span id="counter"></span>
  <button id="next" type="button">Next &rarr;</button>
  <small>(or the arrow keys)</small>
</nav>
{frames}
<script>
  const frames = document.querySelectorAll("figure");
  const counter = document.getElementById("counter");
  const previous = document.getElementById("previous");
  const next = document.getElementById("next");
  let current = 0;
  function show(index) {{
    frames[current].classList.remove("current");
    current = Math.max(0, Math.min(frames.length - 1, index));
    frames[current].classList.add("current");
    counter.textContent = "step " + (current + 1) + " of " + frames.length;
    previous.disabled = current === 0;
    next.disabled = current === frames.length - 1;
  }}
  previous.addEventListener("click", () => show(current - 1));
  next.addEventListener("click", () => show(current + 1));
  document.addEventListener("keydown", (event) => {{
    if (event.key === "ArrowLeft") show(current - 1);
    if (event.key === "ArrowRight") show(current + 1);
  }});
  show(0);
</script>
</body>
</html>
"""


def render_backprop_steps(root, out_dir, max_steps: int = 200, **options) -> Path:
    """Write one SVG per step of `root`'s backward sweep into `out_dir`, and an `index.html` to step through them.

    Runs `root.backward()` once if it has not run yet (otherwise uses the
    gradients already there). `options` are `draw_graph`'s (style, show_grad,
    show_local_grad, rankdir, precision). Each step is one picture made by
    Graphviz's `dot`, so graphs with more than `max_steps` nodes are refused.
    The page needs no network and no framework: Previous/Next buttons and the
    left/right arrow keys. Returns the path of `index.html`.
    """
    check_root(root)
    if not backward_has_run(root):
        root.backward()
    sweep = list(reversed(topological_order(root)))
    if len(sweep) > max_steps:
        raise ValueError(
            f"the graph has {len(sweep):,} nodes, so the step-through would make {len(sweep):,} pictures "
            f"(max_steps={max_steps}); pass a larger max_steps, or step through a smaller graph"
        )
    draw_options = DrawOptions(**{"max_nodes": len(sweep), **options})
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    root_title = root.name or "the output"
    final = set()  # the nodes whose gradient the sweep has reached so far
    frames = []
    for step, node in enumerate(sweep, start=1):
        final.add(node)
        caption = f"Step {step} of {len(sweep)}: {_what_happens(node, root, root_title, draw_options.precision)}"
        # The caption goes on the page only: in the picture too it would show twice and widen some frames.
        graph = build_digraph(root, draw_options, lambda n: n.grad if n in final else None, highlight=node)
        image = write_graph(graph, out_dir / f"step_{step:03d}.svg")
        frames.append(f'<figure><img src="{image.name}" alt="{escape(caption)}">'
                      f"<figcaption>{escape(caption)}</figcaption></figure>")
    index = out_dir / "index.html"
    index.write_text(_PAGE.format(title=escape(root_title), frames="\n".join(frames)), encoding="utf-8")
    return index


def _what_happens(node, root, root_title: str, precision: int) -> str:
    """One sentence for a step: which gradient just became final and where it goes next."""
    if node is root:
        return f"start at {root_title}: d {root_title} / d {root_title} = 1"
    if node.grad is None:
        return f"{_describe(node, precision)} needs no gradient (requires_grad=False)"
    gradient = f"d {root_title} / d {_describe(node, precision)} = {gradient_text(node.grad, precision)}"
    if node.parents:
        return (f"{gradient}; the {op_symbol(node)} node sends it on to its inputs, times each local "
                "derivative (each input shows its gradient in a later step)")
    return gradient


def _describe(node, precision: int) -> str:
    """A node's name, or what it is when it has none ('the × result 200')."""
    if node.name:
        return node.name
    value = shape_text(node.data) if isinstance(node, Tensor) else format_number(node.data, precision)
    return f"(the {op_symbol(node)} result {value})" if node.parents else f"(the constant {value})"
