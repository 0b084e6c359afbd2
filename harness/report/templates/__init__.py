"""Static assets inlined into the HTML report (``report.css``, ``report.js``); package data, no code."""

__all__: list[str] = []
