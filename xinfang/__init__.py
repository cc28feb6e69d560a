"""xinfang: citizen petitions (信访) and public suggestions (人民建议征集) for a district government."""

__version__ = "0.1.0"
