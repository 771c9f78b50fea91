"""MLflow's tracking, artifact and registry plugins for the ``gitml:`` URI.

With ``MLFLOW_TRACKING_URI=gitml:`` (set by ``git ml run`` when the command's Python has
MLflow and gitml), unchanged MLflow code records gitml runs: ``store`` (the tracking
store: runs, params, metrics, tags, experiments as the ``experiment`` tag, MLflow 3's
logged models), ``artifacts`` (artifacts and models stored under their names, cached like
outputs) and ``registry`` (``register_model`` registers gitml versions; stages and
aliases stay in the reviewed ``.gitml/stages.toml``). ``gitml:`` is this repository;
``gitml:/path/to/repo`` another one. Only MLflow imports these modules (its entry points).
"""
