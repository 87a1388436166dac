"""Lịch hôm nay: what is dated today for the signed-in user, gathered from cases, case files and
documents into one desk widget (docs/desk.md)."""
