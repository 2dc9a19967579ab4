"""Backpropagation through time: an RNN lab with every number of BPTT."""
