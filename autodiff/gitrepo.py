"""The few git questions ``rebase`` and ``review`` ask, through the ``git`` command itself.

Plumbing commands with ``-z`` output, so file names are never re-parsed from prose;
every failure becomes one line naming the git command, never a traceback.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from autodiff.errors import AutodiffError

#: Tried in order when no --onto is given: the remote's default branch first, since
#: that is what a pull request merges into; a local main may be stale.
DEFAULT_BRANCHES = ("origin/HEAD", "origin/main", "origin/master", "main", "master")


class GitError(AutodiffError):
    """git is missing, this is not a repository, or a revision is unknown."""


class Git:
    """One work tree, addressed by its top-level folder."""

    def __init__(self, top: Path) -> None:
        self.top = top

    @classmethod
    def find(cls, folder: Path) -> Git:
        """The repository holding ``folder``; GitError when there is none."""
        if not folder.is_dir():
            raise GitError(f"migrations folder not found: {folder}",
                           hint="run `autodiff init`, or pass --migrations DIR")
        proc = _run(["rev-parse", "--show-toplevel"], folder)
        if proc.returncode != 0:
            raise GitError(f"not a git repository: {folder}",
                           hint="rebase and review compare with a git revision "
                                "(`autodiff rebase --sum-only` needs no git)")
        return cls(Path(proc.stdout.decode().strip()))

    def run(self, *args: str, stdin: bytes | None = None) -> bytes:
        """stdout of ``git ARGS`` in the top folder; GitError on a non-zero exit."""
        proc = _run(list(args), self.top, stdin)
        if proc.returncode != 0:
            lines = proc.stderr.decode(errors="replace").strip().splitlines()
            raise GitError(f"git {' '.join(args[:2])} failed: {lines[-1] if lines else '?'}")
        return proc.stdout

    def relative(self, folder: Path) -> Path:
        """``folder`` relative to the top of the work tree."""
        try:
            return folder.resolve().relative_to(self.top.resolve())
        except ValueError:
            raise GitError(f"{folder} is outside the git work tree {self.top}") from None

    def resolve(self, onto: str | None) -> str:
        """The revision to rebase onto, as given or the first default branch that exists."""
        for name in (onto,) if onto else DEFAULT_BRANCHES:
            proc = _run(["rev-parse", "--verify", "--quiet", f"{name}^{{commit}}"], self.top)
            if proc.returncode == 0:
                return name
        if onto:
            raise GitError(f"unknown git revision: {onto}",
                           hint="pass a branch, tag or commit that exists, e.g. --onto main")
        raise GitError("no main branch found (tried " + ", ".join(DEFAULT_BRANCHES) + ")",
                       hint="pass --onto REV")

    def merge_base(self, rev: str) -> str:
        """The commit where HEAD and ``rev`` diverged."""
        proc = _run(["merge-base", "HEAD", rev], self.top)
        if proc.returncode != 0:
            raise GitError(f"no merge base of HEAD and {rev}",
                           hint="commit first, or pass the revision to compare with")
        return proc.stdout.decode().strip()

    def untracked(self, rel: Path) -> list[str]:
        """Names of the files directly in ``rel`` git does not track (and does not ignore)."""
        out = self.run("ls-files", "--others", "--exclude-standard", "-z", "--",
                       rel.as_posix())
        return [Path(p).name for p in out.decode().split("\0") if p and Path(p).parent == rel]

    def tree_scripts(self, rev: str, rel: Path) -> dict[str, str]:
        """File name -> blob id of the files directly in ``rel`` at ``rev``."""
        spec = [] if rel == Path(".") else ["--", f"{rel.as_posix()}/"]
        out = self.run("ls-tree", "-z", "--full-tree", rev, *spec)
        found = {}
        for entry in filter(None, out.split(b"\0")):
            meta, path = entry.decode().split("\t", 1)
            kind, oid = meta.split()[1:3]
            if kind == "blob":
                found[Path(path).name] = oid
        return found

    def unmerged(self, rel: Path) -> dict[str, set[str]]:
        """File name -> blob ids of ours and theirs, for conflicted files in ``rel``."""
        out = self.run("ls-files", "-u", "-z", "--", rel.as_posix())
        found: dict[str, set[str]] = {}
        for entry in filter(None, out.split(b"\0")):
            meta, path = entry.decode().split("\t", 1)
            _, oid, stage = meta.split()
            if stage in ("2", "3") and Path(path).parent == rel:
                found.setdefault(Path(path).name, set()).add(oid)
        return found

    def changed(self, rev: str, rel: Path) -> dict[str, str]:
        """File name -> status letter (A, D, M ...) of the work tree against ``rev``."""
        out = self.run("diff", "--name-status", "--no-renames", "-z", rev, "--",
                       rel.as_posix())
        fields = out.decode().split("\0")
        found = {}
        for status, path in zip(fields[0::2], fields[1::2], strict=False):
            if path and Path(path).parent == rel:
                found[Path(path).name] = status[:1]
        return found

    def blobs(self, oids: list[str]) -> dict[str, bytes]:
        """The contents of blobs, read in one ``git cat-file --batch``."""
        if not oids:
            return {}
        out = self.run("cat-file", "--batch", stdin="".join(f"{o}\n" for o in oids).encode())
        found, at = {}, 0
        for oid in oids:
            end = out.index(b"\n", at)
            size = int(out[at:end].split()[2])
            found[oid] = out[end + 1:end + 1 + size]
            at = end + 1 + size + 1
        return found

    def tracked(self, path: Path) -> bool:
        """Whether ``path`` is in the index (conflicted files included)."""
        return _run(["ls-files", "--error-unmatch", "--", str(path)], self.top).returncode == 0

    def move(self, path: Path, target: Path) -> None:
        """``git mv`` when tracked, a plain rename otherwise."""
        if self.tracked(path):
            self.run("mv", "--", str(path), str(target))
        else:
            path.rename(target)

    def remove(self, path: Path) -> None:
        """``git rm`` when tracked, a plain delete otherwise."""
        if self.tracked(path):
            self.run("rm", "-q", "-f", "--", str(path))
        else:
            path.unlink()

    def restore(self, rev: str, path: Path) -> None:
        """Put ``rev``'s version of ``path`` in the work tree and the index."""
        self.run("checkout", rev, "--", str(path))

    def stage_if_tracked(self, path: Path, force: bool = False) -> None:
        """``git add`` a file git already knows (or any, with ``force``)."""
        if force or self.tracked(path):
            self.run("add", "--", str(path))


def _run(args: list[str], cwd: Path,
         stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True,
                              check=False)
    except FileNotFoundError:
        raise GitError("git is not installed (or not on PATH)") from None
