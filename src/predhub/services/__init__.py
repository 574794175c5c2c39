"""What the hub does, over the store. The server, SDK and CLI are thin shells over these modules."""
