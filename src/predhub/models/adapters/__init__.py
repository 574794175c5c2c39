"""One module per framework: load a checkpoint, run it, hand its tensors to a decoder."""
