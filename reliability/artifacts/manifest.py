"""manifest.json: the run a folder's artifacts are published from, and each file's sha256.

It is the record of a published set: readers trust an artifact only when its bytes match it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from reliability.artifacts.codec import Flattened, Record
from reliability.artifacts.header import Header

MANIFEST_KIND = "manifest"


@dataclass(frozen=True)
class PublishedFile(Record):
    file: str  # its name in the folder
    sha256: str
    bytes: int


@dataclass(frozen=True)
class Manifest(Record):
    header: Flattened[Header]
    artifacts: tuple[PublishedFile, ...]

    @property
    def run_id(self) -> str:
        return self.header.run_id

    def entry(self, file: str) -> PublishedFile | None:
        return next((entry for entry in self.artifacts if entry.file == file), None)

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(entry.file for entry in self.artifacts)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def published_file(file: str, data: bytes) -> PublishedFile:
    return PublishedFile(file, sha256_of(data), len(data))
