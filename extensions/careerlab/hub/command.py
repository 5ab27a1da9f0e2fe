"""`careerlab hub`: start the classroom, back a course up, restore it, retire it.

``make hub`` runs ``careerlab hub start``: it makes what the classroom file needs (the
hub's folders and Python, an account and 0700 home per person, each course's directory and
account, the exchange's store) and then runs JupyterHub with the repository's
``jupyterhub_config.py``, which reads the same settings back from the environment
(``from_environment``).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from careerlab.hub import accounts
from careerlab.hub.classroom import Classroom, ClassroomError, load
from careerlab.hub.layout import Layout, LayoutError, for_this_user, install_python

# careerlab.hub.config and .courses import JupyterHub and the exchange service: imported
# where used, so that `careerlab` stays quick for every other command.

DEFAULT_CLASSROOM = "classroom.yml"
# What `careerlab hub start` hands to jupyterhub_config.py.
ENV_ROOT, ENV_CLASSROOM, ENV_PORTS, ENV_IDLE = (
    "CAREERLAB_HUB_ROOT",
    "CAREERLAB_CLASSROOM",
    "CAREERLAB_HUB_PORTS",
    "CAREERLAB_HUB_IDLE_TIMEOUT",
)
ENV_LTI, ENV_TLS = "CAREERLAB_HUB_LTI", "CAREERLAB_HUB_TLS"
ENV_OAUTH = "CAREERLAB_HUB_OAUTH"
ENV_WARM = "CAREERLAB_HUB_WARM"


def repository() -> Path:
    """The checkout the hub is made from: the folder holding jupyterhub_config.py."""
    repo = Path(os.environ.get("CAREERLAB_REPOSITORY") or Path.cwd()).resolve()
    if not (repo / "jupyterhub_config.py").exists():
        raise SystemExit(f"careerlab hub: run it in the CareerLab repository ({repo} is not)")
    return repo


def prepare(layout: Layout, classroom: Classroom, repo: Path, ports) -> None:
    """Everything the hub needs on disk, made once; safe to run again."""
    from careerlab.hub.config import exchange_url, tryout_password, write_student_config
    from careerlab.hub.courses import fill_gradebook, make_course

    layout.make_folders()
    install_python(layout, repo)
    names = accounts.AccountMap(layout.state)
    for person in classroom.people():
        unix_name = names.unix_name(person)
        if layout.single_account:
            (layout.homes / unix_name).mkdir(mode=0o700, exist_ok=True)
        else:
            accounts.ensure(unix_name, layout.homes / unix_name, comment=person)
    if layout.single_account:
        layout.exchange.mkdir(mode=0o700, exist_ok=True)
    else:
        exchange = accounts.ensure(
            accounts.EXCHANGE_ACCOUNT, layout.exchange, comment="CareerLab exchange"
        )
        # The account may be older than this root (its home another hub's store): this
        # root's store is the exchange account's all the same.
        layout.exchange.mkdir(mode=0o700, exist_ok=True)
        os.chown(layout.exchange, exchange.pw_uid, exchange.pw_gid)
    for course in classroom.courses:
        make_course(layout, repo, course, exchange_url(ports))
        # People's names from the file's people: (Formgrader shows them), as a roster import.
        fill_gradebook(layout, course, classroom.names)
    write_student_config(layout, ports)
    tryout_password(layout)


def sync_groups(layout: Layout, classroom: Classroom) -> list[str]:
    """Make each course's hub groups hold exactly the people the classroom file lists.

    JupyterHub's ``load_groups`` only ever adds members at start, so a person taken out of a
    course while the hub was stopped would keep the course. Run before the hub starts (on
    its database, through JupyterHub's own ORM); returns who was taken out of what. Under LTI
    the LMS sets groups at each launch, so this is for the classroom file's sign-in only.
    """
    from jupyterhub import orm

    database = layout.state / "jupyterhub.sqlite"
    if not database.exists():
        return []  # a first start: load_groups makes the groups as the file says
    wanted = {}
    for course in classroom.courses:
        wanted[course.teachers_group] = set(course.teachers)
        wanted[course.students_group] = set(course.students)
    removed = []
    session = orm.new_session_factory(f"sqlite:///{database}")()
    try:
        for group in session.query(orm.Group).filter(orm.Group.name.in_(list(wanted))):
            for user in [u for u in group.users if u.name not in wanted[group.name]]:
                group.users.remove(user)
                removed.append(f"{user.name} from {group.name}")
        session.commit()
    finally:
        session.close()
    return removed


def _ports(text: str | None):
    from careerlab.hub.config import Ports

    if not text:
        return Ports()
    public, hub, services, proxy = (int(p) for p in text.split(","))
    return Ports(public=public, hub=hub, services=services, proxy=proxy)


def from_environment(c, repo: Path) -> None:
    """jupyterhub_config.py's whole body: the configuration `careerlab hub start` prepared."""
    from careerlab.hub.config import configure

    layout = for_this_user(Path(os.environ[ENV_ROOT]) if os.environ.get(ENV_ROOT) else None)
    classroom = load(Path(os.environ.get(ENV_CLASSROOM) or repo / DEFAULT_CLASSROOM))
    configure(
        c,
        layout=layout,
        classroom=classroom,
        repository=repo,
        ports=_ports(os.environ.get(ENV_PORTS)),
        idle_timeout=int(os.environ.get(ENV_IDLE) or 3600),
        lti=Path(os.environ[ENV_LTI]) if os.environ.get(ENV_LTI) else None,
        tls=_tls(os.environ.get(ENV_TLS)),
        oauth=Path(os.environ[ENV_OAUTH]) if os.environ.get(ENV_OAUTH) else None,
        warm=os.environ.get(ENV_WARM) == "1",
    )


def _tls(text: str | None) -> tuple[Path, Path] | None:
    if not text:
        return None
    certificate, key = text.split(os.pathsep)
    return Path(certificate), Path(key)


def _sign_in(args: argparse.Namespace) -> tuple[Path | None, tuple[Path, Path] | None]:
    """The LTI settings and TLS files `start` was given, checked; SystemExit says what is wrong."""
    if bool(args.certificate) != bool(args.key):
        raise SystemExit("careerlab hub start: --certificate and --key go together")
    tls = (Path(args.certificate).resolve(), Path(args.key).resolve()) if args.key else None
    for path in tls or ():
        if not path.is_file():
            raise SystemExit(f"careerlab hub start: {path} is not a file")
    if args.auth != "lti13":
        if args.lti:
            raise SystemExit("careerlab hub start: --lti is for --auth lti13")
        return None, tls
    from careerlab.hub.lti import LtiSettingsError, load_settings

    if not args.lti:
        raise SystemExit("careerlab hub start: --auth lti13 needs --lti FILE (docs/deploy.md)")
    if not tls:
        # The LMS launches only HTTPS tools, and the launch's cookies must be Secure.
        raise SystemExit("careerlab hub start: --auth lti13 needs --certificate and --key")
    try:
        load_settings(Path(args.lti))
    except LtiSettingsError as error:
        raise SystemExit(f"careerlab hub start: {error}") from None
    return Path(args.lti).resolve(), tls


def _oauth(args: argparse.Namespace, tls: tuple[Path, Path] | None) -> Path | None:
    """The OAuth settings `start` was given, checked; SystemExit names every problem."""
    if args.auth != "oauth":
        if args.oauth:
            raise SystemExit("careerlab hub start: --oauth is for --auth oauth")
        return None
    from careerlab.hub.oauth import OAuthSettingsError, load_settings

    if not args.oauth:
        raise SystemExit("careerlab hub start: --auth oauth needs --oauth FILE (docs/deploy.md)")
    try:
        settings = load_settings(Path(args.oauth))
    except OAuthSettingsError as error:
        raise SystemExit(f"careerlab hub start: {error}") from None
    # The callback URL says how the browser reaches the hub. Over any network that must be
    # HTTPS (the code and the sign-in cookie would travel in clear; Google takes http
    # redirect URIs for localhost only): http is left for a hub tried on this machine.
    if settings.https and not tls:
        raise SystemExit(
            f"careerlab hub start: the callback URL {settings.callback_url} is https: "
            "give --certificate and --key"
        )
    if tls and not settings.https:
        raise SystemExit(
            f"careerlab hub start: the hub serves HTTPS, so callback_url must be https "
            f"(it is {settings.callback_url})"
        )
    return Path(args.oauth).resolve()


def start(args: argparse.Namespace) -> int:
    from careerlab.hub.config import Ports, tryout_password
    from careerlab.hub.courses import CourseSetupError

    repo = repository()
    layout = for_this_user(Path(args.root) if args.root else None)
    ports = Ports(args.port, args.hub_port, args.service_port, args.proxy_port)
    lti, tls = _sign_in(args)
    oauth = _oauth(args, tls)
    try:
        classroom = load(Path(args.classroom or repo / DEFAULT_CLASSROOM))
        if layout.single_account:
            print(
                "careerlab hub: not root, so TRY-OUT MODE: every student's server runs as you,\n"
                "  homes are plain folders in .hub/. Never use this mode with a class "
                "(docs/deploy.md).",
                file=sys.stderr,
            )
        print(f"Preparing the classroom in {layout.root} ...", flush=True)
        prepare(layout, classroom, repo, ports)
        if args.warm and not layout.single_account:
            from careerlab.hub import warm_kernels, warm_servers

            warm_kernels.prepare(layout)
            warm_servers.prepare(layout)
        if not lti:
            for change in sync_groups(layout, classroom):
                print(f"  not in the classroom file any more: {change}")
    except (ClassroomError, LayoutError, CourseSetupError, accounts.AccountError) as error:
        print(f"careerlab hub: {error}", file=sys.stderr)
        return 1
    url = f"{'https' if tls else 'http'}://127.0.0.1:{ports.public}/"
    print(f"\nCareerLab classroom: {url}")
    if lti:
        print(f"Sign-in: LTI 1.3 launches from the LMS of {lti}; in the LMS, register")
        print(f"  login URL {url}hub/lti13/oauth_login, redirect URL {url}hub/lti13/oauth_callback")
    elif oauth:
        print(f"Sign-in: OAuth at the provider set in {oauth}, people of {classroom.source} only;")
        print(f"  register its callback_url with the provider; signing in starts at {url}hub/login")
    else:
        password = tryout_password(layout)
        print(f"Sign in with a name from {classroom.source} and the try-out password: {password}")
        print("  (the try-out sign-in is NOT for a school: docs/deploy.md, LTI 1.3)")
    for course in classroom.courses:
        print(
            f"  {course.id}: teachers {', '.join(course.teachers)}; "
            f"students {', '.join(course.students)}"
        )
    print("Teachers open their course under Services in the hub's menu (/services/<course>/).\n")
    env = dict(os.environ)
    env.update(
        {
            ENV_ROOT: str(layout.root),
            ENV_CLASSROOM: str(classroom.source),
            ENV_PORTS: f"{ports.public},{ports.hub},{ports.services},{ports.proxy}",
            ENV_IDLE: str(args.idle_timeout),
            ENV_LTI: str(lti or ""),
            ENV_OAUTH: str(oauth or ""),
            ENV_TLS: os.pathsep.join(str(path) for path in tls) if tls else "",
            ENV_WARM: "1" if args.warm else "",
            "CAREERLAB_REPOSITORY": str(repo),
            "PATH": f"{layout.bin}:{env.get('PATH', '/usr/bin:/bin')}",
        }
    )
    hub = layout.bin / "jupyterhub"
    os.chdir(layout.state)
    os.execve(hub, [str(hub), "-f", str(repo / "jupyterhub_config.py")], env)
    return 0  # not reached


def _term(args: argparse.Namespace) -> int:
    """backup, restore and retire: the same layout and classroom as `start`."""
    from careerlab.hub import term

    layout = for_this_user(Path(args.root) if args.root else None)
    try:
        if args.hub_command == "restore":
            manifest = term.restore(layout, Path(args.archive))
            print(f"Restored course {manifest['course']} ({manifest['made']}) into {layout.root}.")
            return 0
        classroom = load(Path(args.classroom or repository() / DEFAULT_CLASSROOM))
        if args.hub_command == "backup":
            made = term.backup(layout, classroom, args.course, Path(args.to))
            print(f"Backed up course {args.course} to {made}.")
            return 0
        removed = term.retire(layout, classroom, args.course, Path(args.archive))
    except (term.TermError, ClassroomError, accounts.AccountError) as error:
        print(f"careerlab hub {args.hub_command}: {error}", file=sys.stderr)
        return 1
    print(f"Archived course {args.course} to {args.archive}, then removed:")
    print("\n".join(f"  {line}" for line in removed))
    print(f"Now remove {args.course} from the classroom file, or `make hub` makes it again.")
    return 0


def _make_course(args: argparse.Namespace) -> int:
    """A course's folder in its own pod, made once (deploy/kubernetes/course.yaml's init)."""
    from careerlab.hub.courses import CourseSetupError, make_pod_course

    try:
        folder = make_pod_course(
            Path(args.classroom),
            args.course,
            root=Path(args.root),
            repository=repository(),
            exchange_url=args.exchange_url,
        )
    except (ClassroomError, CourseSetupError) as error:
        print(f"careerlab hub make-course: {error}", file=sys.stderr)
        return 1
    print(f"Course {args.course}: {folder}")
    return 0


def add_commands(sub) -> None:
    hub = sub.add_parser("hub", help="the classroom on JupyterHub (docs/deploy.md)")
    hub_sub = hub.add_subparsers(dest="hub_command", required=True)
    run = hub_sub.add_parser("start", help="prepare the classroom and run JupyterHub")
    run.add_argument("--classroom", help=f"the classroom file (default: {DEFAULT_CLASSROOM})")
    run.add_argument("--root", help="where the hub keeps everything (default /srv/careerlab)")
    run.add_argument("--port", type=int, default=8000, help="the public port (127.0.0.1)")
    run.add_argument("--hub-port", type=int, default=8081)
    run.add_argument("--proxy-port", type=int, default=8001, help="the proxy's API")
    run.add_argument("--service-port", type=int, default=8090, help="first of the services' ports")
    run.add_argument("--idle-timeout", type=int, default=3600, help="stop idle servers (s)")
    run.add_argument(
        "--auth",
        choices=("tryout", "lti13", "oauth"),
        default="tryout",
        help="sign-in: tryout (one shared password, not for a school), lti13 (the LMS) or "
        "oauth (Google or the district's identity provider)",
    )
    run.add_argument("--lti", help="the LMS's LTI 1.3 settings (YAML; docs/deploy.md)")
    run.add_argument("--oauth", help="Google's or the IdP's OAuth settings (YAML; docs/deploy.md)")
    run.add_argument("--certificate", help="serve HTTPS with this certificate (PEM)")
    run.add_argument("--key", help="... and this private key (PEM)")
    run.add_argument(
        "--warm",
        "--warm-kernels",
        dest="warm",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="fork people's servers and kernels from processes that have imported their "
        "libraries once (careerlab.hub.warm_servers and warm_kernels; default on; as root "
        "only; --warm-kernels is the older name)",
    )
    run.set_defaults(run=start)

    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("--root", help="the hub's folder (default /srv/careerlab)")
    where.add_argument("--classroom", help=f"the classroom file (default: {DEFAULT_CLASSROOM})")
    backup = hub_sub.add_parser("backup", parents=[where], help="one course's data to a .tar.gz")
    backup.add_argument("course")
    backup.add_argument("--to", required=True, help="the archive to write")
    backup.set_defaults(run=_term)
    restore = hub_sub.add_parser("restore", parents=[where], help="a backed-up course back")
    restore.add_argument("archive")
    restore.set_defaults(run=_term)
    retire = hub_sub.add_parser(
        "retire", parents=[where], help="end of term: archive a course, then delete it"
    )
    retire.add_argument("course")
    retire.add_argument("--archive", required=True, help="the archive to write first")
    retire.set_defaults(run=_term)
    pod = hub_sub.add_parser(
        "make-course",
        help="in a course's own pod (Kubernetes): make and release its folder once, as the "
        "pod's user (no Unix accounts)",
    )
    pod.add_argument("course")
    pod.add_argument("--classroom", required=True, help="the classroom file")
    pod.add_argument("--root", required=True, help="the course goes in ROOT/courses/COURSE")
    pod.add_argument("--exchange-url", required=True, help="the hub exchange service's URL")
    pod.set_defaults(run=_make_course)
