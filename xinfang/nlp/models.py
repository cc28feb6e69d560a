"""Models of xinfang/nlp (trained model versions, suggestion feedback)."""
