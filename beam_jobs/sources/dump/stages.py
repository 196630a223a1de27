"""The dump source's name and stage names, in one place: its reader, its change check, both fetchers
and its filter stage count under them, and the manifest and the report group by them.

They mirror the git source's stages, so that one commit's outcome can be compared across routes:
`bigquery.commit` decides what `git.commit` decides of a single-file change (chmod, symlink,
submodule, extension), `bigquery.fetch` what `git.contents` decides of its blobs (binary, not UTF-8,
missing), and `bigquery.filters` is `git.filters`. `bigquery.read` has no git twin: it checks the
export's rows, which a repository does not have."""

SOURCE = "bigquery"
STAGE_READ = f"{SOURCE}.read"
STAGE_COMMIT = f"{SOURCE}.commit"
STAGE_FETCH = f"{SOURCE}.fetch"
STAGE_FILTERS = f"{SOURCE}.filters"
