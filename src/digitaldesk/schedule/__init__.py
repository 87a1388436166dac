"""Work calendar (lịch công tác tuần/tháng), rooms and hearings on the calendar
(docs/schedule.md)."""
