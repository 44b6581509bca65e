"""The site's HTTP API under /api/ (django-ninja; the OpenAPI 3.1 schema at /api/openapi.json).

- `papers.api.hf`: Hugging Face's papers API, same paths, parameters and JSON (a drop-in for `huggingface_hub`).
- `papers.api.v1`: the community API at /api/v1/: papers with both sets of counts, comments, votes, saves,
  follows and mutes, the personal feed and notifications, with personal access tokens.

`papers.api.main` assembles them; `auth`, `problems`, `paging` and `conditional` are what every route shares.
"""
