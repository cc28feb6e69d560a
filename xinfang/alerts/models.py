"""Models of xinfang.alerts."""
