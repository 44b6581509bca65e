"""Import Hugging Face Daily Papers responses (`GET /api/daily_papers`) into the papers tables.

Two steps, never mixed:

1. Read and validate (`read`, `validate`, `schema`): `read_file()` / `parse_json()` / `validate_items()`
   turn raw bytes into a `Batch` of plain `DailyItem` records, or raise `IngestError` naming the source
   and where (`file:line:col` for JSON, `item N (id …): field.path` for the schema). Nothing touches the
   database here, so a bad file in a run of many leaves the database exactly as it was.
2. Write (`write`): `write_batches()` upserts every batch in one `transaction.atomic()`, loading existing
   rows in bulk and saving only what really changed, so importing the same data twice is a no-op
   (no INSERT, no UPDATE, timestamps untouched). Each listing also keeps its item as received
   (`Listing.hf_item`, without hidden authors and dropped URLs), which the Hugging Face compatible API answers with.

`sync` fetches days from Hugging Face (papers.hf) and runs both steps for each day.
Callers use the names below, from `papers.ingest`.
"""

from papers.ingest.read import collect_files, day_from_name, parse_day, parse_json, read_file
from papers.ingest.schema import (
    AuthorRecord,
    Batch,
    DailyItem,
    IngestError,
    ItemIn,
    OrganizationRecord,
    UserRecord,
)
from papers.ingest.sync import SyncedDay, default_sync_days, sync_day, sync_days, utc_today
from papers.ingest.validate import validate_items
from papers.ingest.write import Counts, ImportResult, Summary, lock_catalog, write_batches

__all__ = [
    "AuthorRecord",
    "Batch",
    "Counts",
    "DailyItem",
    "ImportResult",
    "IngestError",
    "ItemIn",
    "OrganizationRecord",
    "Summary",
    "SyncedDay",
    "UserRecord",
    "collect_files",
    "day_from_name",
    "default_sync_days",
    "lock_catalog",
    "parse_day",
    "parse_json",
    "read_file",
    "sync_day",
    "sync_days",
    "utc_today",
    "validate_items",
    "write_batches",
]
