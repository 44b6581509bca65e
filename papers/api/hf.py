"""Hugging Face's papers API, path for path: /api/daily_papers, /api/papers/search, /api/papers/{arxiv_id}."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["Hugging Face compatible"])
