"""The faces of shareproxy, one blueprint each."""
