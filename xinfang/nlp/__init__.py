"""Chinese text intelligence (issue 5): classification, unit suggestion and similarity as pure functions
behind small dataclasses. Nothing here edits a case; the apps that own cases call in."""
