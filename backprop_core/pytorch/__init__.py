"""The same step in PyTorch: script builders for every lab (strings only; torch is never imported here).

Each builder returns a self-contained Python script that rebuilds the example on screen in float64
PyTorch, runs the matching step, prints readable lines and, on its last line, one JSON object.
"""
