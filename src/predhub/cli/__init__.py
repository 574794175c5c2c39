"""The ``predhub`` command: a thin shell over the SDK and the services."""
