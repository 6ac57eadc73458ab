"""Planning a month (*kuukausisuunnitelma*): working days and rhythms (workdays), demand,
the month's data (month), the CP-SAT model (model), the solve (schedule), pins, the
greedy baseline, and the plan's files (outputs, summary)."""
