"""activation functional forms (being written)."""

__all__: list = []
