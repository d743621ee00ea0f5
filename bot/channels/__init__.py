"""Adapters between a transport and the engine: the only code that knows a transport."""
