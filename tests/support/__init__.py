"""What tests share besides fixtures (those stay in conftest.py): one module per area of
``tests/``, ``core`` for all."""
