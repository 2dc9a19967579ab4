"""Backpropagation through convolutions and max-pooling, with every number."""
