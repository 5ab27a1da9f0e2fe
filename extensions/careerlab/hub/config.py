"""JupyterHub's configuration for a CareerLab classroom, made from the classroom file.

The repository's ``jupyterhub_config.py`` calls ``configure``; ``careerlab hub start`` has
already made the accounts, folders and courses it points at. It follows nbgrader's own
documented set-up for several courses: a formgrader per course as a hub service running as
the course's account, the hub groups ``formgrade-<course>`` (teachers) and
``nbgrader-<course>`` (students), and nbgrader's ``JupyterHubAuthPlugin`` in students'
servers, so each person sees only their courses. The exchange is CareerLab's own service
(``careerlab.exchange.service``, docs/deploy.md says why).
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from careerlab.exchange import service as exchange_service
from careerlab.hub import accounts
from careerlab.hub.classroom import Classroom, Course
from careerlab.hub.classroom import load as load_classroom
from careerlab.hub.layout import Layout
from careerlab.workbook import lab_extension

TRYOUT_PASSWORD_FILE = "try-out-password"
# `careerlab roster import` changes people and groups through the hub's REST API with this
# service's token (made once, 0600 in the hub's state folder), at the address in API_URL_FILE.
ROSTER_SERVICE = "careerlab-roster"
ROSTER_TOKEN_FILE = "roster-token"
API_URL_FILE = "hub-api-url"
ROSTER_SCOPES = ["admin:users", "groups", "delete:servers"]  # add people, groups, stop servers
# nbgrader's Lab plugins a student has no use for (Formgrader, Create Assignment, Courses).
TEACHER_ONLY_PLUGINS = (
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:course-list",
)
STUDENT_CONFIG = '''\
"""Configuration of every student's server on this hub, made by `careerlab hub`."""

from careerlab.hub.config import configure_student_server

