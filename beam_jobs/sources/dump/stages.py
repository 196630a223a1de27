"""The dump source's name and stage names, in one place: its reader, both fetchers and its filter
stage count under them, and the manifest and the report group by them."""

SOURCE = "bigquery"
STAGE_READ = f"{SOURCE}.read"
STAGE_FETCH = f"{SOURCE}.fetch"
STAGE_FILTERS = f"{SOURCE}.filters"
