"""Models of xinfang.assessment."""
