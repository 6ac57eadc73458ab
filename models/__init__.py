"""Pydantic data models: pure, validated data with no solver imports."""

from models.instance import (
    CRITERIA,
    Absence,
    Area,
    Instance,
    Municipality,
    ServicePoint,
    Settings,
    StaffMember,
    Weekday,
)

__all__ = [
    "CRITERIA",
    "Absence",
    "Area",
    "Instance",
    "Municipality",
    "ServicePoint",
    "Settings",
    "StaffMember",
    "Weekday",
]
