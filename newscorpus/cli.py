"""The `newscorpus` command line."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

from config import Settings, SettingsError, load_settings
from config.loading import DEFAULT_CONFIG_PATH

if TYPE_CHECKING:
    import httpx

EXIT_RUN_FAILED = 2
EXIT_RUN_INCOMPLETE = 1
EXIT_INTERRUPTED = 130


class CommandError(Exception):
    """The command could not proceed; the message is printed and the exit status is 2."""


def _settings(args: argparse.Namespace) -> Settings:
    """The settings of `--config`, checked: every command loads them before any work starts."""
    return load_settings(args.config)


def _database_url(args: argparse.Namespace, writing: bool = True) -> str:
    """The corpus URL (--db, else the config's), checked and normalised before work starts;
    the settings are checked first whichever it is."""
    from newscorpus.database import DatabaseUrlError, normalise_database_url

    settings = _settings(args)
    url = args.db or settings.database.url
    try:
        return normalise_database_url(url, writing)
    except DatabaseUrlError as exc:
        raise CommandError(str(exc)) from None


def _existing_store(args: argparse.Namespace) -> Any:
    """The corpus for a read-only command; nothing is created when there is none."""
    from corpus.store import StoreError, open_existing_store

    try:
        return open_existing_store(_database_url(args, writing=False))
    except StoreError as exc:
        raise CommandError(str(exc)) from None


def _flow_parameter_url(url: str | None) -> str | None:
    """`url` as a flow parameter, or None when it holds a password: Prefect stores parameters
    in plain text and shows them in its UI, so such a URL reaches the flows (in this process
    and in the ones `serve` starts) through NEWSCORPUS_DATABASE_URL instead."""
    if url is None:
        return None
    from sqlalchemy.engine import make_url

    if make_url(url).password is None:
        return url
    os.environ["NEWSCORPUS_DATABASE_URL"] = url
    return None


def _run_flow(
    name: str,
    parameters: dict[str, Any],
    args: argparse.Namespace,
    expected: Callable[[], int | None] = lambda: None,
) -> int:
    """Run the flow `flows.<name>.<name>` with `parameters` against the Prefect API (a local
    one unless PREFECT_API_URL is set), with a progress bar on a terminal (of `expected()`
    documents when the flow cannot tell), then print its counts. The flow's modules are
    imported, and the extraction workers' fork server started, while a local server starts."""
    from newscorpus.prefect_env import prefect_api
    from newscorpus.terminal import console_for, print_table, progress_bar, terminal_logs

    expected = cache(expected)  # the progress bar and `_load_flow` both ask (a folder walk)
    with progress_bar(args.command, expected) as stderr, prefect_api() as api:
        flow = _load_flow(name, args, expected)
        from corpus.runs import RunCancelled

        try:
            api.wait_until_ready()
            with terminal_logs(stderr, args.verbose), api.flow_settings():
                counts = flow(**parameters)
        except (RunCancelled, KeyboardInterrupt) as exc:
            print(f"newscorpus: {exc or 'interrupted'}", file=sys.stderr)
            return EXIT_INTERRUPTED
    from corpus.report import summary_tables

    run_id, status = counts.pop("run_id"), counts.pop("status", "completed")
    print(f"run {run_id}")
    print_table(console_for(sys.stdout), summary_tables(counts))
    if status != "completed":
        print(
            f"newscorpus: run {run_id} is {status}: some articles were not stored "
            "(see `newscorpus runs`)",
            file=sys.stderr,
        )
        return EXIT_RUN_INCOMPLETE
    return 0


def _load_flow(
    name: str, args: argparse.Namespace, expected: Callable[[], int | None]
) -> Callable[..., dict[str, Any]]:
    """The flow function, imported; when its extraction will run on worker processes (the
    `processes` runner and at least a batch of documents expected), their fork server is
    started too, so that its imports overlap the rest of the start-up."""
    from importlib import import_module

    flow = getattr(import_module(f"flows.{name}"), name)
    pipeline = _settings(args).pipeline
    if pipeline.runner == "processes" and (expected() or 0) >= pipeline.batch_size:
        from extractors.parallel import start_fork_server

        start_fork_server()
    return flow


def _check_import_paths(paths: Sequence[str]) -> None:
    """Every path to import exists, and every folder has something to import."""
    for given in paths:
        if not os.path.lexists(given):
            raise CommandError(f"no such file or folder: {given}")
    _check_folders_have_inputs(paths)


def _check_folders_have_inputs(paths: Sequence[str]) -> None:
    """A folder holds at least one supported file; else say what was skipped."""
    from extractors.inputs import HTML_SUFFIXES, JSONL_SUFFIXES, TEXT_SUFFIXES, input_kind

    for given in paths:
        path = Path(given)
        if not path.is_dir():
            continue
        skipped = []
        for root, dirs, files in os.walk(path):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            if any(input_kind(Path(root) / name) for name in files):
                break
            skipped += files
        else:
            supported = " ".join((*HTML_SUFFIXES, *TEXT_SUFFIXES, *JSONL_SUFFIXES))
            shown = ", ".join(sorted(skipped)[:5]) + (", ..." if len(skipped) > 5 else "")
            what = f"skipped {len(skipped)} file(s): {shown}" if skipped else "it is empty"
            raise CommandError(f"no supported files in {given} ({what}; supported: {supported})")


def cmd_import(args: argparse.Namespace) -> int:
    _check_import_paths(args.paths)
    url, config = _flow_parameter_url(_database_url(args)), args.config
    paths = list(args.paths)
    parameters = {"paths": paths, "database_url": url, "config_path": config}
    return _run_flow("import_files", parameters, args, lambda: _document_count(paths))


def _document_count(paths: Sequence[str]) -> int | None:
    """How many documents the import reads, counting files without opening them; None when a
    JSON Lines or WARC file (many documents each) is among them."""
    from extractors.inputs import input_kind

    files: list[Path] = []
    for given in map(Path, paths):
        if not given.is_dir():
            files.append(given)
            continue
        for root, dirs, names in os.walk(given):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            files += [Path(root) / name for name in names if input_kind(Path(root) / name)]
    if any(input_kind(path) in ("jsonl", "warc") for path in files):
        return None
    return len(files)


def cmd_reextract(args: argparse.Namespace) -> int:
    if not (args.all or args.since or args.site):
        raise CommandError("say which articles: --all, --since DATE or --site HOST")
    url, config = _flow_parameter_url(_database_url(args)), args.config
    try:
        datetime.fromisoformat(args.since or "2000-01-01")
    except ValueError as exc:
        raise CommandError(f"--since {args.since!r} is not a date (YYYY-MM-DD): {exc}") from exc
    parameters = {"since": args.since, "site": args.site, "database_url": url}
    return _run_flow("reextract", parameters | {"config_path": config}, args)


def _url_list(path: str) -> list[str]:
    """The list's URLs; a line that is not UTF-8 is kept as an unfetchable entry (it becomes
    a recorded failure) instead of stopping the run."""
    from fetching.urls import decode_url_list, read_url_list

    try:
        if path == "-":
            stdin = sys.stdin
            data = stdin.buffer.read() if hasattr(stdin, "buffer") else stdin.read().encode()
        else:
            with open(path, "rb") as handle:
                data = handle.read()
    except OSError as exc:
        raise CommandError(f"cannot read URL list {path}: {exc.strerror}") from exc
    return read_url_list(decode_url_list(data))


def cmd_ingest_urls(args: argparse.Namespace) -> int:
    url, config = _flow_parameter_url(_database_url(args)), args.config
    urls = _url_list(args.file)
    parameters = {"urls": urls, "database_url": url, "config_path": config}
    return _run_flow("ingest_urls", parameters, args, lambda: len(urls))


def cmd_ingest_feeds(args: argparse.Namespace) -> int:
    settings = _settings(args)
    feeds = args.feeds or None  # None: the feeds and sitemaps of the config's groups
    if not (feeds or settings.feeds.all_feeds() or settings.feeds.all_sitemaps()):
        raise CommandError("no feeds: pass --feed URL or add [[feeds.groups]] to the config")
    url, config = _flow_parameter_url(_database_url(args)), args.config
    parameters = {"feeds": feeds, "database_url": url, "config_path": config}
    return _run_flow("ingest_feeds", parameters, args)


def cmd_serve(args: argparse.Namespace) -> int:
    from newscorpus.prefect_env import configured_api_url, prefect_api

    config = os.path.abspath(args.config) if args.config else None
    settings = load_settings(config)
    corpus_url = _database_url(args)
    _create_corpus(corpus_url, settings)
    database_url = _flow_parameter_url(corpus_url) if args.db else None
    with prefect_api(full=True) as api:
        api.wait_until_ready()
        ui_url = api.ui_url or (configured_api_url() or "").removesuffix("/").removesuffix("/api")
        print(f"newscorpus: Prefect UI at {ui_url}", flush=True)
        _serve(settings, database_url, corpus_url, config)
    return 0


def _create_corpus(url: str, settings: Settings) -> None:
    """Create (or migrate) the corpus once, before scheduled runs that may start together."""
    from corpus.store import open_store

    open_store(url, settings=settings).close()


def _serve(
    settings: Settings, database_url: str | None, corpus_url: str, config: str | None
) -> None:
    from flows.serve import feed_deployments, on_demand_deployment, serve_deployments

    scheduled = feed_deployments(settings, database_url, config)
    if not scheduled:
        print(
            f"newscorpus: no feed group with feeds in {settings.source}: serving only the "
            "on-demand ingest_urls deployment; add [[feeds.groups]] tables with name, cron and "
            "feeds to schedule feeds (see docs/fetching.md)",
            file=sys.stderr,
        )
    serve_deployments([*scheduled, on_demand_deployment(database_url, config)], corpus_url)


def cmd_extract(args: argparse.Namespace) -> int:
    from extractors import ExtractionConfig, InputFailure, extract_many, iter_documents

    config = ExtractionConfig.from_settings(_settings(args))
    _check_folders_have_inputs(args.paths)
    for given in args.paths:
        for result in extract_many(iter_documents([given], config.max_input_bytes), config):
            if isinstance(result, InputFailure):
                record: dict[str, Any] = {"source": result.source, "error": result.reason}
            else:
                article = result.article
                record = {
                    "source": result.source,
                    "title": article.title,
                    "text": article.text,
                    "language": article.language,
                    "published": article.published,
                    "authors": article.authors,
                    "site": article.site,
                    "url": article.url,
                    "extractor": article.extractor,
                }
            print(json.dumps(record, ensure_ascii=False), flush=True)
    return 0


def _export_time(value: str | None, option: str) -> datetime | None:
    """An ISO 8601 date or time given to `option`, in UTC (a time without a zone is UTC)."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(
            f"{option} {value!r}: not an ISO 8601 date or time (e.g. 2026-11-24 or "
            "2026-11-24T09:30:00+01:00)"
        ) from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _export_command(argv: Sequence[str]) -> str:
    """The command line that made an export, for its dataset card, with passwords masked."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    shown = []
    for arg in argv:
        try:
            shown.append(make_url(arg).render_as_string() if "://" in arg else arg)
        except ArgumentError:
            shown.append(arg)
    return " ".join(["newscorpus", *shown])


@contextmanager
def _export_errors(out: Path | None) -> Iterator[None]:
    """An export that cannot be written as asked becomes a one-line CommandError."""
    from corpus.export import ExportError

    try:
        yield
    except ExportError as exc:
        raise CommandError(str(exc)) from exc
    except OSError as exc:
        raise CommandError(f"cannot write {out}: {exc.strerror or exc}") from exc


def cmd_export(args: argparse.Namespace) -> int:
    since, as_of = _export_time(args.since, "--since"), _export_time(args.as_of, "--as-of")
    if args.cursor and args.since_run:
        raise CommandError("give --cursor NAME or --since-run RUN_ID, not both")
    if (args.cursor or args.since_run) and as_of is not None:
        raise CommandError(
            "--as-of takes a snapshot: it cannot be combined with --cursor/--since-run"
        )
    out = Path(args.out) if args.out else None
    to_directory = out is not None and (args.out.endswith(("/", os.sep)) or out.is_dir())
    if out is None and args.format == "parquet":
        raise CommandError("Parquet is binary: give --out FILE.parquet or --out DIRECTORY/")
    if out is not None and not to_directory and not out.absolute().parent.is_dir():
        raise CommandError(
            f"cannot write {args.out}: the folder {out.absolute().parent} does not exist"
        )
    settings = _settings(args).export
    store = _existing_store(args)
    from corpus import export
    from newscorpus.api import Corpus

    corpus = Corpus(store.engine)
    with store.sessions() as session, _export_errors(out):
        if args.cursor:
            run_ids = export.pending_runs(session, args.cursor)
        elif args.since_run:
            run_ids = export.runs_since(session, args.since_run)
        else:
            run_ids = None
    records = corpus.articles(
        language=args.language, site=args.site, since=since, as_of=as_of,
        canonical_only=args.canonical_only, versions=args.versions or run_ids is not None,
        run_ids=run_ids,
    )  # fmt: skip
    with _export_errors(out):
        if out is None:
            summary = export.export_stream(records, args.format, sys.stdout)
        elif to_directory:
            command = _export_command(args.argv)
            part_bytes = None if args.part_size is None else args.part_size * 1024 * 1024
            summary = export.export_directory(
                records, args.format, out, command, settings, part_bytes
            )
        else:
            summary = export.export_file(records, args.format, out, settings)
    if args.cursor and run_ids is not None:
        with store.sessions.begin() as session:
            export.advance_cursor(session, args.cursor, run_ids)
    if out is not None:
        print(f"exported {summary.rows} article versions to {out}", file=sys.stderr)
    return 0


# Counts only runs that fetch have, shown on a line of their own under the run's row.
FETCH_COUNTS = (
    "fetched", "not_modified", "fetch_failed", "feeds_fetched", "feeds_not_modified",
    "feeds_failed", "feeds_backing_off", "new_entries", "sitemaps_fetched",
    "sitemaps_not_modified", "sitemaps_failed", "sitemaps_backing_off", "outside_window",
)  # fmt: skip


def cmd_ingest_sitemaps(args: argparse.Namespace) -> int:
    from flows.ingest_sitemaps import date_window

    url, config = _flow_parameter_url(_database_url(args)), args.config
    try:
        date_window(args.since, args.until)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    parameters = {"sitemaps": list(args.urls), "since": args.since, "until": args.until}
    parameters |= {"database_url": url, "config_path": config}
    return _run_flow("ingest_sitemaps", parameters, args)


def cmd_discover(args: argparse.Namespace) -> int:
    from fetching.discovery import discover, toml_snippet
    from fetching.http import Fetcher

    with Fetcher(_settings(args).fetch) as fetcher:
        snippets = [toml_snippet(discover(fetcher, url)) for url in args.urls]
    print("\n".join(snippets), end="")
    return 0


def fetch_counts_line(counts: dict[str, Any]) -> str | None:
    """`fetched 3, not modified 1, ...` for a run that fetched; None for an import run."""
    shown = [f"{key.replace('_', ' ')} {counts[key]}" for key in FETCH_COUNTS if key in counts]
    return ", ".join(shown) if shown else None


def prefect_flow_runs(ids: Sequence[str | None]) -> dict[str, dict[str, str]]:
    """Name and UI link of each flow run, from the Prefect server PREFECT_API_URL names
    (empty without one, or when it does not answer: `runs` works offline)."""
    import httpx

    from newscorpus.prefect_env import environment_api_url

    api_url, wanted = (environment_api_url() or "").rstrip("/"), [i for i in ids if i]
    if not api_url or not wanted:
        return {}
    body = {"flow_runs": {"id": {"any_": wanted}}, "limit": len(wanted)}
    try:
        response = httpx.post(f"{api_url}/flow_runs/filter", json=body, timeout=5)
        response.raise_for_status()
        found = response.json()
    except (httpx.HTTPError, ValueError):
        return {}
    ui = api_url.removesuffix("/api")
    return {
        run["id"]: {
            "prefect_flow_run_name": run["name"],
            "prefect_url": f"{ui}/runs/flow-run/{run['id']}",
        }
        for run in found
    }


def prefect_line(run: dict[str, Any], flow_runs: dict[str, dict[str, str]]) -> str:
    """`prefect flow run NAME ID URL`: the name stored with the run (or the server's), the
    id, and the UI link when a server is known."""
    flow_run_id = run["prefect_flow_run_id"]
    known = flow_runs.get(flow_run_id, {})
    name = known.get("prefect_flow_run_name") or run.get("prefect_flow_run_name")
    parts = [name, flow_run_id, known.get("prefect_url")]
    return "prefect flow run " + " ".join(p for p in parts if p)


def cmd_runs(args: argparse.Namespace) -> int:
    store = _existing_store(args)
    runs = store.recent_runs(args.limit)
    flow_runs = prefect_flow_runs([run["prefect_flow_run_id"] for run in runs])
    if args.json:
        for run in runs:
            run["failures"] = store.run_failures(run["id"])
            run["warnings"] = store.run_warnings(run["id"])
            run.update(flow_runs.get(run["prefect_flow_run_id"], {}))
            print(json.dumps(run, ensure_ascii=False))
        return 0
    if not runs:
        print("no runs yet")
        return 0
    from corpus.report import plain_table
    from newscorpus.terminal import console_for, print_rows_with_details

    table = plain_table(*RUN_COLUMNS, right=RUN_COLUMNS[3:], no_wrap=True)
    details = []
    for run in runs:
        c = run["counts"]
        dups = c.get("duplicates", 0) + c.get("near_duplicates", 0)
        table.add_row(
            run["started_at"][:19], run["flow"], run["status"],
            *map(str, (c.get("imported", 0), c.get("new", 0), c.get("new_versions", 0),
                       c.get("unchanged", 0), dups, c.get("failures", 0))),
        )  # fmt: skip
        details.append(_run_details(store, run, flow_runs, args.failures))
    print_rows_with_details(console_for(sys.stdout), table, details)
    return 0


RUN_COLUMNS = ("started (UTC)", "flow", "status", "imported", "new", "vers", "same", "dups", "fail")


def _run_details(
    store: Any, run: dict[str, Any], flow_runs: dict[str, dict[str, str]], limit: int
) -> list[str]:
    """The lines under a run's row: fetch counts, Prefect flow run, failures, warnings."""
    lines = [line] if (line := fetch_counts_line(run["counts"])) else []
    if run["prefect_flow_run_id"]:
        lines.append(prefect_line(run, flow_runs))
    lines += [
        f"! {failure['source']} [{failure['stage']}] {failure['reason']}"
        for failure in store.run_failures(run["id"])[:limit]
    ]
    lines += [
        f"~ {warning['article']} {warning['warning']}"
        for warning in store.run_warnings(run["id"])[:limit]
    ]
    return lines


def cmd_duplicates(args: argparse.Namespace) -> int:
    from rich.padding import Padding
    from rich.text import Text

    from corpus.clusters import iter_clusters
    from corpus.report import plain_table
    from newscorpus.terminal import console_for, print_table

    console, count = console_for(sys.stdout), 0
    for found in iter_clusters(_existing_store(args).reading, min_size=args.min_size):
        cluster = found.summary()
        count += 1
        if args.json:
            print(json.dumps(cluster, ensure_ascii=False))
            continue
        title = cluster["members"][0]["title"]
        heading = f"cluster {cluster['cluster_id']} ({cluster['size']} articles): {title}"
        console.print(Text(heading), soft_wrap=True)
        members = plain_table("similarity", "article", "source", right=("similarity",))
        members.show_header = False
        for member in cluster["members"]:
            score = "canonical" if member["duplicate_of"] is None else f"{member['similarity']:.4f}"
            members.add_row(score, member["id"], member["source"])
        print_table(console, Padding(members, (0, 0, 0, 2), expand=False))
    if not count and not args.json:
        print("no duplicate clusters")
    return 0


def _add_global_options(parser: argparse.ArgumentParser, defaults: bool) -> None:
    """--db and --config, before the command (with defaults) or after it (overriding them)."""
    unset = argparse.SUPPRESS
    parser.add_argument(
        "--db",
        default=None if defaults else unset,
        help="SQLAlchemy database URL (env NEWSCORPUS_DATABASE_URL; "
        "default from the config: sqlite:///./data/newscorpus.db)",
    )
    parser.add_argument(
        "--config",
        default=None if defaults else unset,
        help=f"config file (env NEWSCORPUS_CONFIG; default {DEFAULT_CONFIG_PATH} when it exists)",
    )


RUNNER_ENV = "NEWSCORPUS_PIPELINE_RUNNER"


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    """Options of the commands that run a flow: --verbose, and --runner (where extraction
    runs, over `[pipeline] runner` through its environment variable, so the setting is
    checked and read as any other)."""
    from config.models import RUNNERS

    parser.add_argument(
        "--runner",
        choices=RUNNERS,
        help="where extraction runs (default from the config: processes)",
    )
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="show Prefect's INFO lines and the libraries' log lines on the terminal too "
        "(they always go to the run's log in Prefect)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newscorpus",
        description="Ingest news articles, strip boilerplate, deduplicate, keep every version.",
    )
    _add_global_options(parser, defaults=True)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_command = commands.add_parser

    def command_parser(name: str, **kwargs: Any) -> argparse.ArgumentParser:
        sub = add_command(name, **kwargs)
        _add_global_options(sub, defaults=False)
        return sub

    commands.add_parser = command_parser  # type: ignore[method-assign]

    p = commands.add_parser(
        "import", help="import .html/.htm(.gz), .txt, .jsonl and .warc(.gz) files"
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or directories (recursive)")
    _add_run_options(p)
    p.set_defaults(handler=cmd_import)

    p = commands.add_parser(
        "reextract", help="run the current extractor again over archived originals"
    )
    p.add_argument("--since", metavar="DATE", help="articles stored on or after DATE")
    p.add_argument("--site", metavar="HOST", help="articles of HOST (and its subdomains)")
    p.add_argument("--all", action="store_true", help="every article with an archived original")
    _add_run_options(p)
    p.set_defaults(handler=cmd_reextract)

    p = commands.add_parser("ingest-urls", help="fetch a list of URLs and ingest the articles")
    p.add_argument("file", metavar="FILE", help="one URL a line ('-' for standard input)")
    _add_run_options(p)
    p.set_defaults(handler=cmd_ingest_urls)

    p = commands.add_parser("ingest-feeds", help="poll RSS/Atom feeds and ingest new entries")
    p.add_argument(
        "--feed",
        dest="feeds",
        action="append",
        metavar="URL",
        help="a feed to poll (repeatable; default: every feed in the config's feed groups)",
    )
    _add_run_options(p)
    p.set_defaults(handler=cmd_ingest_feeds)

    p = commands.add_parser(
        "ingest-sitemaps", help="read sitemaps (indexes, .gz, news) and ingest new entries"
    )
    p.add_argument(
        "urls", nargs="+", metavar="URL", help="sitemaps, or site roots (their robots.txt)"
    )
    p.add_argument("--since", metavar="DATE", help="only entries dated on or after DATE")
    p.add_argument("--until", metavar="DATE", help="only entries dated on or before DATE")
    _add_run_options(p)
    p.set_defaults(handler=cmd_ingest_sitemaps)

    p = commands.add_parser(
        "discover", help="print the feeds and sitemaps sites announce, as feed-group TOML"
    )
    p.add_argument("urls", nargs="+", metavar="URL", help="a site's home page (or any page)")
    p.set_defaults(handler=cmd_discover)

    p = commands.add_parser(
        "serve",
        help="run the feed groups of the config on their cron schedules, plus an on-demand "
        "URL ingestion deployment (Prefect)",
    )
    p.set_defaults(handler=cmd_serve)

    p = commands.add_parser("extract", help="print clean articles as JSON lines; stores nothing")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.set_defaults(handler=cmd_extract)

    p = commands.add_parser(
        "export",
        help="stream articles (latest versions, a snapshot as of a time, every version, or "
        "what is new since the last pull) to JSON Lines, CSV or Parquet",
    )
    p.add_argument("--format", choices=["jsonl", "parquet", "csv"], default="jsonl")
    p.add_argument(
        "--out",
        help="output file, or a directory (ending in '/' or existing) for part files plus a "
        "dataset card README.md (default: standard output; not for Parquet)",
    )
    p.add_argument("--language", action="append", help="only this language (repeatable)")
    p.add_argument("--site", action="append", help="only this site (repeatable)")
    p.add_argument("--since", metavar="TIME", help="only versions stored at or after TIME")
    p.add_argument(
        "--as-of", metavar="TIME", help="the corpus as it stood at TIME (ISO 8601, UTC default)"
    )
    p.add_argument("--versions", action="store_true", help="every version, not only the latest")
    p.add_argument("--canonical-only", action="store_true", help="leave out duplicates")
    p.add_argument(
        "--since-run", metavar="RUN_ID", help="every version stored by runs started after RUN_ID"
    )
    p.add_argument(
        "--cursor",
        metavar="NAME",
        help="incremental pull: every version of the finished runs this NAME has not exported "
        "yet; remembered in the corpus once the output is written",
    )
    p.add_argument(
        "--part-size",
        type=int,
        metavar="MB",
        help="text per part file of a directory export (default: [export] part_size_mb, 256)",
    )
    p.set_defaults(handler=cmd_export)

    p = commands.add_parser("duplicates", help="clusters of duplicate and near-duplicate articles")
    p.add_argument("--min-size", type=int, default=2, help="smallest cluster shown")
    p.add_argument("--json", action="store_true", help="one JSON object per cluster")
    p.set_defaults(handler=cmd_duplicates)

    p = commands.add_parser("runs", help="recent ingestion runs with counts and failures")
    p.add_argument("--limit", type=int, default=10)
    p.add_argument("--failures", type=int, default=5, help="failures shown per run")
    p.add_argument("--json", action="store_true", help="one JSON object per run")
    p.set_defaults(handler=cmd_runs)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    if getattr(args, "runner", None):
        os.environ[RUNNER_ENV] = args.runner
    try:
        return args.handler(args)
    except (CommandError, SettingsError) as exc:
        print(f"newscorpus: {exc}", file=sys.stderr)
        return EXIT_RUN_FAILED
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        print("newscorpus: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        from sqlalchemy.exc import SQLAlchemyError

        from newscorpus.prefect_env import ServerStartError

        if isinstance(exc, ServerStartError):
            print(f"newscorpus: {exc}", file=sys.stderr)
            return EXIT_RUN_FAILED

        from corpus.store import StoreError

        if isinstance(exc, SQLAlchemyError | StoreError):
            print(f"newscorpus: database error: {exc}", file=sys.stderr)
            return EXIT_RUN_FAILED
        if _refused_by_prefect(exc):
            print(
                f"newscorpus: the Prefect API refused the request ({exc.response.status_code}): "
                "set PREFECT_API_AUTH_STRING to the server's auth string (user:password)",
                file=sys.stderr,
            )
            return EXIT_RUN_FAILED
        raise


def _refused_by_prefect(exc: Exception) -> TypeGuard[httpx.HTTPStatusError]:
    """The Prefect server requires an auth string and got none, or a wrong one."""
    import httpx

    return isinstance(exc, httpx.HTTPStatusError) and exc.response.status_code in (401, 403)


if __name__ == "__main__":
    sys.exit(main())
