"""``contexts``: the one command for every job (database, loads, analysis, the app)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

from geo.config import PROJECT_ROOT, get_settings
from geo.kinds import KINDS
from geo.process import exit_now
from geo.roles import ROLES


def os_actor() -> str:
    """The actor of every command: the operating-system user (``os:<name>``)."""
    from geo.store.audit import os_actor as actor

    return actor()


def _db(args: argparse.Namespace) -> int:
    from geo.store import cluster, db

    settings = get_settings()
    if args.action == "url":
        print(db.dsn("superuser", settings))
        return 0
    if args.action == "status":
        print(cluster.status(settings))
        return 0
    if args.action == "replica":
        return _replica(args.what or "status", args.remove)
    if not settings.embedded:
        if args.action == "psql":
            os.execvp("psql", ["psql", db.dsn("superuser", settings)])
        print("DATABASE_URL is set: the private cluster is not used", file=sys.stderr)
        return 0 if args.action in ("up", "down", "remove") else 2
    if args.action == "up":
        c = cluster.up(settings)
        print(f"PostGIS cluster running: {cluster.where(c)}, socket in {c.socket_dir}")
    elif args.action == "down":
        print("stopped" if cluster.down(settings) else "was not running")
    elif args.action == "reset":
        from geo.store import replica

        replica.down(settings, remove=True)  # a copy of what is about to go
        cluster.reset(settings)
        print("cluster reset: empty database (run: contexts migrate)")
    elif args.action == "remove":
        from geo.store import replica

        replica.down(settings, remove=True)
        gone = cluster.remove(settings)
        print("removed: " + ", ".join(map(str, gone)) if gone else "no cluster to remove")
    elif args.action == "psql":
        cluster.up(settings)
        os.execvp("psql", ["psql", db.dsn("superuser", settings)])
    return 0


def _replica(what: str, remove: bool) -> int:
    from geo.store import cluster, replica

    settings = get_settings()
    if what == "status":
        print(replica.status(settings))
        return 0
    if not settings.embedded:
        print(replica.status(settings), file=sys.stderr)
        return 2
    try:
        if what == "up":
            rep = replica.up(settings)
            print(f"replica running; socket in {rep.socket_dir}. Send the dashboard's reads "
                  "there with CONTEXTS_READ_REPLICA=local")
        else:
            print("stopped" if replica.down(settings, remove) else "was not running")
    except cluster.ClusterError as e:
        print(e, file=sys.stderr)
        return 1
    return 0


def _ensure_db() -> None:
    from geo.store import cluster

    settings = get_settings()
    if settings.embedded:
        cluster.up(settings)


def _migrate(args: argparse.Namespace) -> int:
    from geo.store import db

    _ensure_db()
    with db.connect("superuser") as conn:
        applied = db.migrate(conn)
    print("applied: " + ", ".join(applied) if applied else "database is up to date")
    return 0


def _progress_line() -> Any:
    from rich.progress import BarColumn, Progress, TextColumn

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        transient=True,
        disable=not sys.stderr.isatty(),
    )
    return bar


def _load_contexts(args: argparse.Namespace) -> int:
    """``contexts load contexts FILE``: records of contexts of concern, all or nothing."""
    from geo.services import contexts
    from geo.store.audit import os_actor

    res = contexts.load_file(args.file, actor=os_actor(), role="analyst")
    if args.json:
        print(json.dumps(res))
    else:
        print(f"{args.file}: {res['rows']} contexts, {res['added']} added, "
              f"{res['edited']} changed"
              + (f"; left out {', '.join(res['left_out'])}: {res['why']}"
                 if res["left_out"] else ""))
    return 0


def _load(args: argparse.Namespace) -> int:
    from geo.ingest import load

    _ensure_db()
    if args.kind == "contexts":
        return _load_contexts(args)
    bar = _progress_line()
    with bar:
        task = bar.add_task("loading", total=1)

        def progress(done: int, total: int, phase: str) -> None:
            bar.update(task, completed=done, total=max(total, 1), description=phase)

        res = load(
            args.kind,
            args.file,
            actor=os_actor(),
            sheet=args.sheet,
            progress=progress,
            covers=args.covers,
            layer=args.layer,
            label=args.label,
            feature=args.name,
        )
    if args.json:
        print(json.dumps(res.as_dict()))
    else:
        print(res.message)
    return 1 if res.status == "rejected" else 0


def _serve(args: argparse.Namespace) -> int:
    from geo.cli import serve

    return serve.run(port=args.port, address=args.address, headless=True, extra=args.extra,
                     workers=args.workers)


def _demo(args: argparse.Namespace) -> int:
    from geo.services import demo

    _ensure_db()
    for line in demo.load_demo(PROJECT_ROOT / "sample_data"):
        print(line)
    return 0


def _sample(args: argparse.Namespace) -> int:
    from geo.sample import synthetic as sample

    sample.write(
        Path(args.out),
        rows=args.rows,
        months=args.months,
        seed=args.seed,
        shared=Path(args.shared) if args.shared else None,
    )
    print(f"sample data written to {args.out}")
    return 0


def _purge(args: argparse.Namespace) -> int:
    from datetime import date

    from geo.services.retention import purge

    _ensure_db()
    today = date.fromisoformat(args.today) if args.today else None
    done = purge(args.older_than, actor=os_actor(), today=today)
    print(f"purged {done['incidents']} incidents and {done['quarantine_rows']} quarantined "
          f"rows older than {done['cutoff']}")
    return 0


def _users(args: argparse.Namespace) -> int:
    from geo.services import access
    from geo.store import db, reads

    _ensure_db()
    if args.action == "set":
        access.set_user(args.identity, args.role, tuple(args.areas or ()),
                        actor=os_actor(), active=not args.inactive, issuer=args.issuer,
                        subject=args.subject)
        print(f"{args.identity}: {args.role}, areas {', '.join(args.areas or []) or 'none'}")
    else:
        with db.connect("auditor") as conn:
            print(reads.users(conn).to_string(index=False))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="contexts", description=__doc__)
    p.add_argument("-v", "--verbose", action="store_true",
                   help="log steps and timings (also CONTEXTS_LOG_LEVEL=INFO)")
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("db", help="the private PostGIS cluster")
    d.add_argument(
        "action",
        choices=["up", "down", "status", "reset", "remove", "psql", "url", "replica"],
        help="remove: stop the cluster and delete its files (make clean); replica: the "
        "streaming read replica (with up, down or status)",
    )
    d.add_argument("what", nargs="?", choices=["up", "down", "status"],
                   help="with replica: start, stop or show the streaming read replica")
    d.add_argument("--remove", action="store_true",
                   help="with replica down: delete the replica's files and slot too")
    d.set_defaults(func=_db)

    m = sub.add_parser("migrate", help="apply pending SQL migrations, then changed SQL functions")
    m.set_defaults(func=_migrate)

    ld = sub.add_parser("load", help="load an extract file (or a police.uk download: its "
                                      "zip, or the folder it unzips to)")
    ld.add_argument(
        "kind",
        choices=(*KINDS, "contexts"),  # contexts of concern: records, not an extract
    )
    ld.add_argument("file")
    ld.add_argument("--sheet", help="sheet of an .xlsx file (default: the first)")
    ld.add_argument("--label", help="what to record the load as (the file's name never is: "
                                    "by default 'incidents upload, 2026-03 (3fa2c1d0)'); "
                                    "refused if it could identify someone")
    ld.add_argument("--layer", help="layer of a GeoPackage (needed when it has several; "
                                    "the message of a load without it names them)")
    ld.add_argument("--name", help="a feature layer's name (kind features: points, lines or "
                                   "polygons for risk terrain, e.g. 'Fast food outlets'; "
                                   "loading a name again replaces its features)")
    ld.add_argument("--covers", nargs="+", metavar="WARD|LSOA|FILE",
                    help="what an incidents file covers, when not the whole area: ward or "
                         "LSOA codes or names, or a polygon file (GeoJSON, GeoPackage, zipped "
                         "Shapefile); areas outside it are 'no data', not zero")
    ld.add_argument("--json", action="store_true", help="print one JSON object")
    ld.set_defaults(func=_load)

    s = sub.add_parser("serve", help="serve the dashboard")
    s.add_argument("--port", type=int, default=8501)
    s.add_argument("--address", default="127.0.0.1")
    s.add_argument("--workers", type=int, default=int(os.environ.get("CONTEXTS_WORKERS", "1")),
                   help="Streamlit processes behind a sticky proxy (default 1: no proxy; "
                        "about one per core)")
    s.add_argument("extra", nargs=argparse.REMAINDER, help="further streamlit options")
    s.set_defaults(func=_serve)

    dm = sub.add_parser("demo", help="load the sample data set (idempotent)")
    dm.set_defaults(func=_demo)

    sm = sub.add_parser("sample", help="the synthetic sample data set")
    smsub = sm.add_subparsers(dest="action", required=True)
    g = smsub.add_parser("generate", help="write a sample data set")
    g.add_argument("--rows", type=int, default=20_000)
    g.add_argument("--months", type=int, default=36)
    g.add_argument("--seed", type=int, default=20171)
    g.add_argument("--out", default=str(PROJECT_ROOT / "sample_data"))
    g.add_argument("--shared", help="folder of the reference data (default: sample_data)")
    g.set_defaults(func=_sample)

    pg = sub.add_parser("purge", help="delete data past the retention period (audited)")
    pg.add_argument("--older-than", type=int, default=84, help="months (default 84)")
    pg.add_argument("--today", help=argparse.SUPPRESS)
    pg.set_defaults(func=_purge)

    us = sub.add_parser("users", help="who may sign in, with which role and areas")
    ussub = us.add_subparsers(dest="action", required=True)
    ussub.add_parser("list", help="list users").set_defaults(func=_users)
    uset = ussub.add_parser("set", help="add or change a user (audited)")
    uset.add_argument("identity", help="the e-mail address the user signs in with (used "
                      "only when their provider says it is verified; the first sign-in "
                      "binds the user to that OpenID Connect identity), or a label with "
                      "--issuer and --subject")
    uset.add_argument("--issuer", help="OpenID Connect issuer (iss) of the user's identity")
    uset.add_argument("--subject", help="OpenID Connect subject (sub) of the user's identity")
    uset.add_argument("--role", required=True, choices=ROLES)
    uset.add_argument("--areas", nargs="*", help="area codes the user may see, or *")
    uset.add_argument("--inactive", action="store_true", help="disable the account")
    uset.set_defaults(func=_users)

    from geo.cli import analysis as cli_analysis

    cli_analysis.add_commands(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=os.environ.get("CONTEXTS_LOG_LEVEL", "INFO" if args.verbose else "WARNING"),
        format="%(asctime)s %(name)s %(levelname)s %(message)s", stream=sys.stderr)
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:  # output piped into head and the like
        return 0
    except Exception as exc:  # the command line reports, it does not dump a traceback
        if os.environ.get("CONTEXTS_DEBUG"):
            raise
        print(f"contexts: {exc}", file=sys.stderr)
        return 2


def run() -> NoReturn:
    """The ``contexts`` command: :func:`main`, then the process ends without native
    libraries' teardown, which can abort a command that succeeded (:mod:`geo.process`)."""
    code = main()
    exit_now(code)


if __name__ == "__main__":
    run()
