"""Reading a claims folder: YAML files and claim tables become rows, checked by one set of rules.

- `collector`: where the problems of one read are gathered, with the digest of every file read;
- `yaml_reader`: YAML syntax and node types, unknown keys, per-file defaults, line numbers;
  YAML claims leave it as rows that carry their file and the line of each field;
- `references`: the four reference files (documents, sources, taxonomy, qualifiers);
- `tables`: Parquet and CSV claim tables read into typed columns;
- `rules`: every check of a claim's values, on rows, for both kinds of file.

`claimrec.load.load_claims` puts them together.
"""
