"""Use cases, one module per API group; framework-free."""
