"""The keys every `[[documents]]` table has (validated by `sync.config`); each document
type's model extends `DocumentBase` and narrows `type` to its own literal."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sync.documents.base import DOCUMENT_KINDS, DocumentKind


class DocumentBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    publish: list[DocumentKind] = Field(default_factory=lambda: list(DOCUMENT_KINDS), min_length=1)
    """Which documents: the 1:1 agenda, the decisions log, a Five Whys record per problem."""

    @field_validator("publish")
    @classmethod
    def _once_each(cls, publish: list[DocumentKind]) -> list[DocumentKind]:
        if len(set(publish)) != len(publish):
            raise ValueError("each document kind may be listed once")
        return publish
