"""Data and builders for the deduplication tests (labelled near-duplicate pairs)."""
