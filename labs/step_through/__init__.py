"""Step through one training iteration, phase by phase, with every number on screen.

Rooms: ``model`` (presets, parameter names and ``ParamRef``), ``model_classic`` (the classic 2-2-2
example's history), ``model_losses`` (loss comparisons), ``model_session`` (a learner's run of
steps); ``figures_*`` (diagram, equations, charts, tables); ``view`` (the page) with
``view_controls`` (state, sidebar), ``view_url`` (the URL round trip), ``view_bridge`` (PyTorch
script, Show the code), ``view_sections`` (the stepper fragment) and the panels; ``text`` (the
lesson's prose).
"""
