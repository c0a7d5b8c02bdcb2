"""Pictures of computational graphs (graphviz) and of training (matplotlib).

    import viz
    viz.render(price, "out/price.svg")          # the notes' look: values and gradients on edges
    viz.draw_graph(price, style="record")       # micrograd's look, displays inline in Jupyter
    viz.render_backprop_steps(price, "out/steps")  # one picture per backward step, index.html
    viz.explore(loss).save("out/explorer.html")   # one page: step, fold by module, inspect (no network)
    viz.plot_functions({"tanh": lambda x: x.tanh()}, "out/tanh.png")   # needs the `plot` extra
"""
from .errors import GraphTooLargeWarning, GraphvizNotFoundError, MissingExtraError
from .explore import Explorer, explore, explore_gradcheck
from .gradcheck import draw_gradcheck, render_gradcheck
from .graph import draw_graph, gradient_shares, render, to_dot
from .live import LiveTraining, live_training
from .plots import (
                    function_and_derivative,
                    gradient_descent_path,
                    plot_curves,
                    plot_decision_boundary,
                    plot_descent,
                    plot_filters,
                    plot_functions,
                    plot_histograms,
                    plot_history,
                    plot_im2col,
                    plot_images,
                    plot_paths,
)
from .steps import render_backprop_steps

__all__ = [
    "draw_graph", "to_dot", "render", "render_backprop_steps", "gradient_shares", "draw_gradcheck", "render_gradcheck",
    "plot_history", "plot_functions", "plot_descent", "plot_decision_boundary",
    "plot_curves", "plot_histograms", "plot_filters", "plot_paths", "plot_images", "plot_im2col",
    "function_and_derivative", "gradient_descent_path",
    "explore", "explore_gradcheck", "Explorer", "live_training", "LiveTraining",
    "GraphvizNotFoundError", "MissingExtraError", "GraphTooLargeWarning",
]
