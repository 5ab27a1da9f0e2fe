"""JupyterHub's configuration for the CareerLab classroom (`make hub`, docs/deploy.md).

`careerlab hub start` prepares accounts, courses and folders and then runs JupyterHub with
this file; the settings are made in careerlab.hub.config from the classroom file.
"""

from pathlib import Path

from careerlab.hub.command import from_environment

from_environment(get_config(), Path(__file__).resolve().parent)  # noqa: F821
