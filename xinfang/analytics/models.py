"""Models of xinfang.analytics."""
