"""The benchmark and its synthetic corpus, kept out of the site's code.

`specs` plans a corpus shaped like Hugging Face Daily Papers (words in `vocabulary`), `corpus` and `members`
write it to the database, `measure` times the main pages in-process, `throughput` loads gunicorn with wrk,
`report` checks the figures against the targets, and `run` does it all for `manage.py bench`.
"""
