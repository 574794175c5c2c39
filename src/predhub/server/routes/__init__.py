"""Route handlers, one module per resource; each handler only translates HTTP to a service call."""
