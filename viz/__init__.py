"""Pictures of computational graphs (graphviz) and of training (matplotlib)."""
