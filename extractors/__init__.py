"""Bytes → clean article. Inputs are Documents; outputs are Articles or recorded failures."""

from extractors.article import Article, Document, ExtractionError, FailureStage
from extractors.inputs import InputFailure, iter_documents
from extractors.pipeline import Extracted, ExtractionConfig, extract_document, extract_many

__all__ = [
    "Article",
    "Document",
    "ExtractionConfig",
    "ExtractionError",
    "Extracted",
    "FailureStage",
    "InputFailure",
    "extract_document",
    "extract_many",
    "iter_documents",
]
