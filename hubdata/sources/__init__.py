"""One module per source. parse_* is pure (bytes/text -> OBS frame); fetch_* uses http + cache."""
