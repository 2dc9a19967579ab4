"""Vanishing and exploding gradients: one deep network trained side by side per activation.

Rooms: ``model`` (the comparison: ``LabSetup``, ``ActivationRun``, ``Lab``, gradient profiles),
``model_experiments`` (slopes, layer statistics, the weight-scale sweep, clipping, symmetry);
``figures`` (shared parts, section 1), ``figures_training``, ``figures_saturation``,
``figures_scale``; ``view`` (settings and sidebar, then the sections) with ``view_settings``
(defaults, URL settings, train/restart), ``view_common`` (cached experiments), ``view_sections``
(1-3) and ``view_sections_more`` (4-6).
"""
