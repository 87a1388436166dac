"""Days off and swapped working days recorded by the administrator (the government's
yearly notices), read by the deadline engine's WorkCalendar. See docs/deadlines.md."""