configure_student_server(get_config(), {exchange_url!r})  # noqa: F821
'''
# What a student's server may do with its token: talk to the exchange as its student, and
# read the student's own groups (nbgrader's JupyterHubAuthPlugin lists courses).
SERVER_TOKEN_SCOPES = [
    "users:activity!user",
    "read:users:groups!user",
    "read:users:name!user",
    f"access:services!service={exchange_service.SERVICE_NAME}",
]


@dataclass(frozen=True)
class Ports:
    """Where the hub listens (``public``, through the proxy) and its own services listen."""

    public: int = 8000
    hub: int = 8081
    services: int = 8090  # the exchange, then one port per course
    proxy: int = 8001  # the proxy's own API (the hub adds and removes routes there)

    def exchange(self) -> int:
        return self.services

    def course(self, index: int) -> int:
        return self.services + 1 + index


def exchange_url(ports: Ports) -> str:
    """The exchange service as the servers on this machine reach it (not through the proxy)."""
    return f"http://127.0.0.1:{ports.exchange()}/services/{exchange_service.SERVICE_NAME}/"


def _secret(path: Path, size: int) -> str:
    """A random secret made once into ``path`` (0600 from the start), then read back."""
    if not path.exists():
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(handle, "w") as out:
            out.write(secrets.token_urlsafe(size) + "\n")
    return path.read_text().strip()


def tryout_password(layout: Layout) -> str:
    """The try-out sign-in's shared password: made once, kept in the hub's state folder."""
    return _secret(layout.state / TRYOUT_PASSWORD_FILE, 12)


def roster_token(layout: Layout) -> str:
    """The roster service's API token (root reads it to import rosters)."""
    return _secret(layout.state / ROSTER_TOKEN_FILE, 32)


def use_hub_exchange(c, url: str) -> None:
    """nbgrader's every exchange step through CareerLab's exchange service at ``url``."""
    # Imported here: it needs nbgrader, which the hub's own process (and Zero to
    # JupyterHub's hub image) has no use for; only servers and formgraders call this.
    from careerlab.exchange import hub as hub_exchange

    for step, plugin in hub_exchange.EXCHANGE_FACTORY.items():
        setattr(c.ExchangeFactory, step, plugin)
    c.Exchange.url = url


def configure_student_server(c, url: str) -> None:
    """A student's server: the hub's exchange, their courses only, no teacher tools."""
    use_hub_exchange(c, url)
    # Fetched work goes to ~/<course>/<project>/, so two courses never share a folder.
    c.Exchange.path_includes_course = True
    c.Exchange.assignment_dir = "."
    c.Authenticator.plugin_class = "nbgrader.auth.JupyterHubAuthPlugin"
    c.ServerApp.jpserver_extensions.update(
        {
            "nbgrader.server_extensions.formgrader": False,
            "nbgrader.server_extensions.course_list": False,
        }
    )
    lab_extension.configure(c)  # widgets of a kernel that is gone cannot take answers


def write_student_config(layout: Layout, ports: Ports) -> None:
    write_student_files(layout.etc, exchange_url(ports))


def write_student_files(etc: Path, url: str) -> None:
    """Every student's server configuration into the Jupyter config folder ``etc``: the
    exchange at ``url``, no teacher tools. Also run in deploy/kubernetes/Dockerfile."""
    etc.mkdir(parents=True, exist_ok=True)
    path = etc / "jupyter_config.py"
    path.write_text(STUDENT_CONFIG.format(exchange_url=url), encoding="utf-8")
    path.chmod(0o644)
    # JupyterLab reads labconfig/page_config.json from every folder on the config path.
    labconfig = etc / "labconfig"
    labconfig.mkdir(mode=0o755, exist_ok=True)
    page_config = labconfig / "page_config.json"
    disabled = {plugin: True for plugin in TEACHER_ONLY_PLUGINS}
    page_config.write_text(json.dumps({"disabledExtensions": disabled}, indent=1) + "\n")
    page_config.chmod(0o644)


def _course_service(course: Course, url: str) -> dict:
    """A course's formgrader as the hub service named after it (nbgrader's set-up)."""
    return {
        "name": course.id,
        "display": True,
        "info": {"title": course.title},
        "url": url,
        "oauth_no_confirm": True,
    }


def _course_services(layout: Layout, classroom: Classroom, ports: Ports) -> list[dict]:
    services = []
    for index, course in enumerate(classroom.courses):
        folder = layout.course(course.id)
        service = {
            **_course_service(course, f"http://127.0.0.1:{ports.course(index)}"),
            "command": [str(layout.bin / "jupyterhub-singleuser")],
            "cwd": str(folder),
            "environment": {
                "JUPYTER_CONFIG_PATH": str(folder),
                "CAREERLAB_COURSE": str(folder),
                "HOME": str(folder),
                "PATH": f"{layout.bin}:/usr/local/bin:/usr/bin:/bin",
                "JUPYTERHUB_DEFAULT_URL": "/lab",
            },
        }
        if not layout.single_account:
            service["user"] = accounts.course_account(course.id)
        services.append(service)
    return services


def _roles(classroom: Classroom, idle_culler: bool) -> list[dict]:
    roles = list(exchange_service.hub_roles(course.id for course in classroom.courses))
    for course in classroom.courses:
        # Only a course's teachers reach its formgrader (and the grading page in it).
        roles.append(
            {
                "name": f"teach-{course.id}",
                "description": f"Formgrader and grading page of {course.id}",
                "scopes": [f"access:services!service={course.id}"],
                "groups": [course.teachers_group],
            }
        )
    if idle_culler:
        roles.append(
            {
                "name": "idle-culler",
                "scopes": [
                    "list:users",
                    "read:users:activity",
                    "read:servers",
                    "delete:servers",
                ],
                "services": ["idle-culler"],
            }
        )
    return roles


def configure(
    c,
    *,
    layout: Layout,
    classroom: Classroom,
    repository: Path,
    ports: Ports = Ports(),
    idle_timeout: int = 3600,
    lti: Path | None = None,
    tls: tuple[Path, Path] | None = None,
    oauth: Path | None = None,
    warm: bool = False,
) -> None:
    """Set JupyterHub's configuration ``c`` for ``classroom`` on this machine.

    ``lti``: the LMS's LTI 1.3 settings file (careerlab.hub.lti); ``oauth``: the OAuth
    provider's settings file (careerlab.hub.oauth); with neither, the try-out sign-in;
    ``tls``: the certificate and key files the hub is served with on HTTPS;
    ``warm``: people's servers and kernels are forked from warm processes
    (careerlab.hub.warm_servers, careerlab.hub.warm_kernels).
    """
    from careerlab.hub.spawner import CareerLabSpawner

    c.JupyterHub.ip = "127.0.0.1"
    c.JupyterHub.port = ports.public
    c.JupyterHub.hub_ip = "127.0.0.1"
    c.JupyterHub.hub_port = ports.hub
    # The hub's own state survives a restart: database, cookie secret, the proxy's pid.
    c.JupyterHub.db_url = f"sqlite:///{layout.state / 'jupyterhub.sqlite'}"
    c.JupyterHub.cookie_secret_file = str(layout.state / "jupyterhub_cookie_secret")
    c.ConfigurableHTTPProxy.pid_file = str(layout.state / "jupyterhub-proxy.pid")
    c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{ports.proxy}"
    c.ConfigurableHTTPProxy.command = [
        str(repository / "node_modules" / ".bin" / "configurable-http-proxy")
    ]
    c.JupyterHub.cleanup_servers = True

    if tls:
        # The proxy serves HTTPS; JupyterHub marks cookies Secure only when it sees the
        # request came in on HTTPS, so say it outright for every cookie (XSRF's too).
        c.JupyterHub.ssl_cert, c.JupyterHub.ssl_key = (str(path) for path in tls)
        c.JupyterHub.tornado_settings = {"cookie_options": {"secure": True}}
    c.Authenticator.admin_users = set()
    c.JupyterHub.load_groups = {}
    if lti:
        # A school's sign-in: launches from its LMS, which also says who teaches and learns.
        from careerlab.hub import lti as lti13

        lti13.configure(c, lti13.load_settings(lti), classroom.source, layout.state)
    else:
        if oauth:
            # A school's sign-in at Google or its identity provider, for the file's people.
            from careerlab.hub import oauth as oauth2

            oauth2.configure(c, oauth2.load_settings(oauth), classroom.source)
        else:
            # Sign-in for trying it out, NOT for a school: the classroom's names and one
            # shared password (docs/deploy.md).
            from careerlab.hub.signin import ClassroomDummyAuthenticator

            c.JupyterHub.authenticator_class = ClassroomDummyAuthenticator
            c.DummyAuthenticator.password = tryout_password(layout)
            c.ClassroomDummyAuthenticator.classroom_file = str(classroom.source)
        # Who may sign in and who is in which course: the classroom file says.
        c.Authenticator.allowed_users = set(classroom.people())
        for course in classroom.courses:
            c.JupyterHub.load_groups[course.teachers_group] = {"users": list(course.teachers)}
            c.JupyterHub.load_groups[course.students_group] = {"users": list(course.students)}

    c.JupyterHub.spawner_class = CareerLabSpawner
    c.CareerLabSpawner.state_folder = str(layout.state)
    c.CareerLabSpawner.homes = str(layout.homes)
    c.CareerLabSpawner.single_account = layout.single_account
    c.Spawner.cmd = [str(layout.bin / "jupyterhub-singleuser")]
    c.Spawner.default_url = "/lab"
    c.Spawner.environment = {
        "JUPYTER_CONFIG_PATH": str(layout.etc),
        "PATH": f"{layout.bin}:/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
    }
    c.Spawner.server_token_scopes = list(SERVER_TOKEN_SCOPES)
    c.Spawner.start_timeout = 120
    c.Spawner.http_timeout = 120

    services = []
    if warm and not layout.single_account:
        # First, so they are warm by the time people sign in. Students' servers find the
        # kernelspec that asks the kernels' warm process; the spawner asks the servers' one.
        from careerlab.hub import warm_kernels, warm_servers

        c.Spawner.environment["JUPYTER_PATH"] = str(warm_kernels.data_dir(layout.root))
        services.append(warm_kernels.hub_service(layout, c.Spawner.environment["PATH"]))
        c.CareerLabSpawner.warm_socket = str(warm_servers.socket_path(layout.root))
        services.append(warm_servers.hub_service(layout, c.Spawner.environment["PATH"]))
    services += [
        exchange_service.hub_service(
            layout.exchange,
            url=f"http://127.0.0.1:{ports.exchange()}",
            user=None if layout.single_account else accounts.EXCHANGE_ACCOUNT,
            python=str(layout.bin / "python"),
        ),
        *_course_services(layout, classroom, ports),
    ]
    if idle_timeout:
        services.append(
            {
                "name": "idle-culler",
                "command": [
                    str(layout.bin / "python"),
                    "-m",
                    "jupyterhub_idle_culler",
                    f"--timeout={idle_timeout}",
                ],
            }
        )
    services.append({"name": ROSTER_SERVICE, "api_token": roster_token(layout)})
    c.JupyterHub.services = services
    c.JupyterHub.load_roles = [
        *_roles(classroom, bool(idle_timeout)),
        {"name": ROSTER_SERVICE, "scopes": ROSTER_SCOPES, "services": [ROSTER_SERVICE]},
    ]
    (layout.state / API_URL_FILE).write_text(f"http://127.0.0.1:{ports.hub}/hub/api/\n")
    warnings = []
    if layout.single_account:
        warnings.append("Try-out mode: every person runs as one account. Not for a class.")
    if not lti and not oauth:
        warnings.append("Try-out sign-in: one shared password. Not for a school.")
    if warnings:
        c.JupyterHub.template_vars = {"announcement": " ".join(warnings)}


# Zero to JupyterHub (deploy/kubernetes/values.yaml): where each course's formgrader listens
# in the cluster, and the folder where the hub pod finds each course service's API token (a
# Kubernetes Secret mounted there, one key per course id).
CHART_COURSE_URL = "http://careerlab-course-{course}:8888"


def configure_chart_hub(
    c,
    *,
    classroom: Path,
    token_dir: Path,
    lti: Path | None,
    state: Path,
    course_url: str = CHART_COURSE_URL,
) -> None:
    """The classroom file's courses in a Zero to JupyterHub hub pod (its ``hub.extraConfig``).

    The chart already set ``c.JupyterHub.services`` (the exchange, from ``hub.services``) and
    ``c.JupyterHub.load_roles`` (its idle culler); this adds each course's formgrader
    service (external: reached at ``course_url``, its token read from ``token_dir/<course>``),
    the exchange's and teachers' roles, the students' server token scopes, and the sign-in:
    LTI 1.3 from the settings file ``lti`` (nonces kept in ``state``), or else the file's
    groups for whatever authenticator ``hub.config`` names. A course with no token file
    stops the hub with a message naming it and the Secret key to add.
    """
    courses = load_classroom(Path(classroom))
    missing = [course.id for course in courses.courses if not (token_dir / course.id).is_file()]
    if missing:
        raise ValueError(
            f"no API token for course(s) {', '.join(missing)} in {token_dir}: add a key named "
            "after each course to the Secret mounted there (docs/deploy.md, Kubernetes)"
        )
    services = list(c.JupyterHub.services) if "services" in c.JupyterHub else []
    for course in courses.courses:
        # Not run by the hub (no command): the course's own pod runs it, with this token.
        service = _course_service(course, course_url.format(course=course.id))
        service["api_token"] = (token_dir / course.id).read_text(encoding="utf-8").strip()
        services.append(service)
    c.JupyterHub.services = services
    roles = list(c.JupyterHub.load_roles) if "load_roles" in c.JupyterHub else []
    c.JupyterHub.load_roles = [*roles, *_roles(courses, idle_culler=False)]
    c.Spawner.server_token_scopes = list(SERVER_TOKEN_SCOPES)
    if lti:
        from careerlab.hub import lti as lti13

        lti13.configure(c, lti13.load_settings(lti), Path(classroom), state)
    else:
        c.JupyterHub.load_groups = {
            group: {"users": list(people)}
            for course in courses.courses
            for group, people in (
                (course.teachers_group, course.teachers),
                (course.students_group, course.students),
            )
        }
