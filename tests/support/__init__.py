"""Reusable test support modules (pytest plugins and helpers shared by every app's tests)."""
