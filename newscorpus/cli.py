"""The `newscorpus` command line."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from datetime import datetime
from typing import Any

from config import Settings, SettingsError, load_settings
from config.loading import DEFAULT_CONFIG_PATH

EXIT_RUN_FAILED = 2


class CommandError(Exception):
    """The command could not proceed; the message is printed and the exit status is 2."""


def _settings(args: argparse.Namespace) -> Settings:
    """The settings of `--config`, checked: every command loads them before any work starts."""
    return load_settings(args.config)


def _database_url(args: argparse.Namespace, settings: Settings) -> str:
    return args.db or settings.database.url


def _open_store(args: argparse.Namespace) -> Any:
    settings = _settings(args)
    from corpus.store import open_store

    return open_store(_database_url(args, settings), settings=settings)


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


def _run_flow(flow_call: Callable[[], dict[str, Any]]) -> int:
    counts = flow_call()
    from corpus.report import render_table

    print(f"run {counts.pop('run_id')}")
    print(render_table(counts))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from newscorpus.prefect_env import configure_prefect_environment

    url = _flow_parameter_url(_database_url(args, _settings(args)))
    config = args.config
    configure_prefect_environment()
    from flows.import_files import import_files

    return _run_flow(lambda: import_files(list(args.paths), database_url=url, config_path=config))


def cmd_reextract(args: argparse.Namespace) -> int:
    from newscorpus.prefect_env import configure_prefect_environment

    if not (args.all or args.since or args.site):
        raise CommandError("say which articles: --all, --since DATE or --site HOST")
    url = _flow_parameter_url(_database_url(args, _settings(args)))
    config = args.config
    try:
        datetime.fromisoformat(args.since or "2000-01-01")
    except ValueError as exc:
        raise CommandError(f"--since {args.since!r} is not a date (YYYY-MM-DD): {exc}") from exc
    configure_prefect_environment()
    from flows.reextract import reextract

    return _run_flow(lambda: reextract(args.since, args.site, url, config_path=config))


def _url_list(path: str) -> list[str]:
    from fetching.urls import read_url_list

    if path == "-":
        return read_url_list(sys.stdin)
    try:
        with open(path, encoding="utf-8") as handle:
            return read_url_list(handle)
    except OSError as exc:
        raise CommandError(f"cannot read URL list {path}: {exc.strerror}") from exc


def cmd_ingest_urls(args: argparse.Namespace) -> int:
    from newscorpus.prefect_env import configure_prefect_environment

    url = _flow_parameter_url(_database_url(args, _settings(args)))
    config = args.config
    urls = _url_list(args.file)
    configure_prefect_environment()
    from flows.ingest_urls import ingest_urls

    return _run_flow(lambda: ingest_urls(urls, database_url=url, config_path=config))


def cmd_ingest_feeds(args: argparse.Namespace) -> int:
    from newscorpus.prefect_env import configure_prefect_environment

    settings = _settings(args)
    feeds = args.feeds or settings.feeds.all_feeds()
    if not feeds:
        raise CommandError("no feeds: pass --feed URL or add [[feeds.groups]] to the config")
    url, config = _flow_parameter_url(_database_url(args, settings)), args.config
    configure_prefect_environment()
    from flows.ingest_feeds import ingest_feeds

    return _run_flow(lambda: ingest_feeds(feeds, database_url=url, config_path=config))


def cmd_serve(args: argparse.Namespace) -> int:
    from newscorpus.prefect_env import configure_prefect_environment

    config = os.path.abspath(args.config) if args.config else None
    settings = load_settings(config)
    configure_prefect_environment()
    from flows.serve import feed_deployments, on_demand_deployment, serve_deployments

    url = _flow_parameter_url(args.db)
    scheduled = feed_deployments(settings, url, config)
    if not scheduled:
        print(
            f"newscorpus: no feed group with feeds in {settings.source}: serving only the "
            "on-demand ingest_urls deployment; add [[feeds.groups]] tables with name, cron and "
            "feeds to schedule feeds (see docs/fetching.md)",
            file=sys.stderr,
        )
    serve_deployments([*scheduled, on_demand_deployment(url, config)])
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    from extractors import ExtractionConfig, InputFailure, extract_many, iter_documents

    config = ExtractionConfig.from_settings(_settings(args))
    for given in args.paths:
        for result in extract_many(iter_documents([given], config.max_input_bytes), config):
            if isinstance(result, InputFailure):
                record = {"source": result.source, "error": result.reason}
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


def cmd_export(args: argparse.Namespace) -> int:
    from corpus.export import export_jsonl

    store = _open_store(args)
    target = open(args.out, "w", encoding="utf-8") if args.out else nullcontext(sys.stdout)  # noqa: SIM115
    with target as out:
        count = export_jsonl(store, out, canonical_only=args.canonical_only)
    if args.out:
        print(f"exported {count} articles to {args.out}", file=sys.stderr)
    return 0


# Counts only runs that fetch have, shown on a line of their own under the run's row.
FETCH_COUNTS = (
    "fetched", "not_modified", "feeds_fetched", "feeds_not_modified", "feeds_failed",
    "new_entries",
)  # fmt: skip


def fetch_counts_line(counts: dict[str, Any]) -> str | None:
    """`fetched 3, not modified 1, ...` for a run that fetched; None for an import run."""
    shown = [f"{key.replace('_', ' ')} {counts[key]}" for key in FETCH_COUNTS if key in counts]
    return ", ".join(shown) if shown else None


def cmd_runs(args: argparse.Namespace) -> int:
    store = _open_store(args)
    runs = store.recent_runs(args.limit)
    if args.json:
        for run in runs:
            run["failures"] = store.run_failures(run["id"])
            print(json.dumps(run, ensure_ascii=False))
        return 0
    if not runs:
        print("no runs yet")
        return 0
    header = (
        f"{'started (UTC)':19}  {'flow':14}  {'status':9}  imported  new  vers  same  dups  fail"
    )
    print(header)
    print("-" * len(header))
    for run in runs:
        c = run["counts"]
        dups = c.get("duplicates", 0) + c.get("near_duplicates", 0)
        print(
            f"{run['started_at'][:19]:19}  {run['flow'][:14]:14}  {run['status']:9}  "
            f"{c.get('imported', 0):>8}  {c.get('new', 0):>3}  {c.get('new_versions', 0):>4}  "
            f"{c.get('unchanged', 0):>4}  {dups:>4}  {c.get('failures', 0):>4}"
        )
        if fetched := fetch_counts_line(c):
            print(f"    {fetched}")
        for failure in store.run_failures(run["id"])[: args.failures]:
            print(f"    ! {failure['source']} [{failure['stage']}] {failure['reason']}")
    return 0


def cmd_duplicates(args: argparse.Namespace) -> int:
    from corpus.clusters import iter_clusters

    count = 0
    for cluster in iter_clusters(_open_store(args), min_size=args.min_size):
        count += 1
        if args.json:
            print(json.dumps(cluster, ensure_ascii=False))
            continue
        canonical = cluster["members"][0]
        print(f"cluster {cluster['cluster_id']} ({cluster['size']} articles): {canonical['title']}")
        for member in cluster["members"]:
            score = "canonical" if member["duplicate_of"] is None else f"{member['similarity']:.4f}"
            print(f"  {score:>9}  {member['id']}  {member['source']}")
    if not count and not args.json:
        print("no duplicate clusters")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newscorpus",
        description="Ingest news articles, strip boilerplate, deduplicate, keep every version.",
    )
    parser.add_argument(
        "--db",
        help="SQLAlchemy database URL (env NEWSCORPUS_DATABASE_URL; "
        "default from the config: sqlite:///./data/newscorpus.db)",
    )
    parser.add_argument(
        "--config",
        help=f"config file (env NEWSCORPUS_CONFIG; default {DEFAULT_CONFIG_PATH} when it exists)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser(
        "import", help="import .html/.htm(.gz), .txt, .jsonl and .warc(.gz) files"
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or directories (recursive)")
    p.set_defaults(handler=cmd_import)

    p = commands.add_parser(
        "reextract", help="run the current extractor again over archived originals"
    )
    p.add_argument("--since", metavar="DATE", help="articles stored on or after DATE")
    p.add_argument("--site", metavar="HOST", help="articles of HOST (and its subdomains)")
    p.add_argument("--all", action="store_true", help="every article with an archived original")
    p.set_defaults(handler=cmd_reextract)

    p = commands.add_parser("ingest-urls", help="fetch a list of URLs and ingest the articles")
    p.add_argument("file", metavar="FILE", help="one URL a line ('-' for standard input)")
    p.set_defaults(handler=cmd_ingest_urls)

    p = commands.add_parser("ingest-feeds", help="poll RSS/Atom feeds and ingest new entries")
    p.add_argument(
        "--feed",
        dest="feeds",
        action="append",
        metavar="URL",
        help="a feed to poll (repeatable; default: every feed in the config's feed groups)",
    )
    p.set_defaults(handler=cmd_ingest_feeds)

    p = commands.add_parser(
        "serve",
        help="run the feed groups of the config on their cron schedules, plus an on-demand "
        "URL ingestion deployment (Prefect)",
    )
    p.set_defaults(handler=cmd_serve)

    p = commands.add_parser("extract", help="print clean articles as JSON lines; stores nothing")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.set_defaults(handler=cmd_extract)

    p = commands.add_parser("export", help="stream the latest version of every article")
    p.add_argument("--format", choices=["jsonl"], default="jsonl")
    p.add_argument("--out", help="output file (default: standard output)")
    p.add_argument("--canonical-only", action="store_true", help="leave out duplicates")
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
    try:
        return args.handler(args)
    except (CommandError, SettingsError) as exc:
        print(f"newscorpus: {exc}", file=sys.stderr)
        return EXIT_RUN_FAILED
    except BrokenPipeError:
        return 0
    except Exception as exc:
        from sqlalchemy.exc import SQLAlchemyError

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


def _refused_by_prefect(exc: Exception) -> bool:
    """The Prefect server requires an auth string and got none, or a wrong one."""
    import httpx

    return isinstance(exc, httpx.HTTPStatusError) and exc.response.status_code in (401, 403)


if __name__ == "__main__":
    sys.exit(main())
