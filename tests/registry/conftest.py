from registry_helpers import create_server  # noqa: F401  (fixture)
