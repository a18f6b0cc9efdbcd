"""memcached interop suite (a package, so its conftest.py and helpers never shadow the RESP
suite's `conftest` module)."""
