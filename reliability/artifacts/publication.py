"""A run's artifacts are published as one set, committed by replacing manifest.json.

1. Under the folder's lock, a publication a killed run left half-done is completed, and the temporary
   files killed runs left are removed.
2. Every file of the new set is written beside the published ones (`.NAME.RUN_ID.tmp`), synced, and
   so is the new manifest.
3. Replacing manifest.json is the one atomic step that publishes the set; the files are then renamed
   into place. A run that fails or is killed before that step leaves the published set as it was; one
   killed after it left every file it publishes, synced, under its temporary name: readers take them
   from there and the next run renames them into place.

report.html joins the set it is rendered from the same way (`add_to_published`); one that the published
set does not list is stale (a set published since without it) and is removed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from reliability.artifacts.folder_lock import locked
from reliability.artifacts.header import Header
from reliability.artifacts.manifest import MANIFEST_KIND, Manifest, published_file, sha256_of
from reliability.artifacts.publish import read, to_json
from reliability.artifacts.schema_check import check, problems
from reliability.conventions import ARTIFACT_FILES, MANIFEST_FILE, REPORT_FILE
from reliability.errors import ArtifactSetError, ReliabilityError

# The only names whose temporary files are ours.
SET_FILES = (*ARTIFACT_FILES.values(), REPORT_FILE, MANIFEST_FILE)


def pending_path(folder: Path, file: str, run_id: str) -> Path:
    """Where a file of run `run_id` waits until it is renamed into place."""
    return folder / f".{file}.{run_id}.tmp"


def _committed_manifest(folder: Path) -> Manifest | None:
    """The folder's manifest; None when there is none or it is unreadable (the new one replaces it)."""
    try:
        data = read(folder / MANIFEST_FILE)
        if problems(MANIFEST_KIND, data):
            return None
        return Manifest.from_json(data)
    except (OSError, ValueError, KeyError, TypeError):
        return None


@dataclass
class StagedSet:
    """A set written and synced beside the published one, waiting for `publish()`."""

    folder: Path
    manifest: Manifest
    staged_files: tuple[str, ...]  # those waiting under temporary names; the others are in place
    published: bool = False

    def paths(self) -> list[Path]:
        """The files published: the artifacts, then the manifest."""
        return [self.folder / file for file in (*self.manifest.files, MANIFEST_FILE)]

    def publish(self) -> list[Path]:
        """Commit the set: replace the manifest (atomic), then rename each file into place."""
        run_id = self.manifest.run_id
        os.replace(pending_path(self.folder, MANIFEST_FILE, run_id), self.folder / MANIFEST_FILE)
        self.published = True
        _sync_folder(self.folder)
        for file in self.staged_files:
            os.replace(pending_path(self.folder, file, run_id), self.folder / file)
        _remove_stale_report(self.folder, self.manifest)
        _sync_folder(self.folder)
        return self.paths()


@contextmanager
def staged(folder: Path, header: Header, files: Mapping[str, bytes]) -> Iterator[StagedSet]:
    """Write `files` (name -> UTF-8 text) of the run `header` names beside the published set, under the
    folder's lock; the body publishes them with `publish()`. A set not published is removed."""
    folder.mkdir(parents=True, exist_ok=True)
    with locked(folder, exclusive=True):
        finish_interrupted(folder)
        remove_leftovers(folder)
        encoded = dict(files)  # the texts themselves, not copies: a large run's are large
        entries = tuple(published_file(file, data) for file, data in encoded.items())
        with _staging(folder, Manifest(replace(header, kind=MANIFEST_KIND), entries), encoded) as staged_set:
            yield staged_set


def add_to_published(folder: Path, run_id: str, file: str, text: str) -> Path:
    """Publish `file` into the set of run `run_id` it was rendered from: the same one atomic step.

    ArtifactSetError when the folder's set is no longer that run's (one published meanwhile)."""
    with locked(folder, exclusive=True):
        finish_interrupted(folder)
        manifest = _committed_manifest(folder)
        if manifest is None or manifest.run_id != run_id:
            now = "none" if manifest is None else f"run {manifest.run_id}'s"
            raise ArtifactSetError(
                f"{folder}: the published set changed while {file} of run {run_id} was rendered (it is "
                f"now {now}): {file} was not written; run the command again"
            )
        data = text.encode("utf-8")
        entries = (*(entry for entry in manifest.artifacts if entry.file != file), published_file(file, data))
        with _staging(folder, replace(manifest, artifacts=entries), {file: data}) as staged_set:
            staged_set.publish()
    return folder / file


@contextmanager
def _staging(folder: Path, manifest: Manifest, encoded: dict[str, bytes]) -> Iterator[StagedSet]:
    """Write `encoded` and the manifest under temporary names; removed again unless published."""
    manifest_json = manifest.to_json()
    check(MANIFEST_KIND, manifest_json)
    staged_set = StagedSet(folder, manifest, tuple(encoded))
    encoded[MANIFEST_FILE] = to_json(manifest_json).encode("utf-8")
    written: list[Path] = []
    try:
        _write_all(folder, manifest.run_id, encoded, written)
        yield staged_set
    finally:
        if not staged_set.published:  # failed or never asked to publish: the old set stays
            for path in written:
                path.unlink(missing_ok=True)


def _remove_stale_report(folder: Path, manifest: Manifest) -> None:
    """report.html describes the set it was published with: once another set is published, it goes."""
    report = folder / REPORT_FILE
    if manifest.entry(REPORT_FILE) is None and report.is_file() and not report.is_symlink():
        report.unlink(missing_ok=True)


def _write_all(folder: Path, run_id: str, encoded: Mapping[str, bytes], written: list[Path]) -> None:
    """Write and sync each file under its temporary name, adding its path to `written` first."""
    try:
        for file, data in encoded.items():
            path = pending_path(folder, file, run_id)
            written.append(path)
            _write_synced(path, data)
        _sync_folder(folder)
    except OSError as exc:  # a full disk, say: the run's failure, not a bug
        raise ReliabilityError(
            f"{folder}: cannot write the artifacts: {exc.strerror or exc}; the published set is unchanged"
        ) from exc


def finish_interrupted(folder: Path) -> None:
    """Rename into place the files a publication killed after its commit left under temporary names."""
    manifest = _committed_manifest(folder)
    if manifest is None:
        return
    for entry in manifest.artifacts:
        waiting = pending_path(folder, entry.file, manifest.run_id)
        target = folder / entry.file
        if not waiting.is_file() or sha256_of(waiting.read_bytes()) != entry.sha256:
            continue  # nothing of this set waits: a leftover of another run, if anything
        if not target.is_file() or sha256_of(target.read_bytes()) != entry.sha256:
            os.replace(waiting, target)
    _remove_stale_report(folder, manifest)
    _sync_folder(folder)


def remove_leftovers(folder: Path) -> list[Path]:
    """Remove the temporary files of the set's names that killed runs left; only ours, only here."""
    removed = []
    for file in SET_FILES:
        for path in folder.glob(f".{file}.*.tmp"):
            if path.is_file() and not path.is_symlink():
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed


def _write_synced(path: Path, data: bytes) -> None:
    # 0o666 less the umask, like any new file: artifacts are for sharing.
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    with os.fdopen(handle, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


def _sync_folder(folder: Path) -> None:
    """Make the renames in `folder` durable (where the platform can open a folder)."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
