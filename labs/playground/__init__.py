"""The training playground: train a small network on 2-D data and watch what usually stays hidden.

Rooms: ``model`` (problems, networks, data), ``model_run`` (a run with its history, kept under a
cap), ``model_boundary`` (the network over the input plane), ``model_byod`` (a learner's CSV);
``figures_boundary``, ``figures_curves``, ``figures_network`` (fast figures from dicts, built with
``viz.fast_figure``); ``view`` (the page) with ``view_settings`` (controls, URL settings),
``view_session`` (train/reset in session state), ``view_data`` and ``view_panels``.
"""
