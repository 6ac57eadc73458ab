"""What a manager can change and what it costs: levers (each by a stated rule), whatif
(a scenario and its KPIs), sweep (ladders over months) and report (the page)."""
