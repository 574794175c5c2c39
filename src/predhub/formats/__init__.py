"""Converters between predhub's neutral labels and the formats teams already have."""
