"""Staff in proportion to client counts: the quota method (quota) and the allocation of
the pool to areas, offices and service points (staff)."""
