"""predhub: a self-hosted hub for model predictions on image datasets."""
