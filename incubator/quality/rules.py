"""Plausibility rules between two reported figures, written once: the quality checks apply them to each company's
report, the Torch statistics (``compliance/torch.py``) to a platform's yearly totals of its tenants."""
from __future__ import annotations


def rd_above_revenue(rd_expense, revenue) -> bool:
    """R&D spending above a revenue that exists (a startup without revenue may well spend on R&D)."""
    return bool(revenue) and revenue > 0 and rd_expense > revenue


def tax_above_revenue(tax_paid, revenue) -> bool:
    """Taxes paid above a revenue that exists."""
    return bool(revenue) and revenue > 0 and tax_paid > revenue


def graduates_above_employees(graduates_hired, employees) -> bool:
    """More new graduates hired than people employed at the end (every hire is still counted or has left)."""
    return graduates_hired > employees


def granted_above_filed(granted_total, filed_total) -> bool:
    """More invention patents granted in total than were ever filed."""
    return granted_total > filed_total


def staff_gone_while_revenue_rises(employees, previous_employees, revenue, previous_revenue) -> bool:
    """Nobody employed at the end of the quarter, though there were people before and revenue went up."""
    return employees == 0 and previous_employees > 0 and revenue > previous_revenue
