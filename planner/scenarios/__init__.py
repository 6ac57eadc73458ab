"""Staffing-cut scenarios for managers: what-if and sweep (whatif) and their report
(report)."""
