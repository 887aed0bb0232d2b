"""backlint's lintcheck: every rule on real backend code bases, judged by hand.

    bench/run lintcheck [--part tuning,holdout] [--only NAME,..] [--mirror DIR]
                        [--bin PATH] [--jobs N] [--record] [--unjudged FILE] [--check]

The corpus (bench/lintcheck/corpus.toml) pins public repositories at commits and published
crates by checksum; nothing of their code is in this repository. Each code base is fetched
into $CARGO_TARGET_DIR/lintcheck/ (target/lintcheck/ without CARGO_TARGET_DIR):

  repositories  from a local mirror (--mirror DIR holding OWNER+NAME/repo or OWNER+NAME
                git directories, or OWNER/NAME), else cloned from GitHub; then the pinned
                commit is exported with `git archive` (no hooks, no checkout of a work tree)
  crates        the .crate archive from crates.io's static download host (or
                $BACKLINT_LINTCHECK_CRATES_URL), verified against the pinned SHA-256 and
                unpacked with tarfile's `data` filter (no links out, no special files)

and linted with every rule, `backlint --isolated --preview --format json --exit-zero` from
the code base's root (its own configuration is never read). Nothing of a code base is ever
built or run.

The verdicts (bench/lintcheck/verdicts.tsv) hold one line per judged finding, tab-separated:

    codebase  path  line  rule  verdict  reason

with verdict `true`, `false` or `debatable`. Precision is true / (true + false); debatable
findings are counted but not in the ratio. The report:

  - per rule and part: findings, judged, true, false, debatable, precision; the default run
    (stable rules without their preview sub-checks) separately;
  - the promotion rule: a rule is on by default only with holdout precision >= 0.9 over at
    least 20 judged holdout findings; every rule's standing against it;
  - the findings not yet judged (--unjudged FILE writes them as verdict lines to fill in);
  - what appeared and disappeared since the recorded run (bench/lintcheck/last-run.tsv;
    --record rewrites it), each with its verdict, so a rule change shows its effect.

--check exits 1 when a finding judged true disappeared (a fix must not lose true
findings) or a judged-false finding that had gone came back.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HERE = REPO / "bench/lintcheck"
CORPUS = HERE / "corpus.toml"
VERDICTS = HERE / "verdicts.tsv"
LAST_RUN = HERE / "last-run.tsv"
VERDICT_KINDS = ("true", "false", "debatable")
PROMOTE_PRECISION = 0.9
PROMOTE_JUDGED = 20
CRATES_URL = "https://static.crates.io/crates"
# Set when the crates' download host did not answer: the other crates are skipped.
UNREACHABLE: list[str] = []


def say(*a: object) -> None:
    print(*a, file=sys.stderr, flush=True)


def target_dir() -> Path:
    t = os.environ.get("CARGO_TARGET_DIR")
    return (REPO / t).resolve() if t else REPO / "target"


# ---------------------------------------------------------------- corpus


@dataclass
class Codebase:
    name: str
    part: str
    what: str
    repo: str | None = None
    commit: str | None = None
    crate: str | None = None
    version: str | None = None
    checksum: str | None = None


def load_corpus() -> list[Codebase]:
    data = tomllib.loads(CORPUS.read_text())
    out = []
    seen = set()
    for i, entry in enumerate(data.get("codebase", [])):
        where = f"{CORPUS.relative_to(REPO)}: codebase[{i}]"
        cb = Codebase(**entry)
        if cb.name in seen:
            sys.exit(f"{where}: the name `{cb.name}` is used twice")
        seen.add(cb.name)
        if cb.part not in ("tuning", "holdout", "reserve"):
            sys.exit(f"{where}: `part` must be tuning, holdout or reserve, not `{cb.part}`")
        if not ((cb.repo and cb.commit and len(cb.commit) == 40)
                or (cb.crate and cb.version and cb.checksum and len(cb.checksum) == 64)):
            sys.exit(f"{where}: expected `repo` and a 40-digit `commit`, or `crate`, "
                     "`version` and a 64-digit `checksum`")
        out.append(cb)
    return out


def mirror_git_dir(mirror: Path, repo: str) -> Path | None:
    owner, name = repo.split("/", 1)
    for cand in (mirror / f"{owner}+{name}" / "repo", mirror / f"{owner}+{name}",
                 mirror / owner / name):
        if (cand / "HEAD").is_file() or (cand / ".git").exists():
            return cand
    return None


def export_commit(git_dir: Path, commit: str, dest: Path) -> None:
    """Writes the regular files of `commit`'s tree into dest, read blob by blob with
    `git cat-file` (no hooks, filters, attributes or work tree of the code base are
    involved). Symbolic links and submodules are skipped, and so are blobs the mirror
    lacks (mirrors may leave out large binary files)."""
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    gd = str(git_dir if (git_dir / "HEAD").is_file() else git_dir / ".git")
    listing = subprocess.run(["git", "--git-dir", gd, "ls-tree", "-r", "-z", "--full-tree", commit],
                             check=True, capture_output=True, env=env).stdout
    entries = []
    for rec in listing.split(b"\0"):
        if not rec:
            continue
        meta, _, path = rec.partition(b"\t")
        mode, kind, sha = meta.split(b" ")
        rel = path.decode("utf-8", "surrogateescape")
        parts = rel.split("/")
        if kind != b"blob" or mode not in (b"100644", b"100755") or rel.startswith("/") \
                or any(p in ("", ".", "..") for p in parts):
            continue
        entries.append((sha.decode(), rel))
    batch = subprocess.Popen(["git", "--git-dir", gd, "cat-file", "--batch"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    assert batch.stdin and batch.stdout
    for sha, rel in entries:
        batch.stdin.write(sha.encode() + b"\n")
        batch.stdin.flush()
        header = batch.stdout.readline().split()
        if len(header) < 3:  # "<sha> missing"
            continue
        data = batch.stdout.read(int(header[2]))
        batch.stdout.read(1)  # the newline after the contents
        out = dest / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    batch.stdin.close()
    batch.wait()


def fetch_repo(cb: Codebase, root: Path, mirror: Path | None) -> Path | None:
    dest = root / "repos" / cb.name
    stamp = root / "repos" / f"{cb.name}.commit"
    if dest.is_dir() and stamp.is_file() and stamp.read_text().strip() == cb.commit:
        return dest
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    git_dir = mirror_git_dir(mirror, cb.repo) if mirror else None
    try:
        if git_dir is not None:
            export_commit(git_dir, cb.commit, dest)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                clone = Path(tmp) / "clone"
                subprocess.run(
                    ["git", "-c", "core.hooksPath=/dev/null", "clone", "--quiet", "--bare",
                     "--filter=blob:none", f"https://github.com/{cb.repo}", str(clone)],
                    check=True, capture_output=True, timeout=900)
                export_commit(clone, cb.commit, dest)
    except (subprocess.SubprocessError, OSError, tarfile.TarError) as e:
        shutil.rmtree(dest, ignore_errors=True)
        detail = getattr(e, "stderr", b"") or b""
        say(f"   {cb.name}: not available ({e}; {detail.decode(errors='replace').strip()[:200]})")
        return None
    stamp.write_text(cb.commit + "\n")
    return dest


def fetch_crate(cb: Codebase, root: Path) -> Path | None:
    dest = root / "crates" / f"{cb.crate}-{cb.version}"
    stamp = root / "crates" / f"{cb.crate}-{cb.version}.sha256"
    if dest.is_dir() and stamp.is_file() and stamp.read_text().strip() == cb.checksum:
        return dest
    base = os.environ.get("BACKLINT_LINTCHECK_CRATES_URL", CRATES_URL).rstrip("/")
    url = f"{base}/{cb.crate}/{cb.crate}-{cb.version}.crate"
    if UNREACHABLE:
        say(f"   {cb.name}: not available ({base} did not answer before)")
        return None
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            data = r.read()
    except OSError as e:
        # Once the host does not answer, the other crates are not tried (a machine
        # without that network waits once, not once per crate).
        if not isinstance(e, urllib.error.HTTPError):
            UNREACHABLE.append(base)
        say(f"   {cb.name}: not available ({url}: {e})")
        return None
    digest = hashlib.sha256(data).hexdigest()
    if digest != cb.checksum:
        say(f"   {cb.name}: checksum mismatch ({url}: {digest}, pinned {cb.checksum})")
        return None
    shutil.rmtree(dest, ignore_errors=True)
    (root / "crates").mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root / "crates") as tmp:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            tar.extractall(tmp, filter="data")
        inner = Path(tmp) / f"{cb.crate}-{cb.version}"
        if not inner.is_dir():
            say(f"   {cb.name}: the archive has no {inner.name}/ directory")
            return None
        inner.rename(dest)
    stamp.write_text(cb.checksum + "\n")
    return dest


# ---------------------------------------------------------------- running


@dataclass(frozen=True)
class Found:
    codebase: str
    path: str
    line: int
    rule: str
    kind: str  # "default", "preview" (a preview rule) or "sub-check" (a stable rule's)
    message: str

    @property
    def key(self) -> tuple[str, str, int, str]:
        return (self.codebase, self.path, self.line, self.rule)


def rule_status(bin_path: Path) -> dict[str, str]:
    out = subprocess.run([str(bin_path), "list-rules", "--format", "json"], check=True,
                         capture_output=True, text=True).stdout
    return {r["code"]: r["status"] for r in json.loads(out)}


def run_backlint(bin_path: Path, cb: Codebase, root: Path, jobs: int,
                 status: dict[str, str]) -> tuple[list[Found], str]:
    proc = subprocess.run(
        [str(bin_path), "--isolated", "--preview", "--format", "json", "--exit-zero",
         "-j", str(jobs), "."],
        cwd=root, capture_output=True, text=True, timeout=1800,
        env={**os.environ, "NO_COLOR": "1"})
    if proc.returncode not in (0, 1):
        return [], f"exit {proc.returncode}: {proc.stderr.strip()[-300:]}"
    out = []
    for f in json.loads(proc.stdout or "[]"):
        kind = ("sub-check" if f.get("preview") else
                "default" if status.get(f["code"]) == "stable" else "preview")
        path = f["path"].removeprefix("./")
        out.append(Found(cb.name, path, f["line"], f["code"], kind,
                         " ".join(f["message"].split())))
    return out, proc.stderr.strip()


# ---------------------------------------------------------------- verdicts and runs


def load_verdicts() -> dict[tuple[str, str, int, str], tuple[str, str]]:
    out = {}
    if not VERDICTS.is_file():
        return out
    for n, line in enumerate(VERDICTS.read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) != 6 or not cols[2].isdigit() or cols[4] not in VERDICT_KINDS:
            sys.exit(f"{VERDICTS.relative_to(REPO)}:{n}: expected 6 tab-separated columns "
                     "(codebase, path, line, rule, verdict true|false|debatable, reason)")
        key = (cols[0], cols[1], int(cols[2]), cols[3])
        if key in out:
            sys.exit(f"{VERDICTS.relative_to(REPO)}:{n}: a second verdict for {key}")
        out[key] = (cols[4], cols[5])
    return out


def load_last_run() -> list[Found]:
    out = []
    if not LAST_RUN.is_file():
        return out
    for line in LAST_RUN.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        c = line.split("\t")
        out.append(Found(c[0], c[1], int(c[2]), c[3], c[4], c[5]))
    return out


def write_last_run(found: list[Found], ran: set[str]) -> None:
    kept = [f for f in load_last_run() if f.codebase not in ran]
    rows = sorted(kept + found, key=lambda f: (f.codebase, f.path, f.line, f.rule, f.message))
    LAST_RUN.write_text(
        "# The findings of the last recorded lintcheck run (bench/run lintcheck --record):\n"
        "# codebase\tpath\tline\trule\tkind (default, preview rule, sub-check)\tmessage\n"
        + "".join(f"{f.codebase}\t{f.path}\t{f.line}\t{f.rule}\t{f.kind}\t{f.message}\n"
                  for f in rows))


def ratio(t: int, f: int) -> str:
    return f"{t / (t + f):.2f}" if t + f else "-"


def report(found: list[Found], parts: dict[str, str], verdicts, status: dict[str, str]) -> None:
    by = defaultdict(Counter)  # (part, rule, scope) -> counts
    for f in found:
        part = parts[f.codebase]
        v = verdicts.get(f.key, ("unjudged", ""))[0]
        # `default`: what the default run reports; `preview`: what only --preview does;
        # `core`: a rule's findings other than its preview sub-check (what it reports
        # when it is on), the scope of the promotion rule.
        scopes = ["all", "default" if f.kind == "default" else "preview"]
        if f.kind != "sub-check":
            scopes.append("core")
        for scope in scopes:
            by[(part, f.rule, scope)]["findings"] += 1
            by[(part, f.rule, scope)][v] += 1
            if scope != "core":
                by[(part, "ALL", scope)]["findings"] += 1
                by[(part, "ALL", scope)][v] += 1
    rules = sorted({r for (_, r, _) in by if r != "ALL"}) + ["ALL"]
    for part in ("tuning", "holdout"):
        if not any(p == part for (p, _, _) in by):
            continue
        print(f"\n## {part}: precision per rule (true / (true + false); debatable apart)\n")
        print(f"{'rule':6} {'status':8} {'scope':8} {'found':>6} {'judged':>6} {'true':>5} "
              f"{'false':>5} {'debat':>5} {'prec':>5}")
        for r in rules:
            for scope in ("all", "default", "preview"):
                c = by.get((part, r, scope))
                if not c or (scope != "all" and c["findings"] == by[(part, r, "all")]["findings"]
                             and r != "ALL"):
                    continue
                judged = c["true"] + c["false"] + c["debatable"]
                print(f"{r:6} {status.get(r, ''):8} {scope:8} {c['findings']:6} {judged:6} "
                      f"{c['true']:5} {c['false']:5} {c['debatable']:5} "
                      f"{ratio(c['true'], c['false']):>5}")
        c = by.get((part, "ALL", "default"), Counter())
        print(f"\nthe default run on {part}: {c['true']} true, {c['false']} false, "
              f"{c['debatable']} debatable, {c['unjudged']} unjudged: precision "
              f"{ratio(c['true'], c['false'])}")
    print(f"\n## promotion: on by default only with holdout precision >= {PROMOTE_PRECISION} "
          f"over >= {PROMOTE_JUDGED} judged holdout findings (a rule's findings other than its "
          "preview sub-check)\n")
    for r in sorted(status):
        if status[r] == "stable" and r in ("BL001", "BL002", "BL003"):
            continue
        c = by.get(("holdout", r, "core"), Counter())
        judged = c["true"] + c["false"]
        p = c["true"] / judged if judged else 0.0
        ok = judged >= PROMOTE_JUDGED and p >= PROMOTE_PRECISION
        verdict = ("meets it" if ok else
                   f"below it ({judged} judged)" if judged < PROMOTE_JUDGED else "below it")
        note = ""
        if status[r] == "stable" and not ok:
            note = "  <- stable without meeting it"
        elif status[r] == "preview" and ok:
            note = "  <- could be promoted"
        print(f"{r}  {status[r]:8} holdout {c['true']:3} true {c['false']:3} false "
              f"precision {ratio(c['true'], c['false']):>4}: {verdict}{note}")


def main(argv: list[str]) -> None:
    p = argparse.ArgumentParser(prog="bench/run lintcheck", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--part", default="tuning,holdout",
                   help="parts to run: tuning, holdout, reserve (default tuning,holdout)")
    p.add_argument("--only", default="", help="only these code bases (comma-separated names)")
    p.add_argument("--crates", action="store_true",
                   help="only the published crates (all CI can fetch)")
    p.add_argument("--mirror", help="a directory of local git mirrors of the repositories")
    p.add_argument("--bin", help="the backlint binary (default: a release build of this tree)")
    p.add_argument("--jobs", type=int, default=2, help="backlint's threads (default 2)")
    p.add_argument("--fetch-only", action="store_true",
                   help="only fetch the chosen code bases (to read them, or to run offline later)")
    p.add_argument("--record", action="store_true", help="record this run as the last run")
    p.add_argument("--unjudged", help="write the unjudged findings to FILE as verdict lines")
    p.add_argument("--check", action="store_true",
                   help="exit 1 when a finding judged true disappeared since the recorded run")
    p.add_argument("--dir", default=str(target_dir() / "lintcheck"),
                   help="where code bases are fetched (default TARGET/lintcheck)")
    args = p.parse_args(argv)

    corpus = load_corpus()
    parts = {cb.name: cb.part for cb in corpus}
    wanted_parts = {x.strip() for x in args.part.split(",") if x.strip()}
    only = {x.strip() for x in args.only.split(",") if x.strip()}
    unknown = only - set(parts)
    if unknown:
        p.error(f"no code base named {', '.join(sorted(unknown))} in {CORPUS.relative_to(REPO)}")
    chosen = [cb for cb in corpus
              if (cb.name in only if only else cb.part in wanted_parts)
              and (cb.crate or not args.crates)]
    verdicts = load_verdicts()
    for key in verdicts:
        if key[0] not in parts:
            sys.exit(f"{VERDICTS.relative_to(REPO)}: a verdict for unknown code base {key[0]}")

    root = Path(args.dir)
    mirror = Path(args.mirror) if args.mirror else None
    if args.fetch_only:
        for cb in chosen:
            src = fetch_crate(cb, root) if cb.crate else fetch_repo(cb, root, mirror)
            print(f"{cb.name}\t{cb.part}\t{src or 'not available'}")
        return
    if args.bin:
        bin_path = Path(args.bin).resolve()
    else:
        say("== building backlint (release)")
        subprocess.run(["cargo", "build", "--release", "--locked", "--quiet", "--bin", "backlint"],
                       cwd=REPO, check=True)
        bin_path = target_dir() / "release/backlint"
    status = rule_status(bin_path)

    found: list[Found] = []
    ran: set[str] = set()
    missing = []
    for cb in chosen:
        say(f"== {cb.name} ({cb.part})")
        src = fetch_crate(cb, root) if cb.crate else fetch_repo(cb, root, mirror)
        if src is None:
            missing.append(cb.name)
            continue
        got, err = run_backlint(bin_path, cb, src, args.jobs, status)
        if err.startswith("exit "):
            say(f"   {cb.name}: backlint failed: {err}")
            missing.append(cb.name)
            continue
        ran.add(cb.name)
        found.extend(got)
        say(f"   {len(got)} findings")

    print(f"# lintcheck: {len(ran)} code bases run "
          f"({', '.join(f'{n} {p}' for p, n in sorted(Counter(parts[c] for c in ran).items()))})"
          + (f", {len(missing)} not available: {', '.join(missing)}" if missing else ""))
    report(found, parts, verdicts, status)

    unjudged = [f for f in found if f.key not in verdicts]
    print(f"\n## not yet judged: {len(unjudged)}\n")
    for f in unjudged[:200]:
        print(f"{f.codebase}\t{f.path}:{f.line}\t{f.rule} ({f.kind})\t{f.message[:140]}")
    if len(unjudged) > 200:
        print(f"... and {len(unjudged) - 200} more (--unjudged FILE lists them all)")
    if args.unjudged:
        Path(args.unjudged).write_text("".join(
            f"{f.codebase}\t{f.path}\t{f.line}\t{f.rule}\t\t{f.message}\n" for f in unjudged))

    before = [f for f in load_last_run() if f.codebase in ran]
    old = {f.key: f for f in before}
    new = {f.key: f for f in found}
    gone = [old[k] for k in sorted(old.keys() - new.keys())]
    came = [new[k] for k in sorted(new.keys() - old.keys())]
    print(f"\n## since the recorded run: {len(came)} appeared, {len(gone)} disappeared\n")
    lost_true = []
    back_false = []
    for sign, items in (("+", came), ("-", gone)):
        for f in items:
            v = verdicts.get(f.key, ("unjudged", ""))
            if sign == "-" and v[0] == "true":
                lost_true.append(f)
            if sign == "+" and v[0] == "false":
                back_false.append(f)
            print(f"{sign} {f.codebase}\t{f.path}:{f.line}\t{f.rule}\t[{v[0]}]\t{f.message[:120]}")
    if args.record:
        write_last_run(found, ran)
        say(f"recorded {len(found)} findings in {LAST_RUN.relative_to(REPO)}")
    if args.check and (lost_true or back_false):
        say(f"lintcheck: {len(lost_true)} finding(s) judged true disappeared, "
            f"{len(back_false)} judged false came back")
        sys.exit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
