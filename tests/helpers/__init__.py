"""Test helpers: the op-test factory, hypothesis strategies and the strict back end."""
