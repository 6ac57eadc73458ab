"""planner: staff allocation and monthly outreach planning for Finnish employment areas."""
