"""License detection and allow lists, in GitHub's license keys."""
