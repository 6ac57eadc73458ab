"""Planning a month (*kuukausisuunnitelma*): working days and rhythms (workdays), demand,
the month's data (month), the CP-SAT model (model), the solve (schedule), pins, the
greedy baseline, the client-flow simulation (flow), and the plan's files (outputs, summary)."""
