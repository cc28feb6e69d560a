"""Repeats and similar petitions (issue 5): the persistent index, the candidate service, clusters, the bench."""
