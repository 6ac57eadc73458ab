"""The result of a staff allocation, as plain data for reports and later planning."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class AllocationRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    level: Literal["central", "area", "point"]
    id: str
    name: str
    parent: str = Field(description="The area of a point; the whole employment area otherwise.")
    clients: float = Field(description="Broad unemployment served (derived for points).")
    weighted_need: float = Field(description="Client equivalents under the weighting.")
    floor_fte: float
    quota_fte: float = Field(description="Exact proportional share, floors respected.")
    allocated_fte: float
    named_staff_fte: float | None = Field(
        default=None, description="FTE of named regular staff given this home area."
    )


class Allocation(BaseModel):
    """Staff work input divided between central duties, production areas and service points."""

    model_config = ConfigDict(frozen=True)

    weighting: str
    method: str
    pool_fte: float
    cut_fte: float
    step_fte: float
    central_fte: float
    local_fte: float
    unallocated_fte: float = Field(description="Less than one step left over by rounding.")
    rows: tuple[AllocationRow, ...]
    home_areas: dict[str, str] = Field(
        default_factory=dict, description="staff_id -> home area id (or 'central')."
    )

    def row(self, level: str, unit_id: str) -> AllocationRow:
        return next(r for r in self.rows if r.level == level and r.id == unit_id)

    def of_level(self, level: str) -> list[AllocationRow]:
        return [r for r in self.rows if r.level == level]
