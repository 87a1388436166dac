"""Bàn làm việc số — the digital desk of the People's Procuracy."""
