"""Pure keep-or-reject predicates: each returns None to keep a record, or a short reason string."""
