"""Gradient descent: what the update step does with a gradient, and how it goes wrong.

Rooms: ``model`` (one weight: regimes and critical learning rates), ``model_surfaces`` (2-D
surfaces, optimiser paths, batch modes on one neuron), ``model_accumulate`` (gradients that
accumulate without a reset); ``figures`` and ``figures_surfaces``; ``view`` (the page) with
``view_settings`` (defaults, URL settings, tables) and the four sections in ``view_sections``
(1, 2) and ``view_sections_batches`` (3, 4).
"""
