load_subconfig("jupyter_config.py", path=__import__("os").path.dirname(__file__))  # noqa: F821 -- all settings live there
